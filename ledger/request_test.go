package ledger_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/grantledger/grantledger/ledger"
	lt "github.com/grantledger/grantledger/ledger/ledgertest"
)

// amendment asks for loans' term field, which only MarketMSP owns.
func amendment(id string) ledger.DataRequestSubmission {
	return ledger.DataRequestSubmission{ID: id, Kind: ledger.RequestAmendGrant, GrantID: "grant-1",
		Add:    &ledger.GrantAddition{Datasets: []ledger.DatasetScope{{ID: "loans", Fields: []string{"term"}}}},
		Reason: "loan terms weigh in the credit score"}
}

// subGrantAsk asks for visits(age) for credit-assessment by statistics.
func subGrantAsk(id string) ledger.DataRequestSubmission {
	return ledger.DataRequestSubmission{ID: id, Kind: ledger.RequestSubGrant, GrantID: "grant-1", Reason: "a clinic load model",
		SubGrant: &ledger.SubGrantAsk{
			Scope: ledger.Scope{Datasets: []ledger.DatasetScope{{ID: "visits", Fields: []string{"age"}}},
				Purposes: []string{"credit-assessment"}, Operations: []ledger.Operation{ledger.OpStatistics}},
			Quota: ledger.Quota{Records: 100, Calls: 3}, Term: ledger.Term{ValidFrom: lt.Days(10), ValidTo: lt.Days(100)},
		}}
}

func requestInputs(w *lt.World) ledger.DataRequestInputs {
	return ledger.DataRequestInputs{Grant: w.Grant, Agreements: w.Agreements(), Datasets: w.Datasets, Call: w.Call}
}

// An amendment: the holder asks, the one provider concerned consents (the
// other is refused), the authority approves only then, and the grant's
// next version holds the field, listing the amendment; the grant given in
// is not changed.
func TestAmendmentConsentedAndApproved(t *testing.T) {
	w := lt.NewWorld(t)
	at := lt.UseTime
	r, err := ledger.SubmitDataRequest(lt.Operator, amendment("dr-1"), requestInputs(w), lt.Stamp(lt.Operator, at))
	wantErr(t, err, nil)
	if r.Status != ledger.RequestSubmitted || r.Holder != lt.OperatorMSP || len(r.Consents) != 1 || r.Consents[0].Provider != lt.MarketMSP {
		t.Fatalf("got %s held by %s, consents %+v; want submitted, waiting for MarketMSP alone", r.Status, r.Holder, r.Consents)
	}
	err = r.Consent(lt.Health, lt.Stamp(lt.Health, at))
	wantErr(t, err, ledger.ErrForbidden)
	if !strings.Contains(err.Error(), "owns none of the datasets") {
		t.Errorf("got %q, want the provider told it owns none of the datasets", err)
	}
	_, err = r.Approve(lt.Authority, requestInputs(w), lt.Stamp(lt.Authority, at))
	wantErr(t, err, ledger.ErrRefused)
	if !strings.Contains(err.Error(), "waits for the consent of MarketMSP") {
		t.Errorf("approve before consent: got %q", err)
	}
	wantErr(t, r.Consent(lt.Market, lt.Stamp(lt.Market, at)), nil)
	wantErr(t, r.Consent(lt.Market, lt.Stamp(lt.Market, at)), ledger.ErrConflict)
	if r.Status != ledger.RequestConsented {
		t.Fatalf("after the consent: got %s, want consented", r.Status)
	}
	_, err = r.Approve(lt.Operator, requestInputs(w), lt.Stamp(lt.Operator, at))
	wantErr(t, err, ledger.ErrForbidden)

	before := w.Grant.Scope.Datasets[0].Fields
	g, err := r.Approve(lt.Authority, requestInputs(w), lt.Stamp(lt.Authority, lt.Days(11)))
	wantErr(t, err, nil)
	loans := g.Scope.Datasets[slices.IndexFunc(g.Scope.Datasets, func(d ledger.DatasetScope) bool { return d.ID == "loans" })]
	if !slices.Equal(loans.Fields, []string{"amount", "term"}) || g.Version != 2 || len(g.Amendments) != 1 ||
		g.Amendments[0].RequestID != "dr-1" || !g.Amendments[0].Approved.Time.Equal(lt.Days(11)) {
		t.Errorf("amended grant: got loans %v, version %d, amendments %+v; want amount and term, version 2 listing dr-1", loans.Fields, g.Version, g.Amendments)
	}
	if r.Status != ledger.RequestApproved || r.GrantVersion != 2 {
		t.Errorf("request after approval: got %s for version %d, want approved for version 2", r.Status, r.GrantVersion)
	}
	if !slices.Equal(w.Grant.Scope.Datasets[0].Fields, before) || w.Grant.Version != 1 || len(w.Grant.Amendments) != 0 {
		t.Errorf("the grant given in changed: %+v", w.Grant)
	}
	if err := g.Scope.Covers(ledger.Scope{Datasets: []ledger.DatasetScope{{ID: "loans", Fields: []string{"term"}}}}, "grant"); err != nil {
		t.Errorf("the amended grant does not cover loans.term: %v", err)
	}
	_, err = r.Approve(lt.Authority, requestInputs(w), lt.Stamp(lt.Authority, lt.Days(11)))
	wantErr(t, err, ledger.ErrConflict)
}

