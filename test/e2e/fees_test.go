//go:build e2e

package e2e

import (
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/grantledger/grantledger/attest"
	"github.com/grantledger/grantledger/ledger"
	lt "github.com/grantledger/grantledger/ledger/ledgertest"
)

// TestFeesAndBenefitSharing runs platform usage fees (平台使用费) and benefit
// sharing (收益分配) through the APIs on a grant of its own over health's
// visits and market's loans: the authority sets the grant's fee schedule
// (the operator may not); receipts are accepted alone and in a batch; the
// month cannot be stated before it ends; the operator's product is listed,
// its split proposed (one not summing to 10000 refused), agreed by the four
// parties (revenue before that refused, as on an unlisted product) and its
// revenue recorded, each party reading its own share and not another's;
// the grant revoked, its use has ended and the platform records the
// statement of the month (the operator may not), which equals the receipts
// the ledger holds; the platform confirms payment (the operator may not)
// and the operator acknowledges.
func TestFeesAndBenefitSharing(t *testing.T) {
	r := &feeRun{apiProcess: newAPIProcess(t, "fee")}
	r.period = ledger.FeePeriodOf(time.Now())
	runPhases(t,
		phase{"grant in force with a fee schedule", r.schedule},
		phase{"receipts, and the month not ended", r.receiptsOfTheMonth},
		phase{"product listed, split agreed, revenue shared", r.benefitSharing},
		phase{"grant ended: the statement equals the receipts", r.stateTheMonth},
		phase{"payment confirmed and acknowledged", r.payment},
	)
}

// feeRun is the run of TestFeesAndBenefitSharing.
type feeRun struct {
	*apiProcess
	period string
	stated ledger.FeeStatement
}

// Fees of the run's grant, in fen.
const (
	feePerRecord = 2
	feePerCall   = 50
	feePerMonth  = 10000
)

func (r *feeRun) schedule(t *testing.T) {
	r.rulesGrantInForce(t)
	path := "/v1/grants/" + r.grant + "/fee-schedule"
	body := obj{"effectiveFrom": r.period, "payee": r.platform.msp, "perRecord": feePerRecord, "perCall": feePerCall, "fixedPerMonth": feePerMonth}
	wantAPIError(t, r.operator.do(t, apiRequest{method: http.MethodPut, path: path, body: body}),
		http.StatusForbidden, "forbidden", "", "only the authority sets fee schedules")
	var s ledger.FeeSchedule
	r.write(t, r.authority, apiRequest{method: http.MethodPut, path: path, body: body}, http.StatusOK, "feeschedule.set", &s)
	if len(s.Versions) != 1 || s.Versions[0].EffectiveFrom != r.period || s.Versions[0].Payee != r.platform.msp || s.Holder != r.operator.msp {
		t.Errorf("fee schedule: got %+v, want one version from %s paid by %s to %s", s, r.period, r.operator.msp, r.platform.msp)
	}
	r.get(t, r.platform, path, &s)
}

// receiptsOfTheMonth records r1 (5 records) alone, then r2 (10, over both
// datasets), r3 (10) and r1 again in a batch, where r1 is refused as a
// replay; the month's statement is refused: it has not ended.
func (r *feeRun) receiptsOfTheMonth(t *testing.T) {
	var rec ledger.Receipt
	r.write(t, r.operator, apiRequest{method: http.MethodPost, path: "/v1/receipts", body: r.receiptBody(r.statement(r.id("r1"), 5))},
		http.StatusCreated, "receipt.accepted", &rec)
	r.receipts = append(r.receipts, rec.ID)
	both := r.statement(r.id("r2"), 10)
	both.Datasets = append(both.Datasets, attest.DatasetUse{ID: r.loans, Fields: []string{"amount"}})
	var b ledger.Batch
	r.write(t, r.platform, apiRequest{method: http.MethodPost, path: "/v1/batches", body: obj{"id": r.id("batch"),
		"receipts": []obj{r.receiptBody(both), r.receiptBody(r.statement(r.id("r3"), 10)), r.receiptBody(r.statement(r.id("r1"), 5))}}},
		http.StatusCreated, "batch.accepted", &b)
	if b.Count != 2 {
		t.Fatalf("batch: got %d accepted (%+v), want 2", b.Count, b.Outcomes)
	}
	wantAPIError(t, r.platform.do(t, apiRequest{method: http.MethodPost, path: "/v1/fee-statements",
		body: obj{"id": r.id("fs"), "grantId": r.grant, "period": r.period}}),
		http.StatusUnprocessableEntity, "refused", "", "the period "+r.period+" has not ended")
}

