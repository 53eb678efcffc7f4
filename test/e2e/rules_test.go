//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/grantledger/grantledger/ledger"
	lt "github.com/grantledger/grantledger/ledger/ledgertest"
)

// Rules with teeth, through the APIs on the real network: an operator's
// status takes effect (a suspended operator's receipts are refused until
// it is re-admitted; an exit ends its grants and marks its products), and
// the authority suspends and revokes a grant with its own peer alone, so
// that no provider can block it by stopping its peer.

// TestRulesSuspension: the authority suspends the operator (POST
// /v1/participants/{msp}/status); the operator's next receipt, and its
// product registration, are refused naming the status; re-admitted, its
// receipt is accepted.
func TestRulesSuspension(t *testing.T) {
	p := newAPIProcess(t, "rsus")
	t.Cleanup(func() { p.readmit(t) })
	runPhases(t,
		phase{"grant in force", p.rulesGrantInForce},
		phase{"suspended operator is refused", func(t *testing.T) {
			p.setStatus(t, p.operator, "suspended", "evaluation: rectify within 30 days")
			a := p.operator.do(t, apiRequest{method: http.MethodPost, path: "/v1/receipts", body: p.receiptBody(p.statement(p.id("r1"), 5))})
			wantAPIError(t, a, http.StatusUnprocessableEntity, "refused", "", "operator "+p.operator.msp+" is suspended")
			// The platform cannot submit it for the operator either.
			a = p.platform.do(t, apiRequest{method: http.MethodPost, path: "/v1/receipts", body: p.receiptBody(p.statement(p.id("r1"), 5))})
			wantAPIError(t, a, http.StatusUnprocessableEntity, "refused", "", "operator "+p.operator.msp+" is suspended")
			a = p.operator.do(t, apiRequest{method: http.MethodPost, path: "/v1/products", body: p.productBody(p.id("prod"))})
			wantAPIError(t, a, http.StatusUnprocessableEntity, "refused", "", "operator "+p.operator.msp+" is suspended")
		}},
		phase{"re-admitted operator is accepted", func(t *testing.T) {
			p.setStatus(t, p.operator, "admitted", "")
			var r ledger.Receipt
			p.write(t, p.operator, apiRequest{method: http.MethodPost, path: "/v1/receipts", body: p.receiptBody(p.statement(p.id("r1"), 5))},
				http.StatusCreated, "receipt.accepted", &r)
			if r.GrantID != p.grant || r.Records != 5 {
				t.Errorf("receipt after re-admission: got %+v, want 5 records under %s", r, p.grant)
			}
		}},
	)
}

// TestRulesRevocationWithoutProviders stops the peer of every provider of
// the grant and has the authority revoke it: the revocation writes only
// the grant's status key, whose policy is the authority's peer alone, so
// it commits; the operator's product shows the revocation's mark, and the
// providers' peers, started again, catch up and show the grant revoked.
func TestRulesRevocationWithoutProviders(t *testing.T) {
	p := newAPIProcess(t, "rrev")
	runPhases(t,
		phase{"grant in force with a product", func(t *testing.T) {
			p.rulesGrantInForce(t)
			p.receiptAndProduct(t)
		}},
		phase{"revoked with every provider's peer stopped", func(t *testing.T) {
			stopped := p.stopPeers(t, p.health, p.market)
			a := p.authority.do(t, apiRequest{method: http.MethodPost, path: "/v1/grants/" + p.grant + "/revoke", body: obj{"reason": "emergency: data leak"}})
			var g ledger.Grant
			a.want(t, http.StatusOK, &g)
			if g.Status != ledger.GrantRevoked || g.Reason != "emergency: data leak" {
				t.Fatalf("revoked grant: got %s (%s), want revoked for the emergency", g.Status, g.Reason)
			}
			eventually(t, time.Minute, "the regulator reads the grant revoked", func() error {
				var g ledger.Grant
				p.regulator.do(t, apiRequest{method: http.MethodGet, path: "/v1/grants/" + p.grant}).want(t, http.StatusOK, &g)
				if g.Status != ledger.GrantRevoked {
					return fmt.Errorf("status %s", g.Status)
				}
				return nil
			})
			p.wantMarked(t, p.operator, "emergency: data leak")
			// A use after the revocation (in the next whole second:
			// statements carry whole seconds) is refused.
			late := p.statement(p.id("r-late"), 1)
			late.Time = secondAfter(g.Updated.Time).Unix()
			a = p.operator.do(t, apiRequest{method: http.MethodPost, path: "/v1/receipts", body: p.receiptBody(late)})
			wantAPIError(t, a, http.StatusUnprocessableEntity, "refused", "", "revoked")
			stopped.restart(t)
			eventually(t, time.Minute, "the health API reads the grant revoked", func() error {
				var g ledger.Grant
				a := p.health.do(t, apiRequest{method: http.MethodGet, path: "/v1/grants/" + p.grant})
				if a.status != http.StatusOK {
					return fmt.Errorf("%s", a)
				}
				a.want(t, http.StatusOK, &g)
				if g.Status != ledger.GrantRevoked {
					return fmt.Errorf("status %s", g.Status)
				}
				return nil
			})
		}},
	)
}

func (p *apiProcess) rulesGrantInForce(t *testing.T) {
	p.parties(t)
	p.catalogue(t, p.visits, p.loans)
	p.apply(t, p.visits, p.loans)
	p.issueApprovedByBoth(t)
	p.sign(t)
	p.registerAttestor(t)
}