// A new dataset brings its owner into the grant's providers; purposes,
// operations or quota need every provider of the grant.
func TestAmendmentConsenters(t *testing.T) {
	w := lt.NewWorld(t)
	clinics, err := ledger.CreateDataset(lt.Health, lt.DatasetRequest("clinics", "medical", "region"), nil, lt.Stamp(lt.Health, lt.T0))
	wantErr(t, err, nil)
	w.Datasets["clinics"] = clinics
	// The grant over visits alone: HealthMSP its only provider.
	w.Grant.Scope.Datasets = w.Grant.Scope.Datasets[1:]
	w.Grant.Providers = []string{lt.HealthMSP}
	for _, tt := range []struct {
		name string
		add  ledger.GrantAddition
		want []string
	}{
		{"a dataset of another provider", ledger.GrantAddition{Datasets: []ledger.DatasetScope{{ID: "loans", Fields: []string{"amount"}}}}, []string{lt.MarketMSP}},
		{"a dataset of the grant's provider", ledger.GrantAddition{Datasets: []ledger.DatasetScope{{ID: "clinics", Fields: []string{"region"}}}}, []string{lt.HealthMSP}},
		{"quota", ledger.GrantAddition{Quota: ledger.Quota{Records: 500}}, []string{lt.HealthMSP}},
		{"an operation and another provider's dataset", ledger.GrantAddition{Operations: []ledger.Operation{ledger.OpQuery},
			Datasets: []ledger.DatasetScope{{ID: "loans", Fields: []string{"amount"}}}}, []string{lt.HealthMSP, lt.MarketMSP}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req := amendment("dr-1")
			req.Add = &tt.add
			r, err := ledger.SubmitDataRequest(lt.Operator, req, requestInputs(w), lt.Stamp(lt.Operator, lt.UseTime))
			wantErr(t, err, nil)
			var got []string
			for _, c := range r.Consents {
				got = append(got, c.Provider)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("consents asked of %v, want %v", got, tt.want)
			}
			for _, p := range tt.want {
				wantErr(t, r.Consent(lt.Actor(p), lt.Stamp(lt.Actor(p), lt.UseTime)), nil)
			}
			g, err := r.Approve(lt.Authority, requestInputs(w), lt.Stamp(lt.Authority, lt.UseTime))
			wantErr(t, err, nil)
			for _, p := range tt.want {
				if !slices.Contains(g.Providers, p) || !slices.ContainsFunc(g.Approvals, func(a ledger.Approval) bool { return a.Provider == p }) {
					t.Errorf("amended grant: providers %v, approvals %+v; want %s in both", g.Providers, g.Approvals, p)
				}
			}
			if tt.add.Quota.Records != 0 && g.Quota.Records != w.Grant.Quota.Records+tt.add.Quota.Records {
				t.Errorf("quota: got %d records, want %d", g.Quota.Records, w.Grant.Quota.Records+tt.add.Quota.Records)
			}
			if len(tt.add.Operations) > 0 && !slices.Contains(g.Scope.Operations, ledger.OpQuery) {
				t.Errorf("operations: got %v, want query added", g.Scope.Operations)
			}
		})
	}
}

