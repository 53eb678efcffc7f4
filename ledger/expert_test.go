package ledger_test

import (
	"testing"

	"github.com/grantledger/grantledger/ledger"
	lt "github.com/grantledger/grantledger/ledger/ledgertest"
)

func expertRequest(user, msp string) ledger.ExpertRequest {
	return ledger.ExpertRequest{MSP: msp, Client: lt.ClientID(user, msp), Name: "专家 " + user}
}

func TestRegisterExpert(t *testing.T) {
	active := &ledger.Expert{Client: lt.Member.Client, MSP: lt.AuthorityMSP, Name: "专家 A", Status: ledger.ExpertActive, Created: lt.Stamp(lt.Authority, lt.T0)}
	retired := &ledger.Expert{Client: lt.Member.Client, MSP: lt.AuthorityMSP, Name: "专家 A", Status: ledger.ExpertRetired, Reason: "term ended", Created: lt.Stamp(lt.Authority, lt.T0)}
	tests := []struct {
		name     string
		caller   ledger.Actor
		edit     func(*ledger.ExpertRequest)
		existing *ledger.Expert
		want     error
	}{
		{"user of the authority", lt.Authority, nil, nil, nil},
		{"user of another organisation", lt.Authority, func(r *ledger.ExpertRequest) { *r = expertRequest("user2", lt.HealthMSP) }, nil, ledger.ErrRefused},
		{"retired expert again", lt.Authority, nil, retired, nil},
		{"wrong party", lt.Operator, nil, nil, ledger.ErrForbidden},
		{"expert organisation", lt.Expert, nil, nil, ledger.ErrForbidden},
		{"unregistered caller", lt.Stranger, nil, nil, ledger.ErrForbidden},
		{"an expert of the authority acts as expert, not as the authority", lt.Individual("user3", lt.AuthorityMSP), nil, nil, ledger.ErrForbidden},
		{"bad msp", lt.Authority, func(r *ledger.ExpertRequest) { r.MSP = "bad msp" }, nil, ledger.ErrInvalid},
		{"no client", lt.Authority, func(r *ledger.ExpertRequest) { r.Client = "" }, nil, ledger.ErrInvalid},
		{"client is a common name", lt.Authority, func(r *ledger.ExpertRequest) { r.Client = "User2@authority.grantledger.local" }, nil, ledger.ErrInvalid},
		{"client without issuer", lt.Authority, func(r *ledger.ExpertRequest) { r.Client = "x509::CN=user2::" }, nil, ledger.ErrInvalid},
		{"client with a control character", lt.Authority, func(r *ledger.ExpertRequest) { r.Client = "x509::CN=a\x00::CN=b" }, nil, ledger.ErrInvalid},
		{"client too long", lt.Authority, func(r *ledger.ExpertRequest) { r.Client = "x509::CN=" + repeat("a", ledger.MaxClientLen) + "::CN=ca" }, nil, ledger.ErrInvalid},
		{"no name", lt.Authority, func(r *ledger.ExpertRequest) { r.Name = " " }, nil, ledger.ErrInvalid},
		{"already active", lt.Authority, nil, active, ledger.ErrConflict},
		{"the authority's own identity", lt.Authority, func(r *ledger.ExpertRequest) { r.Client = lt.Authority.Client }, nil, ledger.ErrRefused},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := expertRequest("user2", lt.AuthorityMSP)
			if tt.edit != nil {
				tt.edit(&req)
			}
			st := lt.Stamp(tt.caller, lt.Days(1))
			e, err := ledger.RegisterExpert(tt.caller, req, tt.existing, st)
			wantErr(t, err, tt.want)
			if err != nil {
				return
			}
			if e.Client != req.Client || e.MSP != req.MSP || e.Name != req.Name || e.Status != ledger.ExpertActive || e.Reason != "" || e.Updated != st {
				t.Errorf("got %+v, want %s of %s named %s, active, updated by this transaction", e, req.Client, req.MSP, req.Name)
			}
			if tt.existing != nil && (e.Created != tt.existing.Created || tt.existing.Status != ledger.ExpertRetired) {
				t.Errorf("re-registration: got created %+v and the stored record %s, want the first registration kept and the record untouched", e.Created, tt.existing.Status)
			}
		})
	}
}

