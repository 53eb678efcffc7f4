//go:build e2e

package e2e

import (
	"testing"
)

// The grant process from end to end, twice: through the Fabric Gateway of
// each organisation's own peer with the Go client, and through each
// organisation's own grantledger API over HTTP. The steps of each phase
// live with their capability: participants_test.go, catalogue_test.go,
// grants_test.go, receipts_test.go, disclosure_test.go, products_test.go
// and events_test.go.

// TestGrantProcessOnFabric runs the grant process through the Fabric
// Gateway of each organisation's own peer, with each organisation's own
// identity, and checks on the real network what the in-memory peer of the
// contract's unit tests can only imitate: key-level endorsement enforced by
// validation, receipts and their proofs, provenance, and chaincode events.
// Each phase builds on the previous one.
func TestGrantProcessOnFabric(t *testing.T) {
	p := newProcess(t)
	t.Logf("run %s, events from block %d", p.run, p.startBlock)
	runPhases(t,
		phase{"set up a grant in force", p.setUp},
		phase{"key-level endorsement holds", p.keyLevelEndorsement},
		phase{"only providers in scope decide", p.providersInScope},
		phase{"receipts", p.receiptsOnTheLedger},
		phase{"pages and public disclosure", p.pagesAndDisclosure},
		phase{"products and provenance", p.productsAndProvenance},
		phase{"every transaction emitted its event", p.eventsInOrder},
	)
}

// setUp registers the participants, catalogues a dataset of each provider,
// publishes a call, takes an application through its reviews to a grant
// over both datasets, has both providers approve it and both parties sign
// its agreement.
func (p *process) setUp(t *testing.T) {
	p.parties(t)
	p.catalogue(t)
	p.apply(t)
	p.issueApprovedByBoth(t)
	p.sign(t)
}

// TestAPIGrantProcess walks the whole process of the seeds through the
// organisations' APIs, each acting with its own identity: the authority
// registers the parties, the providers list datasets, the authority
// publishes a call, the operator applies, the authority reviews and issues
// a grant, both providers approve it, both parties sign its agreement, the
// platform registers an attestor whose signed receipts are recorded alone
// and in a batch (with an inclusion proof checked through the API), the
// operator's product is reviewed with an expert's and the platform's
// opinions, approved and listed, the regulator follows its provenance and
// reads a history, and the grant's revocation marks the product.
func TestAPIGrantProcess(t *testing.T) {
	p := newAPIProcess(t, "api")
	runPhases(t, append(p.grantInForce(),
		phase{"attestor and receipts", p.receiptsThroughAPI},
		phase{"product reviewed and listed", p.productThroughAPI},
		phase{"regulator audits", p.audit},
		phase{"revocation marks the product", p.revokeAndMark},
	)...)
}

// grantInForce are the phases that take the run through the APIs to a
// grant over both datasets in force: parties, catalogue and call, the
// application and its reviews, the grant approved by both providers and
// its agreement signed by both.
func (p *apiProcess) grantInForce() []phase {
	return []phase{
		{"parties", p.parties},
		{"catalogue and call", func(t *testing.T) { p.catalogue(t, p.visits, p.loans) }},
		{"application and reviews", func(t *testing.T) { p.apply(t, p.visits, p.loans) }},
		{"grant approved by both providers", p.issueApprovedByBoth},
		{"agreement signed by both", p.sign},
	}
}
