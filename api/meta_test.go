package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/grantledger/grantledger/client"
	"github.com/grantledger/grantledger/ledger"
)

func TestReadyz(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		block      bool
		wantStatus int
		wantCode   string
	}{
		{name: "peer answers", wantStatus: 200},
		{name: "peer unavailable", err: &client.Error{Kind: client.ErrUnavailable, Op: "GetConfig", Message: "connection refused"}, wantStatus: 503, wantCode: "not_ready"},
		{name: "contract not bootstrapped", err: &client.Error{Kind: client.ErrRefused, Op: "GetConfig", Message: "not bootstrapped"}, wantStatus: 503, wantCode: "not_ready"},
		{name: "peer too slow", block: true, wantStatus: 503, wantCode: "not_ready"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newServerOver(t, configOnly, func(o *Options) { o.ReadyTimeout = 50 * time.Millisecond })
			if tt.err != nil {
				ts.state.setErr("GetConfig", tt.err)
			}
			if tt.block {
				ts.state.block["GetConfig"] = nil
			}
			rec := ts.do(t, request{method: http.MethodGet, path: "/readyz"})
			if failed := checkAnswer(t, rec, tt.wantStatus, tt.wantCode); failed {
				return
			}
			var st Status
			if err := json.Unmarshal(rec.Body.Bytes(), &st); err != nil || st.Status != "ready" || st.Authority != "AuthorityMSP" {
				t.Errorf("body: got %s, want ready with the authority", rec.Body)
			}
			if calls := ts.state.recorded(); len(calls) != 1 || calls[0].User != "Admin" || calls[0].Op != "GetConfig" {
				t.Errorf("ledger calls: got %+v, want GetConfig as Admin", calls)
			}
		})
	}
}

func TestHealthz(t *testing.T) {
	ts := newServerOver(t, configOnly)
	ts.state.setErr("GetConfig", client.ErrUnavailable)
	rec := ts.do(t, request{method: http.MethodGet, path: "/healthz"})
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"ok"`) {
		t.Errorf("healthz: got %d %s, want 200 ok whatever the ledger", rec.Code, rec.Body)
	}
	if calls := ts.state.recorded(); len(calls) != 0 {
		t.Errorf("healthz called the ledger: %v", calls)
	}
}

// configOnly is a ledger that answers GetConfig and nothing else, all that
// the health checks may ask.
func configOnly(f fake) Ledger { return fakeLedger{ConfigLedger: fakeConfig{f}} }

// fakeConfig is the contract's configuration (ConfigLedger) at the process
// boundary.
type fakeConfig struct{ fake }

func (f fakeConfig) GetConfig(ctx context.Context) (*client.Config, error) {
	return answer(f.fake, ctx, "GetConfig", &client.Config{AuthorityMSP: "AuthorityMSP"})
}

// fakeActor is the caller as the contract sees it (ActorLedger) at the
// process boundary.
type fakeActor struct{ fake }

func (f fakeActor) WhoAmI(ctx context.Context) (*ledger.Actor, error) {
	return answer(f.fake, ctx, "WhoAmI", &ledger.Actor{MSP: "AuthorityMSP", Client: "x509::CN=" + f.user, Role: ledger.RoleAuthority})
}
