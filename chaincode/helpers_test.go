package chaincode_test

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/grantledger/grantledger/attest"
	"github.com/grantledger/grantledger/attest/attesttest"
	"github.com/grantledger/grantledger/chaincode"
	"github.com/grantledger/grantledger/chaincode/chaincodetest"
	"github.com/grantledger/grantledger/ledger"
	lt "github.com/grantledger/grantledger/ledger/ledgertest"
	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"
)

// net is the contract on an in-memory peer.
type net struct {
	t        testing.TB
	peer     *chaincodetest.Peer
	attestor *attesttest.Attestor
	// skew is how far the endorser's clock is behind the proposals' time.
	skew time.Duration
}

// The contract is built once, as metadata generation is slow; its clock,
// the endorser's, is the current net's peer time but for the skew a test
// sets. Tests of this package do not run in parallel.
var (
	current  atomic.Pointer[net]
	contract = sync.OnceValues(func() (*contractapi.ContractChaincode, error) {
		return chaincode.NewChaincode(chaincode.WithAuthority(lt.AuthorityMSP), chaincode.WithClock(func() time.Time {
			n := current.Load()
			return n.peer.Now().Add(-n.skew)
		}))
	})
)

func newNet(t testing.TB) *net {
	t.Helper()
	n := &net{t: t, attestor: attesttest.NewAttestorFromSeed("tee-1")}
	current.Store(n)
	cc, err := contract()
	if err != nil {
		t.Fatal(err)
	}
	n.peer = chaincodetest.New(cc, lt.T0)
	// The network's private collections: one per operator or developer,
	// shared with the authority and the regulator.
	for _, msp := range []string{lt.OperatorMSP, lt.DeveloperMSP} {
		n.peer.DefineCollection(ledger.OperatorCollection(msp), lt.AuthorityMSP, lt.RegulatorMSP, msp)
	}
	n.ok(lt.AuthorityMSP, "Bootstrap", lt.AuthorityMSP)
	return n
}

// args encodes call arguments: strings as they are, anything else as JSON.
func (n *net) args(args []any) []string {
	out := make([]string, len(args))
	for i, a := range args {
		if s, ok := a.(string); ok {
			out[i] = s
			continue
		}
		raw, err := json.Marshal(a)
		if err != nil {
			n.t.Fatal(err)
		}
		out[i] = string(raw)
	}
	return out
}

func (n *net) at(t time.Time) *net {
	n.peer.SetTime(t)
	return n
}

func (n *net) call(msp, fn string, args ...any) *chaincodetest.Tx {
	if transientRequests[fn] && len(args) > 0 {
		return n.private(msp, fn, args[0], args[1:]...)
	}
	return n.peer.Invoke(msp, fn, n.args(args)...)
}

// transientRequests are the transactions that take their JSON request as
// transient data (key "request"), not as an argument, as the client sends
// it: call sends their first argument so.
var transientRequests = map[string]bool{"SubmitReceiptBatch": true}

// private invokes fn with request as its transient request, as the private
// Attach… transactions take it.
func (n *net) private(msp, fn string, request any, args ...any) *chaincodetest.Tx {
	raw, err := json.Marshal(request)
	if err != nil {
		n.t.Fatal(err)
	}
	return n.peer.InvokeTransient(msp, map[string][]byte{"request": raw}, fn, n.args(args)...)
}

// okPrivate is private that fails the test unless the transaction commits.
func (n *net) okPrivate(msp, fn string, request any, args ...any) *chaincodetest.Tx {
	n.t.Helper()
	tx := n.private(msp, fn, request, args...)
	if !tx.OK() {
		n.t.Fatalf("%s by %s: got %q (commit %v), want success", fn, msp, tx.Message, tx.CommitErr)
	}
	// What a transaction returns and emits reaches every peer in the
	// block: none of the private request may be in it.
	var fields map[string]any
	raw, _ := json.Marshal(request)
	_ = json.Unmarshal(raw, &fields)
	for name, v := range fields {
		secret, ok := v.(string)
		if !ok || secret == "" {
			continue
		}
		out := string(tx.Payload)
		for _, e := range tx.Events {
			out += string(e.Payload)
		}
		if strings.Contains(out, secret) {
			n.t.Errorf("%s by %s: its result or event holds the private %s", fn, msp, name)
		}
	}
	return tx
}

// ok invokes and fails the test unless the transaction commits; it returns
// the payload and checks that a state change emitted exactly one event.
func (n *net) ok(msp, fn string, args ...any) []byte {
	n.t.Helper()
	tx := n.call(msp, fn, args...)
	if !tx.OK() {
		n.t.Fatalf("%s by %s: got %q (commit %v), want success", fn, msp, tx.Message, tx.CommitErr)
	}
	if len(tx.Writes()) > 0 && len(tx.Events) != 1 {
		n.t.Fatalf("%s by %s: got %d events, want exactly 1", fn, msp, len(tx.Events))
	}
	return tx.Payload
}

// get invokes a query and decodes its result into v.
func (n *net) get(v any, msp, fn string, args ...any) {
	n.t.Helper()
	raw := n.ok(msp, fn, args...)
	if err := json.Unmarshal(raw, v); err != nil {
		n.t.Fatalf("%s: decode %s: %v", fn, raw, err)
	}
}