// productBody is a product built from the run's grant and receipts.
func (p *apiProcess) productBody(id string) obj {
	receipts := p.receipts
	if receipts == nil {
		receipts = []string{p.id("r0")}
	}
	return obj{"id": id, "type": "report", "name": "Report " + id, "descriptionDigest": lt.Digest("report " + id),
		"grants": []string{p.grant}, "receipts": receipts}
}

// receiptAndProduct has the operator submit a receipt and register a
// product built from it.
func (p *apiProcess) receiptAndProduct(t *testing.T) {
	var r ledger.Receipt
	p.write(t, p.operator, apiRequest{method: http.MethodPost, path: "/v1/receipts", body: p.receiptBody(p.statement(p.id("r0"), 5))},
		http.StatusCreated, "receipt.accepted", &r)
	p.receipts = append(p.receipts, r.ID)
	p.product = p.id("prod")
	var pr ledger.Product
	p.write(t, p.operator, apiRequest{method: http.MethodPost, path: "/v1/products", body: p.productBody(p.product)},
		http.StatusCreated, "product.registered", &pr)
}

// wantMarked waits until o reads the run's product marked by the
// revocation of the run's grant, the mark's reason holding reason.
func (p *apiProcess) wantMarked(t *testing.T, o *apiOrg, reason string) {
	t.Helper()
	eventually(t, time.Minute, "the product shows the revocation's mark", func() error {
		var pr ledger.Product
		p.get(t, o, "/v1/products/"+p.product, &pr)
		ms := pr.Blocking()
		if len(ms) != 1 || ms[0].GrantID != p.grant || ms[0].Change != ledger.GrantRevoked || !strings.Contains(ms[0].Reason, reason) {
			return fmt.Errorf("marks %+v", pr.Marks)
		}
		return nil
	})
	a := p.operator.do(t, apiRequest{method: http.MethodPost, path: "/v1/products/" + p.product + "/submit"})
	wantAPIError(t, a, http.StatusUnprocessableEntity, "refused", "", "")
}

// setStatus has the authority set o's qualification (准入与退出).
func (p *apiProcess) setStatus(t *testing.T, o *apiOrg, status, reason string) {
	t.Helper()
	body := obj{"status": status}
	if reason != "" {
		body["reason"] = reason
	}
	var pt ledger.Participant
	p.write(t, p.authority, apiRequest{method: http.MethodPost, path: "/v1/participants/" + o.msp + "/status", body: body},
		http.StatusOK, "participant."+status, &pt)
	if string(pt.Status) != status || pt.StatusReason != reason {
		t.Fatalf("participant %s: got %s (%s), want %s (%s)", o.msp, pt.Status, pt.StatusReason, status, reason)
	}
}

// readmit re-admits the operator if a failed test left it suspended, as
// the other tests need it admitted. It runs as a cleanup, once the test's
// context is done, so it sends its requests on a context of its own.
func (p *apiProcess) readmit(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	send := func(method, path string, body string) (*http.Response, error) {
		req, err := http.NewRequestWithContext(ctx, method, p.authority.url+path, strings.NewReader(body))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "Bearer "+p.authority.tokens["User1"])
		req.Header.Set("Content-Type", "application/json")
		return apiHTTP.Do(req)
	}
	res, err := send(http.MethodGet, "/v1/participants/"+p.operator.msp, "")
	if err != nil {
		t.Errorf("read the operator's status: %v", err)
		return
	}
	var pt ledger.Participant
	err = json.NewDecoder(res.Body).Decode(&pt)
	res.Body.Close()
	if err != nil || pt.Status != ledger.OperatorSuspended {
		return
	}
	res, err = send(http.MethodPost, "/v1/participants/"+p.operator.msp+"/status", `{"status":"admitted"}`)
	if err != nil {
		t.Errorf("re-admit the operator: %v", err)
		return
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("re-admit the operator: status %d", res.StatusCode)
	}
}

// stoppedPeers are organisations' peers a test stopped.
type stoppedPeers struct {
	orgs      []*apiOrg
	restarted bool
}

// stopPeers stops the peer of each organisation; they are started again
// by restart, or when the test ends.
func (p *apiProcess) stopPeers(t *testing.T, orgs ...*apiOrg) *stoppedPeers {
	t.Helper()
	s := &stoppedPeers{orgs: orgs}
	t.Cleanup(func() {
		if !s.restarted {
			s.restart(t)
		}
	})
	for _, o := range orgs {
		name := "peer0." + o.name + "." + shared.net.Topology().Domain
		if err := shared.net.Stop(name); err != nil {
			t.Fatalf("stop %s: %v", name, err)
		}
	}
	return s
}

// restart starts the stopped peers and waits until each has caught up with
// the authority's peer.
func (s *stoppedPeers) restart(t *testing.T) {
	t.Helper()
	s.restarted = true
	for _, o := range s.orgs {
		if err := shared.net.StartPeer(context.Background(), o.name, "peer0"); err != nil {
			t.Errorf("start peer0 of %s: %v", o.name, err)
		}
	}
	// restart may run as a cleanup, once the test's context is done.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	target, err := shared.net.PeerHeight(ctx, "authority", "peer0")
	if err != nil {
		t.Errorf("height of the authority's peer: %v", err)
		return
	}
	for _, o := range s.orgs {
		eventually(t, 90*time.Second, "peer0 of "+o.name+" catches up", func() error {
			h, err := shared.net.PeerHeight(ctx, o.name, "peer0")
			if err != nil {
				return err
			}
			if h < target {
				return fmt.Errorf("height %d of %d", h, target)
			}
			return nil
		})
	}
	// Caught up is not enough for the next test: each gateway's discovery
	// must know the restarted peers again before it can plan endorsements.
	if err := shared.net.WaitEndorsable(ctx); err != nil {
		t.Errorf("gateways after restarting peers: %v", err)
	}
}