func TestRetireExpert(t *testing.T) {
	tests := []struct {
		name   string
		caller ledger.Actor
		status ledger.ExpertStatus
		reason string
		want   error
	}{
		{"authority", lt.Authority, ledger.ExpertActive, "term ended", nil},
		{"wrong party", lt.Regulator, ledger.ExpertActive, "term ended", ledger.ErrForbidden},
		{"the expert itself", lt.Member, ledger.ExpertActive, "resigns", ledger.ErrForbidden},
		{"no reason", lt.Authority, ledger.ExpertActive, "", ledger.ErrInvalid},
		{"already retired", lt.Authority, ledger.ExpertRetired, "again", ledger.ErrConflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := &ledger.Expert{Client: lt.Member.Client, MSP: lt.AuthorityMSP, Name: "专家 A", Status: tt.status}
			before := *e
			err := e.Retire(tt.caller, tt.reason, lt.Stamp(tt.caller, lt.Days(2)))
			wantErr(t, err, tt.want)
			switch {
			case err == nil && (e.Status != ledger.ExpertRetired || e.Reason != tt.reason):
				t.Errorf("got %s (%q), want retired with the reason", e.Status, e.Reason)
			case err != nil && *e != before:
				t.Errorf("got %+v after a refusal, want it unchanged", e)
			}
		})
	}
}

func TestResolveActor(t *testing.T) {
	user2 := lt.ClientID("user2", lt.AuthorityMSP)
	health2 := lt.ClientID("user2", lt.HealthMSP)
	expert := func(client, msp string, s ledger.ExpertStatus) *ledger.Expert {
		return &ledger.Expert{Client: client, MSP: msp, Name: "专家", Status: s}
	}
	health := &ledger.Participant{MSP: lt.HealthMSP, Role: ledger.RoleProvider}
	tests := []struct {
		name           string
		msp, client    string
		org            *ledger.Participant
		expert         *ledger.Expert
		wantRole       ledger.Role
		wantIndividual bool
	}{
		{"the authority", lt.AuthorityMSP, user2, nil, nil, ledger.RoleAuthority, false},
		{"a registered organisation", lt.HealthMSP, health2, health, nil, ledger.RoleProvider, false},
		{"an unregistered organisation", lt.StrangerMSP, lt.ClientID("user1", lt.StrangerMSP), nil, nil, "", false},
		{"another organisation's registration", lt.StrangerMSP, lt.ClientID("user1", lt.StrangerMSP), health, nil, "", false},
		{"an expert of the authority", lt.AuthorityMSP, user2, nil, expert(user2, lt.AuthorityMSP, ledger.ExpertActive), ledger.RoleExpert, true},
		{"an expert of a provider", lt.HealthMSP, health2, health, expert(health2, lt.HealthMSP, ledger.ExpertActive), ledger.RoleExpert, true},
		{"an expert of an unregistered organisation", lt.StrangerMSP, "x509::CN=e::CN=ca", nil, expert("x509::CN=e::CN=ca", lt.StrangerMSP, ledger.ExpertActive), ledger.RoleExpert, true},
		{"a retired expert acts for its organisation again", lt.AuthorityMSP, user2, nil, expert(user2, lt.AuthorityMSP, ledger.ExpertRetired), ledger.RoleAuthority, false},
		{"the same identity string from another MSP", lt.HealthMSP, user2, health, expert(user2, lt.AuthorityMSP, ledger.ExpertActive), ledger.RoleProvider, false},
		{"another identity of the expert's MSP", lt.AuthorityMSP, lt.ClientID("user1", lt.AuthorityMSP), nil, expert(user2, lt.AuthorityMSP, ledger.ExpertActive), ledger.RoleAuthority, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ledger.ResolveActor(tt.msp, tt.client, lt.AuthorityMSP, tt.org, tt.expert)
			if c.MSP != tt.msp || c.Client != tt.client || c.Role != tt.wantRole || c.Individual != tt.wantIndividual {
				t.Errorf("got %+v, want %s/%s in role %q, individual %t", c, tt.msp, tt.client, tt.wantRole, tt.wantIndividual)
			}
		})
	}
}