// refused invokes and fails the test unless the transaction fails with a
// message starting with want and leaves the state unchanged.
func (n *net) refused(want, msp, fn string, args ...any) string {
	n.t.Helper()
	before := n.peer.Snapshot()
	tx := n.call(msp, fn, args...)
	if tx.OK() {
		n.t.Fatalf("%s by %s: got success, want %q", fn, msp, want)
	}
	if !strings.HasPrefix(tx.Message, want) {
		n.t.Fatalf("%s by %s: got %q, want prefix %q", fn, msp, tx.Message, want)
	}
	if after := n.peer.Snapshot(); !maps.Equal(before, after) {
		n.t.Fatalf("%s by %s: refused transaction changed the state", fn, msp)
	}
	return tx.Message
}

// event decodes the one event of a transaction.
func event(t *testing.T, tx *chaincodetest.Tx) ledger.Event {
	t.Helper()
	if len(tx.Events) != 1 {
		t.Fatalf("got %d events, want 1", len(tx.Events))
	}
	var e ledger.Event
	if err := json.Unmarshal(tx.Events[0].Payload, &e); err != nil {
		t.Fatal(err)
	}
	if tx.Events[0].Name != e.Type+"."+e.Change {
		t.Errorf("got event name %q, want %q", tx.Events[0].Name, e.Type+"."+e.Change)
	}
	return e
}

// world runs the process through the contract up to an active grant-1
// (visits + loans) with agreement agr-1 in force and attestor tee-1
// registered; the clock is then at lt.UseTime.
func world(t testing.TB) *net {
	n := newNet(t)
	n.at(lt.T0)
	for _, msp := range []string{lt.HealthMSP, lt.MarketMSP, lt.OperatorMSP, lt.PlatformMSP, lt.RegulatorMSP, lt.DeveloperMSP, lt.ExchangeMSP, lt.ExpertMSP} {
		n.ok(lt.AuthorityMSP, "RegisterParticipant", ledger.ParticipantRequest{MSP: msp, Role: lt.Roles[msp], Name: msp + " Org"})
	}
	n.ok(lt.AuthorityMSP, "SetOperatorStatus", ledger.OperatorStatusRequest{MSP: lt.OperatorMSP, Status: ledger.OperatorAdmitted})
	n.ok(lt.HealthMSP, "CreateDataset", lt.DatasetRequest("visits", "medical", "age", "diagnosis", "name"))
	n.ok(lt.MarketMSP, "CreateDataset", lt.DatasetRequest("loans", "finance", "amount", "term"))
	n.ok(lt.AuthorityMSP, "PublishCall", lt.CallRequest("call-1"))
	n.ok(lt.PlatformMSP, "RegisterAttestor", ledger.AttestorRequest{Address: n.attestor.Address(), Name: "TEE 1"})
	n.at(lt.Days(1)).ok(lt.OperatorMSP, "SubmitApplication", lt.ApplicationRequest("app-1", "call-1"))
	n.okPrivate(lt.OperatorMSP, "AttachApplicationDocuments", lt.ApplicationDocuments(), "app-1")
	n.at(lt.Days(2))
	for _, r := range []ledger.ReviewRequest{
		lt.ReviewRequest("rev-basic", ledger.ReviewBasicSecurity, lt.OperatorMSP, lt.Days(1)),
		lt.ReviewRequest("rev-tech", ledger.ReviewTechnicalSecurity, lt.OperatorMSP, lt.Days(1)),
		lt.ReviewRequest("rev-net", ledger.ReviewNetworkSecurity, "app-1", lt.Days(2)),
		lt.ReviewRequest("rev-scenario", ledger.ReviewScenario, "app-1", lt.Days(2)),
	} {
		n.ok(lt.AuthorityMSP, "RecordReview", r)
	}
	n.at(lt.Days(3)).ok(lt.AuthorityMSP, "IssueGrant", lt.GrantRequest("grant-1", "app-1"))
	n.at(lt.Days(4))
	n.ok(lt.HealthMSP, "ApproveGrant", "grant-1")
	n.ok(lt.MarketMSP, "ApproveGrant", "grant-1")
	n.ok(lt.AuthorityMSP, "ProposeAgreement", lt.AgreementRequest("agr-1", "grant-1"))
	n.okPrivate(lt.AuthorityMSP, "AttachAgreementText", lt.AgreementText("agr-1"), "agr-1")
	n.ok(lt.AuthorityMSP, "SignAgreement", "agr-1")
	n.ok(lt.OperatorMSP, "SignAgreement", "agr-1")
	n.at(lt.UseTime)
	return n
}

// receipt returns a receipt request for a statement signed by the net's attestor.
func (n *net) receipt(s attest.Statement) ledger.ReceiptRequest {
	return ledger.ReceiptRequest{Statement: s, Signature: n.attestor.Sign(s)}
}

// key returns the composite key of an object.
func key(typ, id string) string { return "\x00" + typ + "\x00" + id + "\x00" }

// hasRelated reports whether the event lists the object typ id with change.
func hasRelated(e ledger.Event, typ, id, change string) bool {
	return slices.ContainsFunc(e.Related, func(r ledger.EventRef) bool { return r.Type == typ && r.ID == id && r.Change == change })
}
