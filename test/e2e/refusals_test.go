//go:build e2e

package e2e

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/grantledger/grantledger/api"
	"github.com/grantledger/grantledger/attest"
	"github.com/grantledger/grantledger/attest/attesttest"
	"github.com/grantledger/grantledger/ledger"
)

// TestAPIRefusals checks what the APIs refuse, each with its status and
// JSON error body, on a grant of its own over health's visits(age,
// diagnosis) with a quota of 20 records: decisions by those who may not
// decide, receipts that are forged, unknown, replayed, out of scope, over
// quota or of a revoked grant, malformed requests, missing tokens, and a
// repeated Idempotency-Key.
func TestAPIRefusals(t *testing.T) {
	r := refusals{newAPIProcess(t, "apr")}
	if !t.Run("setup", r.setUp) {
		t.FailNow()
	}
	t.Run("grant decisions", r.grantDecisions)
	t.Run("grant in force", r.grantInForce)
	if t.Failed() {
		t.FailNow()
	}
	// Each of these stands on its own: one refused does not stop the next.
	for _, c := range []phase{
		{"receipts", r.receipts},
		{"malformed requests", r.malformedRequests},
		{"tokens", r.tokens},
		{"the same Idempotency-Key twice", r.idempotencyKeyTwice},
		{"receipts of a revoked grant", r.receiptsOfRevokedGrant},
	} {
		t.Run(c.name, c.run)
	}
}

// refusals is the run of TestAPIRefusals.
type refusals struct{ *apiProcess }

// setUp issues the run's grant over health's visits with a quota of 20
// records in 5 calls; it waits for health's approval.
func (r refusals) setUp(t *testing.T) {
	r.parties(t)
	r.catalogue(t, r.visits)
	r.apply(t, r.visits)
	r.issue(t, ledger.Quota{Records: 20, Calls: 5}, r.visits)
}

// grantDecisions: only a provider whose data the grant touches decides on
// it; the refused approvals change nothing.
func (r refusals) grantDecisions(t *testing.T) {
	for _, tt := range []struct {
		name   string
		by     *apiOrg
		status int
		code   string
		text   string
	}{
		{"an operator approves a grant", r.operator, http.StatusForbidden, "forbidden", r.operator.msp + " is not a provider"},
		// A provider whose data the grant does not touch may not read it
		// either: it is answered as if the grant did not exist.
		{"a provider approves a grant that does not touch its data", r.market, http.StatusNotFound, "not_found", "grant " + r.grant + " does not exist"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := tt.by.do(t, apiRequest{method: http.MethodPost, path: "/v1/grants/" + r.grant + "/approve"})
			wantAPIError(t, a, tt.status, tt.code, "", tt.text)
		})
	}
	var g ledger.Grant
	r.get(t, r.regulator, "/v1/grants/"+r.grant, &g)
	if g.Status != ledger.GrantProposed || len(g.Approvals) != 1 || g.Approvals[0].Decision != ledger.DecisionPending {
		t.Errorf("grant after the refused approvals: got %s with approvals %+v, want %s, %s's still pending", g.Status, g.Approvals, ledger.GrantProposed, r.health.msp)
	}
}

// grantInForce has health approve the grant, both parties sign its
// agreement and the platform register an attestor, whose first receipt,
// of 5 records, is accepted.
func (r refusals) grantInForce(t *testing.T) {
	r.approve(t, r.health, "grant.activated", ledger.GrantActive)
	r.sign(t)
	r.registerAttestor(t)
	r.write(t, r.operator, apiRequest{method: http.MethodPost, path: "/v1/receipts", body: r.receiptBody(r.statement(r.id("r1"), 5))},
		http.StatusCreated, "receipt.accepted", nil)
}