// What an amendment may not ask, and who may not ask it.
func TestSubmitAmendmentRefusals(t *testing.T) {
	for _, tt := range []struct {
		name   string
		by     ledger.Actor
		edit   func(*ledger.DataRequestSubmission, *ledger.DataRequestInputs)
		want   error
		prefix string
	}{
		{"a provider of the grant", lt.Health, nil, ledger.ErrForbidden, "grant grant-1 is not held by HealthMSP"},
		{"someone who may not read the grant", lt.Developer, nil, ledger.ErrNotFound, "grant grant-1 does not exist"},
		{"a missing grant", lt.Operator, func(_ *ledger.DataRequestSubmission, in *ledger.DataRequestInputs) { in.Grant = nil }, ledger.ErrNotFound, "grant grant-1 does not exist"},
		{"a suspended grant", lt.Operator, func(_ *ledger.DataRequestSubmission, in *ledger.DataRequestInputs) {
			// The refusal's text shows the suspension took.
			g := *in.Grant
			_ = g.Suspend(lt.Authority, "audit", lt.Stamp(lt.Authority, lt.Days(9)))
			in.Grant = &g
		}, ledger.ErrRefused, "grant grant-1 is suspended: only an active grant is amended"},
		{"nothing added", lt.Operator, func(r *ledger.DataRequestSubmission, _ *ledger.DataRequestInputs) { r.Add = &ledger.GrantAddition{} },
			ledger.ErrInvalid, "add: adds nothing"},
		{"a field already granted", lt.Operator, func(r *ledger.DataRequestSubmission, _ *ledger.DataRequestInputs) {
			r.Add.Datasets[0].Fields = []string{"amount"}
		}, ledger.ErrInvalid, "add.datasets[0].fields: grant grant-1 already covers"},
		{"a field the dataset lacks", lt.Operator, func(r *ledger.DataRequestSubmission, _ *ledger.DataRequestInputs) {
			r.Add.Datasets[0].Fields = []string{"rate"}
		}, ledger.ErrInvalid, `add.datasets[0].fields: dataset loans has no field "rate"`},
		{"a dataset not in the catalogue", lt.Operator, func(r *ledger.DataRequestSubmission, _ *ledger.DataRequestInputs) {
			r.Add.Datasets[0].ID = "weather"
		}, ledger.ErrNotFound, "dataset weather does not exist"},
		{"a second purpose on a scenario grant", lt.Operator, func(r *ledger.DataRequestSubmission, _ *ledger.DataRequestInputs) {
			r.Add = &ledger.GrantAddition{Purposes: []string{"marketing"}}
		}, ledger.ErrRefused, "one scenario:"},
		{"a purpose already granted", lt.Operator, func(r *ledger.DataRequestSubmission, _ *ledger.DataRequestInputs) {
			r.Add = &ledger.GrantAddition{Purposes: []string{"credit-assessment"}}
		}, ledger.ErrInvalid, "add.purposes: purpose credit-assessment is already"},
		{"a dataset another operator holds under a whole-mode grant", lt.Operator, func(r *ledger.DataRequestSubmission, in *ledger.DataRequestInputs) {
			in.Datasets["clinics"], _ = ledger.CreateDataset(lt.Health, lt.DatasetRequest("clinics", "medical", "region"), nil, lt.Stamp(lt.Health, lt.T0))
			in.Others = []*ledger.Grant{heldBy("g-2", secondOperator, ledger.ModeWhole, ledger.GrantActive, "clinics")}
			r.Add.Datasets[0] = ledger.DatasetScope{ID: "clinics", Fields: []string{"region"}}
		}, ledger.ErrRefused, "sole operator: SecondOperatorMSP holds whole-mode grant g-2"},
		{"a kind it does not know", lt.Operator, func(r *ledger.DataRequestSubmission, _ *ledger.DataRequestInputs) { r.Kind = "more" },
			ledger.ErrInvalid, `kind: "more" is not one of`},
		{"no reason", lt.Operator, func(r *ledger.DataRequestSubmission, _ *ledger.DataRequestInputs) { r.Reason = " " },
			ledger.ErrInvalid, "reason: is required"},
		{"an ID taken", lt.Operator, func(_ *ledger.DataRequestSubmission, in *ledger.DataRequestInputs) {
			in.Existing = &ledger.DataRequest{ID: "dr-1"}
		}, ledger.ErrConflict, "data request dr-1 already exists"},
		{"a sub-grant asked by the operator", lt.Operator, func(r *ledger.DataRequestSubmission, _ *ledger.DataRequestInputs) {
			*r = subGrantAsk("dr-1")
		}, ledger.ErrForbidden, "sub-grants are requested by developers"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := lt.NewWorld(t)
			req, in := amendment("dr-1"), requestInputs(w)
			if tt.edit != nil {
				tt.edit(&req, &in)
			}
			_, err := ledger.SubmitDataRequest(tt.by, req, in, lt.Stamp(tt.by, lt.UseTime))
			wantErr(t, err, tt.want)
			if !strings.HasPrefix(err.Error(), tt.prefix) {
				t.Errorf("got %q, want prefix %q", err, tt.prefix)
			}
		})
	}
}