// TestIndividualExpertActsForNoOrganisation checks that an identity
// convened as an expert acts as the expert alone: neither in its
// organisation's role nor as its organisation's identity, for changes and
// for reads.
func TestIndividualExpertActsForNoOrganisation(t *testing.T) {
	w := lt.NewWorld(t)
	ofOperator := lt.Individual("user2", lt.OperatorMSP)
	ofHealth := lt.Individual("user2", lt.HealthMSP)
	at := lt.Days(20)
	product := func(status ledger.ProductStatus) *ledger.Product {
		return &ledger.Product{ID: "prod-1", Owner: lt.OperatorMSP, Status: status, RegistrationNo: "HZDE-1"}
	}
	tests := []struct {
		name   string
		caller ledger.Actor
		act    func(c ledger.Actor, st ledger.Stamp) error
		want   error
	}{
		{"the authority's expert publishes a call", lt.Member, func(c ledger.Actor, st ledger.Stamp) error {
			_, err := ledger.PublishCall(c, lt.CallRequest("call-2"), nil, w.Datasets, st)
			return err
		}, ledger.ErrForbidden},
		{"the authority's expert records a review", lt.Member, func(c ledger.Actor, st ledger.Stamp) error {
			_, _, err := ledger.RecordReview(c, lt.ReviewRequest("rev-x", ledger.ReviewNetworkSecurity, "app-1", lt.Days(2)), ledger.ReviewInputs{Application: w.Application}, st)
			return err
		}, ledger.ErrForbidden},
		{"the authority's expert decides a product", lt.Member, func(c ledger.Actor, st ledger.Stamp) error {
			return product(ledger.ProductInReview).Decide(c, false, "no", nil, st)
		}, ledger.ErrForbidden},
		{"the authority's expert registers a participant", lt.Member, func(c ledger.Actor, st ledger.Stamp) error {
			_, err := ledger.RegisterParticipant(c, ledger.ParticipantRequest{MSP: "NewMSP", Role: ledger.RoleProvider, Name: "x"}, lt.AuthorityMSP, nil, st)
			return err
		}, ledger.ErrForbidden},
		{"the authority's expert signs an agreement", lt.Member, func(c ledger.Actor, st ledger.Stamp) error {
			a := *w.Agreement
			a.AuthoritySigned = ledger.Stamp{}
			return a.Sign(c, true, st)
		}, ledger.ErrNotFound},
		{"the operator's expert submits its product", ofOperator, func(c ledger.Actor, st ledger.Stamp) error {
			return product(ledger.ProductDraft).Submit(c, st)
		}, ledger.ErrForbidden},
		{"the operator's expert lists its product", ofOperator, func(c ledger.Actor, st ledger.Stamp) error {
			return product(ledger.ProductApproved).RequestListing(c, st)
		}, ledger.ErrForbidden},
		{"the operator's expert delists its product", ofOperator, func(c ledger.Actor, st ledger.Stamp) error {
			return product(ledger.ProductListed).Delist(c, "x", st)
		}, ledger.ErrForbidden},
		{"the operator's expert withdraws its application", ofOperator, func(c ledger.Actor, st ledger.Stamp) error {
			a := *w.Application
			a.Status = ledger.ApplicationSubmitted
			return a.Withdraw(c, "", st)
		}, ledger.ErrForbidden},
		{"the operator's expert signs its agreement", ofOperator, func(c ledger.Actor, st ledger.Stamp) error {
			a := *w.Agreement
			a.OperatorSigned = ledger.Stamp{}
			return a.Sign(c, true, st)
		}, ledger.ErrNotFound},
		{"the operator's expert submits a receipt for its grant", ofOperator, func(c ledger.Actor, st ledger.Stamp) error {
			s, err := ledger.OpenReceipt("receipt", w.Receipt(lt.Statement("r-1", "grant-1", 1)))
			if err != nil {
				return err
			}
			u := w.Usage
			_, err = ledger.AcceptReceipt(c, s, ledger.ReceiptInputs{Attestor: w.AttestorRec, Grant: w.Grant, Agreements: w.Agreements()}, &u, nil, st)
			return err
		}, ledger.ErrNotFound},
		{"the provider's expert updates its dataset", ofHealth, func(c ledger.Actor, st ledger.Stamp) error {
			d := *w.Datasets["visits"]
			return d.Update(c, lt.DatasetRequest("visits", "medical", "age"), st)
		}, ledger.ErrForbidden},
		{"the provider's expert approves a grant over its dataset", ofHealth, func(c ledger.Actor, st ledger.Stamp) error {
			return proposedGrant(t).Approve(c, st)
		}, ledger.ErrNotFound},
		{"the operator's expert records an opinion, as an expert", ofOperator, func(c ledger.Actor, st ledger.Stamp) error {
			_, err := ledger.RecordOpinion(c, ledger.OpinionRequest{ID: "op-1", SubjectType: ledger.SubjectProduct, SubjectID: "prod-1",
				Recommendation: ledger.RecommendApprove, Digest: lt.Digest("op")}, ledger.OpinionInputs{Product: product(ledger.ProductInReview)}, st)
			return err
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantErr(t, tt.act(tt.caller, lt.Stamp(tt.caller, at)), tt.want)
		})
	}

	t.Run("reads", func(t *testing.T) {
		review := &ledger.Review{Kind: ledger.ReviewBasicSecurity, Subject: lt.OperatorMSP}
		operator := w.Participants[lt.OperatorMSP]
		operator.Evaluations = []ledger.Evaluation{{ID: "e-1"}}
		for _, tt := range []struct {
			what string
			got  bool
			want bool
		}{
			{"the operator's grant", w.Grant.VisibleTo(ofOperator), false},
			{"a grant over the provider's dataset", w.Grant.VisibleTo(ofHealth), false},
			{"the operator's agreement", w.Agreement.VisibleTo(ofOperator), false},
			{"the operator's security review", review.VisibleTo(ofOperator, nil), false},
			{"the operator's evaluations", len(operator.VisibleTo(ofOperator).Evaluations) > 0, false},
			{"the operator's draft product, as an expert", product(ledger.ProductDraft).VisibleTo(ofOperator), true},
			{"the operator's application, as an expert", w.Application.VisibleTo(ofOperator), true},
			{"everything, as the authority's expert", w.Grant.VisibleTo(lt.Member), false},
		} {
			if tt.got != tt.want {
				t.Errorf("%s: got visible %t, want %t", tt.what, tt.got, tt.want)
			}
		}
	})
}