// receipts: receipts that may not be recorded are refused with their
// status, and the refusals record nothing and use none of the quota.
func (r refusals) receipts(t *testing.T) {
	for _, tt := range []struct {
		name string
		body func() obj
		// recorded: the receipt ID is on the ledger after the refusal
		// (a replay of a recorded receipt).
		recorded          bool
		status            int
		code, field, text string
	}{
		{name: "replayed", recorded: true, status: http.StatusConflict, code: "conflict", text: "replay",
			body: r.replayedReceipt},
		{name: "forged: the statement changed after signing", status: http.StatusUnprocessableEntity, code: "refused", text: "forged signature",
			body: r.forgedReceipt},
		{name: "signed by an unknown attestor", status: http.StatusUnprocessableEntity, code: "refused", text: "not a registered attestor",
			body: r.strangersReceipt},
		{name: "over quota", status: http.StatusUnprocessableEntity, code: "refused", text: "over quota",
			body: r.overQuotaReceipt},
		{name: "out of scope: a field not granted", status: http.StatusUnprocessableEntity, code: "refused", text: "out of scope",
			body: r.ungrantedFieldReceipt},
		{name: "out of scope: a purpose not granted", status: http.StatusUnprocessableEntity, code: "refused", text: "out of scope",
			body: r.ungrantedPurposeReceipt},
		{name: "a signature that is not hex", status: http.StatusBadRequest, code: "invalid", field: "signature", text: "malformed",
			body: r.nonHexSignatureReceipt},
	} {
		t.Run(tt.name, func(t *testing.T) {
			body := tt.body()
			a := r.operator.do(t, apiRequest{method: http.MethodPost, path: "/v1/receipts", body: body})
			wantAPIError(t, a, tt.status, tt.code, tt.field, tt.text)
			id := body["statement"].(attest.Statement).ReceiptID
			if got := r.regulator.do(t, apiRequest{method: http.MethodGet, path: "/v1/receipts/" + id}); (got.status == http.StatusOK) != tt.recorded {
				t.Errorf("%s after the refusal: recorded %v, want %v", got, got.status == http.StatusOK, tt.recorded)
			}
		})
	}
	var u ledger.Usage
	r.get(t, r.operator, "/v1/grants/"+r.grant+"/usage", &u)
	if u.Records != 5 || u.Calls != 1 {
		t.Errorf("usage after the refusals: got %d records in %d calls, want the first receipt's 5 in 1", u.Records, u.Calls)
	}
}

// replayedReceipt is the first receipt again.
func (r refusals) replayedReceipt() obj { return r.receiptBody(r.statement(r.id("r1"), 5)) }

// forgedReceipt is a receipt whose statement changed after signing.
func (r refusals) forgedReceipt() obj {
	s := r.statement(r.id("r-forged"), 5)
	b := r.receiptBody(s)
	s.Records = 15
	b["statement"] = s
	return b
}

// strangersReceipt is a receipt signed by an attestor nobody registered.
func (r refusals) strangersReceipt() obj {
	stranger := attesttest.NewAttestorFromSeed("unregistered-" + r.run)
	s := r.statement(r.id("r-stranger"), 5)
	return obj{"statement": s, "signature": stranger.Sign(s)}
}

// overQuotaReceipt is a use of more records than the grant has left.
func (r refusals) overQuotaReceipt() obj { return r.receiptBody(r.statement(r.id("r-quota"), 16)) }

// ungrantedFieldReceipt is a use of visits(name), which the grant does
// not grant.
func (r refusals) ungrantedFieldReceipt() obj {
	s := r.statement(r.id("r-field"), 1)
	s.Datasets = []attest.DatasetUse{{ID: r.visits, Fields: []string{"name"}}}
	return r.receiptBody(s)
}

// ungrantedPurposeReceipt is a use for marketing, which the grant does
// not grant.
func (r refusals) ungrantedPurposeReceipt() obj {
	s := r.statement(r.id("r-purpose"), 1)
	s.Purpose = "marketing"
	return r.receiptBody(s)
}

// nonHexSignatureReceipt is a receipt whose signature is not hex.
func (r refusals) nonHexSignatureReceipt() obj {
	b := r.receiptBody(r.statement(r.id("r-hex"), 1))
	b["signature"] = "0x" + strings.Repeat("zz", 65)
	return b
}

