//go:build e2e

package e2e

import (
	"net/http"
	"strings"
	"testing"

	"github.com/grantledger/grantledger/ledger"
)

// An exit is final, and every other test needs the operator admitted, so
// the exit runs after all of them: go test runs a package's tests in the
// order of their files' names, and this file's sorts after every other
// (tolerance_test.go's faults restore the network they break).

// TestWithdrawalExit: the authority records the operator's exit (退出);
// the exit's own transaction revokes the operator's grants, naming the
// exit, and its products show the mark; the exited operator's next
// receipt is refused naming its status.
func TestWithdrawalExit(t *testing.T) {
	p := newAPIProcess(t, "rexit")
	runPhases(t,
		phase{"grant in force with a product", func(t *testing.T) {
			p.rulesGrantInForce(t)
			p.receiptAndProduct(t)
		}},
		phase{"exit ends the grants and marks the products", func(t *testing.T) {
			p.setStatus(t, p.operator, "exited", "licence withdrawn")
			var g ledger.Grant
			p.get(t, p.regulator, "/v1/grants/"+p.grant, &g)
			if g.Status != ledger.GrantRevoked || !strings.Contains(g.Reason, p.operator.msp+" exited: licence withdrawn") {
				t.Errorf("grant after the exit: got %s (%s), want revoked naming the exit", g.Status, g.Reason)
			}
			p.wantMarked(t, p.regulator, "exited")
			a := p.platform.do(t, apiRequest{method: http.MethodPost, path: "/v1/receipts", body: p.receiptBody(p.statement(p.id("r2"), 1))})
			wantAPIError(t, a, http.StatusUnprocessableEntity, "refused", "", "operator "+p.operator.msp+" is exited")
		}},
	)
}

// rulesGrantInForce puts a grant over both datasets in force, with an
// attestor registered.