// A refusal, by the authority or a provider asked, and a withdrawal leave
// nothing to approve; only the requester withdraws.
func TestAmendmentRefusedOrWithdrawn(t *testing.T) {
	w := lt.NewWorld(t)
	submit := func(id string) *ledger.DataRequest {
		r, err := ledger.SubmitDataRequest(lt.Operator, amendment(id), requestInputs(w), lt.Stamp(lt.Operator, lt.UseTime))
		wantErr(t, err, nil)
		return r
	}
	at := lt.Stamp(lt.Authority, lt.UseTime)

	byAuthority := submit("dr-a")
	wantErr(t, byAuthority.Consent(lt.Market, lt.Stamp(lt.Market, lt.UseTime)), nil)
	wantErr(t, byAuthority.Refuse(lt.Health, "no", at), ledger.ErrForbidden)
	wantErr(t, byAuthority.Refuse(lt.Authority, "", at), ledger.ErrInvalid)
	wantErr(t, byAuthority.Refuse(lt.Authority, "not needed for the scenario", at), nil)
	_, err := byAuthority.Approve(lt.Authority, requestInputs(w), at)
	wantErr(t, err, ledger.ErrConflict)

	byProvider := submit("dr-p")
	wantErr(t, byProvider.Refuse(lt.Market, "terms are confidential", lt.Stamp(lt.Market, lt.UseTime)), nil)
	if byProvider.Status != ledger.RequestRefused || byProvider.StatusReason != "MarketMSP: terms are confidential" ||
		byProvider.Consents[0].Decision != ledger.DecisionRejected {
		t.Errorf("after the provider's refusal: got %s (%q), consents %+v", byProvider.Status, byProvider.StatusReason, byProvider.Consents)
	}

	withdrawn := submit("dr-w")
	wantErr(t, withdrawn.Withdraw(lt.Market, "", lt.Stamp(lt.Market, lt.UseTime)), ledger.ErrForbidden)
	wantErr(t, withdrawn.Withdraw(lt.Developer, "", lt.Stamp(lt.Developer, lt.UseTime)), ledger.ErrNotFound)
	wantErr(t, withdrawn.Withdraw(lt.Operator, "asked for the wrong field", lt.Stamp(lt.Operator, lt.UseTime)), nil)
	wantErr(t, withdrawn.Consent(lt.Market, lt.Stamp(lt.Market, lt.UseTime)), ledger.ErrConflict)
	wantErr(t, withdrawn.Withdraw(lt.Operator, "", lt.Stamp(lt.Operator, lt.UseTime)), ledger.ErrConflict)
}

// The approval checks again: a grant suspended since, or one amended by
// another request that brought a provider whose consent was not asked.
func TestApprovalChecksTheGrantAgain(t *testing.T) {
	w := lt.NewWorld(t)
	r, err := ledger.SubmitDataRequest(lt.Operator, amendment("dr-1"), requestInputs(w), lt.Stamp(lt.Operator, lt.UseTime))
	wantErr(t, err, nil)
	wantErr(t, r.Consent(lt.Market, lt.Stamp(lt.Market, lt.UseTime)), nil)
	suspended := *w.Grant
	wantErr(t, suspended.Suspend(lt.Authority, "audit", lt.Stamp(lt.Authority, lt.UseTime)), nil)
	in := requestInputs(w)
	in.Grant = &suspended
	_, err = r.Approve(lt.Authority, in, lt.Stamp(lt.Authority, lt.UseTime))
	wantErr(t, err, ledger.ErrRefused)

	quota := amendment("dr-q")
	quota.Add = &ledger.GrantAddition{Quota: ledger.Quota{Calls: 5}}
	q, err := ledger.SubmitDataRequest(lt.Operator, quota, requestInputs(w), lt.Stamp(lt.Operator, lt.UseTime))
	wantErr(t, err, nil)
	wantErr(t, q.Consent(lt.Health, lt.Stamp(lt.Health, lt.UseTime)), nil)
	wantErr(t, q.Consent(lt.Market, lt.Stamp(lt.Market, lt.UseTime)), nil)
	// A grant with a third provider since the request was submitted.
	wider := *w.Grant
	wider.Providers = append(slices.Clone(wider.Providers), "TransportMSP")
	in.Grant = &wider
	_, err = q.Approve(lt.Authority, in, lt.Stamp(lt.Authority, lt.UseTime))
	wantErr(t, err, ledger.ErrRefused)
	if !strings.Contains(err.Error(), "TransportMSP's consent was not asked") {
		t.Errorf("got %q, want the new provider named", err)
	}
}