// malformedRequests: bodies that do not decode as the request are refused
// with the field at fault, and so are unknown objects and filters.
func (r refusals) malformedRequests(t *testing.T) {
	dataset := func(edit func(obj)) obj {
		_, b := r.datasetOf(r.id("visits-bad"))
		edit(b)
		return b
	}
	for _, tt := range []struct {
		name        string
		body        any
		contentType string
		status      int
		code        string
		field, text string
	}{
		{name: "a number where a string is expected", body: dataset(func(b obj) { b["id"] = 42 }),
			status: http.StatusBadRequest, code: "invalid", field: "id", text: "must be a string"},
		{name: "a nested field of the wrong type", body: dataset(func(b obj) { b["fields"] = []obj{{"name": "age", "sensitivity": "high"}} }),
			status: http.StatusBadRequest, code: "invalid", field: "fields[0].sensitivity", text: "must be an integer"},
		{name: "an unknown field", body: dataset(func(b obj) { b["colour"] = "red" }),
			status: http.StatusBadRequest, code: "invalid", field: "colour", text: "is not a field"},
		{name: "a value outside its set", body: dataset(func(b obj) { b["classification"] = "secret" }),
			status: http.StatusBadRequest, code: "invalid", field: "classification", text: "must be one of"},
		{name: "broken JSON", body: `{"id": "x",`,
			status: http.StatusBadRequest, code: "invalid", text: "malformed JSON"},
		{name: "two objects", body: `{} {}`,
			status: http.StatusBadRequest, code: "invalid", text: "one JSON object"},
		{name: "not JSON", body: "id=x", contentType: "application/x-www-form-urlencoded",
			status: http.StatusUnsupportedMediaType, code: "unsupported_media_type", text: "application/json"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req := apiRequest{method: http.MethodPost, path: "/v1/datasets", body: tt.body}
			if tt.contentType != "" {
				req.header = map[string]string{"Content-Type": tt.contentType}
			}
			wantAPIError(t, r.health.do(t, req), tt.status, tt.code, tt.field, tt.text)
		})
	}
	a := r.health.do(t, apiRequest{method: http.MethodGet, path: "/v1/datasets/" + r.id("visits-bad")})
	wantAPIError(t, a, http.StatusNotFound, "not_found", "", r.id("visits-bad"))
	a = r.health.do(t, apiRequest{method: http.MethodGet, path: "/v1/grants?holder=" + r.operator.msp + "&status=active"})
	wantAPIError(t, a, http.StatusBadRequest, "invalid", "status", "one of")
}

// tokens: a request without a valid token of the API's own organisation
// is refused as unauthenticated, and changes nothing.
func (r refusals) tokens(t *testing.T) {
	for _, tt := range []struct {
		name string
		r    apiRequest
	}{
		{"no token", apiRequest{anonymous: true}},
		{"an unknown token", apiRequest{token: "glt_" + strings.Repeat("A", 43)}},
		{"another organisation's token", apiRequest{token: r.health.tokens["User1"]}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req := tt.r
			req.method, req.path = http.MethodPost, "/v1/calls"
			req.body = r.callBody(r.id("call-anon"))
			a := r.authority.do(t, req)
			wantAPIError(t, a, http.StatusUnauthorized, "unauthenticated", "", "token")
			if got := a.header.Get("WWW-Authenticate"); got != `Bearer realm="grantledger"` {
				t.Errorf("%s: got WWW-Authenticate %q, want Bearer realm=\"grantledger\"", a.req, got)
			}
		})
	}
	a := r.authority.do(t, apiRequest{method: http.MethodGet, path: "/v1/calls/" + r.id("call-anon")})
	wantAPIError(t, a, http.StatusNotFound, "not_found", "", r.id("call-anon"))
}