// benefitSharing lists the run's product and shares its revenue.
func (r *feeRun) benefitSharing(t *testing.T) {
	r.productThroughAPI(t)
	split := "/v1/products/" + r.product + "/benefit-split"
	shares := []obj{{"msp": r.health.msp, "basisPoints": 4000}, {"msp": r.market.msp, "basisPoints": 2500},
		{"msp": r.platform.msp, "basisPoints": 500}, {"msp": r.operator.msp, "basisPoints": 2999}}
	wantAPIError(t, r.operator.do(t, apiRequest{method: http.MethodPost, path: split, body: obj{"parties": shares}}),
		http.StatusBadRequest, "invalid", "parties", "sum to 9999 basis points")
	shares[3]["basisPoints"] = 3000
	var s ledger.BenefitSplit
	r.write(t, r.operator, apiRequest{method: http.MethodPost, path: split, body: obj{"parties": shares}}, http.StatusOK, "benefitsplit.proposed", &s)

	revenue := "/v1/products/" + r.product + "/revenue"
	const amount = 123457
	body := obj{"id": r.id("rev"), "period": r.period, "amount": amount, "referenceDigest": lt.Digest("settlement " + r.run)}
	wantAPIError(t, r.operator.do(t, apiRequest{method: http.MethodPost, path: revenue, body: body}),
		http.StatusUnprocessableEntity, "refused", "", "is not agreed: waiting for")
	parties := []*apiOrg{r.health, r.market, r.platform, r.operator}
	for i, o := range parties {
		event := "benefitsplit.agreement"
		if i == len(parties)-1 {
			event = "benefitsplit.agreed"
		}
		r.write(t, o, apiRequest{method: http.MethodPost, path: split + "/agree"}, http.StatusOK, event, &s)
	}
	if s.Status != ledger.SplitAgreed {
		t.Fatalf("split after every party agreed: got %s, want agreed", s.Status)
	}
	// A draft product of the operator's earns no revenue.
	draft := r.id("draft")
	var pr ledger.Product
	r.write(t, r.operator, apiRequest{method: http.MethodPost, path: "/v1/products", body: r.productBody(draft)}, http.StatusCreated, "product.registered", &pr)
	wantAPIError(t, r.operator.do(t, apiRequest{method: http.MethodPost, path: "/v1/products/" + draft + "/revenue", body: body}),
		http.StatusUnprocessableEntity, "refused", "", "revenue is recorded on a listed product")

	var rev ledger.Revenue
	r.write(t, r.operator, apiRequest{method: http.MethodPost, path: revenue, body: body}, http.StatusCreated, "revenue.recorded", &rev)
	// Each party's part, worked out here: amount × basis points / 10000
	// rounded down, the fen left over to the largest remainders.
	bps := []int{4000, 2500, 500, 3000}
	want := map[string]uint64{}
	type rest struct {
		msp string
		rem int
	}
	var rests []rest
	left := uint64(amount)
	for i, o := range parties {
		want[o.msp] = uint64(amount * bps[i] / 10000)
		left -= want[o.msp]
		rests = append(rests, rest{o.msp, amount * bps[i] % 10000})
	}
	slices.SortStableFunc(rests, func(a, b rest) int { return b.rem - a.rem })
	for i := range int(left) {
		want[rests[i].msp]++
	}
	var all page[ledger.BenefitShare]
	r.get(t, r.regulator, "/v1/benefit-shares?revenue="+rev.ID, &all)
	var sum uint64
	for _, sh := range all.Items {
		sum += sh.Amount
	}
	if len(all.Items) != 4 || sum != amount {
		t.Errorf("the regulator reads %d shares summing to %d fen, want 4 summing to %d", len(all.Items), sum, amount)
	}
	for _, o := range parties {
		var own page[ledger.BenefitShare]
		r.get(t, o, "/v1/benefit-shares?revenue="+rev.ID, &own)
		if len(own.Items) != 1 || own.Items[0].Party != o.msp || own.Items[0].Amount != want[o.msp] {
			t.Errorf("%s reads %+v, want its own share alone, of %d fen", o.msp, own.Items, want[o.msp])
		}
	}
	for _, sh := range all.Items {
		if sh.Party == r.health.msp {
			wantAPIError(t, r.market.do(t, apiRequest{method: http.MethodGet, path: "/v1/benefit-shares/" + sh.ID}),
				http.StatusNotFound, "not_found", "", "benefit share "+sh.ID+" does not exist")
			r.get(t, r.health, "/v1/benefit-shares/"+sh.ID, nil)
		}
	}
}