// A developer asks the grant's holder for a sub-grant: the holder
// declines one and proposes another, within what was asked.
func TestSubGrantRequest(t *testing.T) {
	w := lt.NewWorld(t)
	at := lt.UseTime
	_, err := ledger.SubmitDataRequest(lt.Developer, subGrantAsk("dr-s"), ledger.DataRequestInputs{Grant: w.Grant, Agreements: nil}, lt.Stamp(lt.Developer, at))
	wantErr(t, err, ledger.ErrRefused) // no agreement in force: the grant is not usable
	wider := subGrantAsk("dr-s")
	wider.SubGrant.Scope.Datasets[0].Fields = []string{"name"}
	_, err = ledger.SubmitDataRequest(lt.Developer, wider, requestInputs(w), lt.Stamp(lt.Developer, at))
	wantErr(t, err, ledger.ErrRefused)

	r, err := ledger.SubmitDataRequest(lt.Developer, subGrantAsk("dr-s"), requestInputs(w), lt.Stamp(lt.Developer, at))
	wantErr(t, err, nil)
	if r.Holder != lt.OperatorMSP || r.Requester != lt.DeveloperMSP || !slices.Equal(r.Parties, []string{lt.HealthMSP}) {
		t.Errorf("got holder %s, requester %s, parties %v; want OperatorMSP, DeveloperMSP, [HealthMSP]", r.Holder, r.Requester, r.Parties)
	}
	if r.VisibleTo(lt.Market) || !r.VisibleTo(lt.Health) || !r.VisibleTo(lt.Operator) || !r.VisibleTo(lt.Regulator) {
		t.Errorf("readers: want HealthMSP, OperatorMSP and the regulator, not MarketMSP")
	}
	wantErr(t, r.Consent(lt.Health, lt.Stamp(lt.Health, at)), ledger.ErrForbidden)
	_, err = r.Approve(lt.Authority, requestInputs(w), lt.Stamp(lt.Authority, at))
	wantErr(t, err, ledger.ErrRefused)

	sub, err := ledger.ProposeSubGrant(lt.Operator, ledger.SubGrantRequest{ID: "sub-1", ParentID: "grant-1", Developer: lt.DeveloperMSP,
		Scope: r.SubGrant.Scope, Quota: ledger.Quota{Records: 200, Calls: 3}, Term: r.SubGrant.Term},
		ledger.SubGrantInputs{Parent: w.Grant, ParentAgreements: w.Agreements(), Developer: w.Participants[lt.DeveloperMSP]}, lt.Stamp(lt.Operator, at))
	wantErr(t, err, nil)
	wantErr(t, r.Propose(lt.Operator, sub, lt.Stamp(lt.Operator, at)), ledger.ErrRefused) // more records than asked
	sub.Quota.Records = 100
	wantErr(t, r.Propose(lt.Developer, sub, lt.Stamp(lt.Developer, at)), ledger.ErrForbidden)
	wantErr(t, r.Propose(lt.Operator, sub, lt.Stamp(lt.Operator, at)), nil)
	if r.Status != ledger.RequestProposed || r.SubGrantID != "sub-1" {
		t.Errorf("got %s with sub-grant %q, want proposed with sub-1", r.Status, r.SubGrantID)
	}
	wantErr(t, r.Decline(lt.Operator, "no", lt.Stamp(lt.Operator, at)), ledger.ErrConflict)

	d, err := ledger.SubmitDataRequest(lt.Developer, subGrantAsk("dr-d"), requestInputs(w), lt.Stamp(lt.Developer, at))
	wantErr(t, err, nil)
	wantErr(t, d.Decline(lt.Developer, "no", lt.Stamp(lt.Developer, at)), ledger.ErrForbidden)
	wantErr(t, d.Decline(lt.Operator, "", lt.Stamp(lt.Operator, at)), ledger.ErrInvalid)
	wantErr(t, d.Decline(lt.Operator, "the model needs no health data", lt.Stamp(lt.Operator, at)), nil)
	if d.Status != ledger.RequestDeclined || d.StatusReason != "the model needs no health data" {
		t.Errorf("got %s (%q), want declined with the reason", d.Status, d.StatusReason)
	}
}