// idempotencyKeyTwice: the same request with the same Idempotency-Key
// gets the first answer again and records nothing more; the key with
// another request is refused, and the request again without a key reaches
// the contract, which refuses it.
func (r refusals) idempotencyKeyTwice(t *testing.T) {
	id, key := r.id("call-idem"), "key-"+r.run
	req := apiRequest{method: http.MethodPost, path: "/v1/calls", body: r.callBody(id), header: map[string]string{"Idempotency-Key": key}}
	first := r.write(t, r.authority, req, http.StatusCreated, "call.published", nil)
	second := r.authority.do(t, req)
	if second.status != first.status || !bytes.Equal(second.body, first.body) {
		t.Errorf("the repeat: got %s, want the first answer %s", second, first)
	}
	if got, want := second.header.Get("Location"), first.header.Get("Location"); got != want {
		t.Errorf("the repeat: got Location %q, want the first answer's %q", got, want)
	}
	if got := second.header.Get("Idempotent-Replayed"); got != "true" {
		t.Errorf("the repeat: got Idempotent-Replayed %q, want true", got)
	}
	var h api.HistoryPage
	r.get(t, r.regulator, "/v1/calls/"+id+"/history", &h)
	if len(h.Items) != 1 || h.Items[0].TxID != txOf(t, first) {
		t.Errorf("history of %s: got %d versions, want the one creation in %s", id, len(h.Items), txOf(t, first))
	}
	// The same key for another request is refused, and records nothing.
	other := req
	other.body = r.callBody(r.id("call-idem2"))
	wantAPIError(t, r.authority.do(t, other), http.StatusUnprocessableEntity, "idempotency_key_reused", "", key)
	wantAPIError(t, r.authority.do(t, apiRequest{method: http.MethodGet, path: "/v1/calls/" + r.id("call-idem2")}), http.StatusNotFound, "not_found", "", "")
	// Without a key, the repeat reaches the contract, which refuses
	// to record the call twice.
	again := req
	again.header = nil
	wantAPIError(t, r.authority.do(t, again), http.StatusConflict, "conflict", "", "already exists")
}

// receiptsOfRevokedGrant: after the grant's revocation, a use after it is
// refused alone and in a batch (where it is that receipt's outcome, the
// batch recording nothing else); a use while the grant was in force is
// still recorded, for the use time signed by the attestor decides.
func (r refusals) receiptsOfRevokedGrant(t *testing.T) {
	// A use while the grant was in force, and one after its revocation.
	before := r.statement(r.id("r-before"), 5)
	// Its use time is a whole second, which may be a little ahead of
	// the clock: the revocation must come after it.
	time.Sleep(time.Until(time.Unix(before.Time+1, 0)))
	var g ledger.Grant
	r.write(t, r.authority, apiRequest{method: http.MethodPost, path: "/v1/grants/" + r.grant + "/revoke",
		body: obj{"reason": "breach of agreement"}}, http.StatusOK, "grant.revoked", &g)
	r.usable = secondAfter(g.Updated.Time)
	after := r.statement(r.id("r-after"), 1)
	wantAPIError(t, r.operator.do(t, apiRequest{method: http.MethodPost, path: "/v1/receipts", body: r.receiptBody(after)}),
		http.StatusUnprocessableEntity, "refused", "", "revoked")
	inBatch := r.statement(r.id("r-after-batch"), 1)
	// A batch none of whose receipts is accepted records nothing.
	eb := wantAPIError(t, r.operator.do(t, apiRequest{method: http.MethodPost, path: "/v1/batches", body: obj{"id": r.id("batch-after"), "receipts": []obj{r.receiptBody(inBatch)}}}),
		http.StatusUnprocessableEntity, "refused", "", "no receipt accepted, nothing recorded: "+r.id("r-after-batch")+": refused: ")
	if !strings.Contains(eb.Message, "revoked") {
		t.Errorf("batch after the revocation: got %q, want its one receipt refused as revoked", eb.Message)
	}
	wantAPIError(t, r.operator.do(t, apiRequest{method: http.MethodGet, path: "/v1/batches/" + r.id("batch-after")}),
		http.StatusNotFound, "not_found", "", "")
	// The use time, signed by the attestor, decides: a use while the
	// grant was in force is still recorded.
	r.write(t, r.operator, apiRequest{method: http.MethodPost, path: "/v1/receipts", body: r.receiptBody(before)},
		http.StatusCreated, "receipt.accepted", nil)
}