// stateTheMonth revokes the run's grant, so that no later use is recorded,
// and has the platform record the month's statement; it must equal the
// receipts the ledger holds under the grant, read back from the ledger.
func (r *feeRun) stateTheMonth(t *testing.T) {
	var g ledger.Grant
	r.write(t, r.authority, apiRequest{method: http.MethodPost, path: "/v1/grants/" + r.grant + "/revoke",
		body: obj{"reason": "end of the fee run"}}, http.StatusOK, "grant.revoked", &g)
	req := apiRequest{method: http.MethodPost, path: "/v1/fee-statements", body: obj{"id": r.id("fs"), "grantId": r.grant, "period": r.period}}
	wantAPIError(t, r.operator.do(t, req), http.StatusForbidden, "forbidden", "", "fee statements are recorded by the platform or the authority")
	r.write(t, r.platform, req, http.StatusCreated, "feestatement.stated", &r.stated)

	var records, calls uint64
	for bookmark, first := "", true; first || bookmark != ""; first = false {
		var receipts page[ledger.Receipt]
		r.get(t, r.regulator, "/v1/receipts?pageSize=100&grant="+r.grant+"&bookmark="+url.QueryEscape(bookmark), &receipts)
		for _, rc := range receipts.Items {
			if ledger.FeePeriodOf(rc.Time) == r.period {
				records += rc.Records
				calls++
			}
		}
		bookmark = receipts.Bookmark
	}
	fs := r.stated
	if calls != 3 || fs.Records != records || fs.Calls != calls || fs.Receipts != calls || fs.Ended != string(ledger.GrantRevoked) {
		t.Errorf("statement: got %d records in %d calls (%d receipts, ended %q), want the ledger's %d records in 3 receipts, ended by the revocation",
			fs.Records, fs.Calls, fs.Receipts, fs.Ended, records)
	}
	if want := records*feePerRecord + calls*feePerCall + feePerMonth; fs.Amount != want || fs.Holder != r.operator.msp || fs.Payee != r.platform.msp {
		t.Errorf("statement: got %d fen owed by %s to %s, want %d by %s to %s", fs.Amount, fs.Holder, fs.Payee, want, r.operator.msp, r.platform.msp)
	}
	again := req
	again.body = obj{"id": r.id("fs2"), "grantId": r.grant, "period": r.period}
	wantAPIError(t, r.authority.do(t, again), http.StatusConflict, "conflict", "", "is already stated by fee statement "+fs.ID)
	wantAPIError(t, r.health.do(t, apiRequest{method: http.MethodGet, path: "/v1/fee-statements/" + fs.ID}),
		http.StatusNotFound, "not_found", "", "fee statement "+fs.ID+" does not exist")
}

func (r *feeRun) payment(t *testing.T) {
	path := "/v1/fee-statements/" + r.stated.ID
	confirm := apiRequest{method: http.MethodPost, path: path + "/confirm", body: obj{"referenceDigest": lt.Digest("transfer " + r.run)}}
	wantAPIError(t, r.operator.do(t, confirm), http.StatusForbidden, "forbidden", "", "is confirmed by its payee "+r.platform.msp)
	var fs ledger.FeeStatement
	r.write(t, r.platform, confirm, http.StatusOK, "feestatement.paid", &fs)
	r.write(t, r.operator, apiRequest{method: http.MethodPost, path: path + "/acknowledge"}, http.StatusOK, "feestatement.acknowledged", &fs)
	if fs.Status != ledger.FeeAcknowledged || fs.Paid.MSP != r.platform.msp || fs.Acknowledged.MSP != r.operator.msp {
		t.Errorf("statement: got %s, paid by %q, acknowledged by %q; want acknowledged by %s after %s's confirmation",
			fs.Status, fs.Paid.MSP, fs.Acknowledged.MSP, r.operator.msp, r.platform.msp)
	}
}