func TestIndividualExpertOpinion(t *testing.T) {
	p, _ := draftProduct(t)
	if err := p.Submit(lt.Operator, lt.Stamp(lt.Operator, lt.Days(21))); err != nil {
		t.Fatal(err)
	}
	ofHealth := lt.Individual("user2", lt.HealthMSP)
	record := func(c ledger.Actor, id string) *ledger.Opinion {
		t.Helper()
		o, err := ledger.RecordOpinion(c, ledger.OpinionRequest{ID: id, SubjectType: ledger.SubjectProduct, SubjectID: p.ID,
			Recommendation: ledger.RecommendApprove, Digest: lt.Digest(id)}, ledger.OpinionInputs{Product: p}, lt.Stamp(c, lt.Days(22)))
		if err != nil {
			t.Fatalf("opinion %s by %s: %v", id, c.Client, err)
		}
		return o
	}
	expert, platform := record(ofHealth, "op-expert"), record(lt.Platform, "op-platform")
	if expert.Author != lt.HealthMSP || expert.AuthorClient != ofHealth.Client || expert.AuthorRole != ledger.RoleExpert {
		t.Errorf("got author %s %q in role %s, want %s %q in role expert", expert.Author, expert.AuthorClient, expert.AuthorRole, lt.HealthMSP, ofHealth.Client)
	}

	t.Run("visibility", func(t *testing.T) {
		for _, tt := range []struct {
			name   string
			caller ledger.Actor
			want   bool
		}{
			{"its author", ofHealth, true},
			{"its author's organisation, in its own role", lt.Health, false},
			{"another expert of the same organisation", lt.Individual("user3", lt.HealthMSP), false},
			{"the owner of the subject", lt.Operator, true},
			{"the regulator", lt.Regulator, true},
			{"the expert organisation", lt.Expert, false},
		} {
			if got := expert.VisibleTo(tt.caller, p.Owner); got != tt.want {
				t.Errorf("%s: got visible %t, want %t", tt.name, got, tt.want)
			}
		}
	})

	t.Run("retired expert's opinion refused", func(t *testing.T) {
		retired := &ledger.Expert{Client: ofHealth.Client, MSP: lt.HealthMSP, Status: ledger.ExpertRetired}
		c := ledger.ResolveActor(lt.HealthMSP, ofHealth.Client, lt.AuthorityMSP, &ledger.Participant{MSP: lt.HealthMSP, Role: ledger.RoleProvider}, retired)
		_, err := ledger.RecordOpinion(c, ledger.OpinionRequest{ID: "op-late", SubjectType: ledger.SubjectProduct, SubjectID: p.ID,
			Recommendation: ledger.RecommendApprove, Digest: lt.Digest("late")}, ledger.OpinionInputs{Product: p}, lt.Stamp(c, lt.Days(22)))
		wantErr(t, err, ledger.ErrForbidden)
	})

	t.Run("approval counts it as the expert opinion", func(t *testing.T) {
		if err := p.Decide(lt.Authority, true, "", []ledger.Opinion{*expert, *platform}, lt.Stamp(lt.Authority, lt.Days(23))); err != nil {
			t.Fatalf("got %v, want approval with an individual expert's and the platform's opinions", err)
		}
	})
}
