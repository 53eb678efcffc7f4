package ledger_test

import (
	"testing"
	"time"

	"github.com/grantledger/grantledger/ledger"
	lt "github.com/grantledger/grantledger/ledger/ledgertest"
)

func TestRecordReview(t *testing.T) {
	w := lt.NewWorld(t)
	submitted := *w.Application
	submitted.Status, submitted.ScenarioReview, submitted.GrantID = ledger.ApplicationSubmitted, "", ""
	operator := w.Participants[lt.OperatorMSP]
	tests := []struct {
		name       string
		caller     ledger.Actor
		req        ledger.ReviewRequest
		in         ledger.ReviewInputs
		want       error
		wantStatus ledger.ApplicationStatus
	}{
		{"basic security", lt.Authority, lt.ReviewRequest("r", ledger.ReviewBasicSecurity, lt.OperatorMSP, lt.Days(1)), ledger.ReviewInputs{Operator: operator}, nil, ""},
		{"scenario pass approves", lt.Authority, lt.ReviewRequest("r", ledger.ReviewScenario, "app-1", lt.Days(1)), ledger.ReviewInputs{Application: &submitted}, nil, ledger.ApplicationApproved},
		{"scenario fail rejects", lt.Authority, failed(lt.ReviewRequest("r", ledger.ReviewScenario, "app-1", lt.Days(1))), ledger.ReviewInputs{Application: &submitted}, nil, ledger.ApplicationRejected},
		{"network security", lt.Authority, lt.ReviewRequest("r", ledger.ReviewNetworkSecurity, "app-1", lt.Days(1)), ledger.ReviewInputs{Application: &submitted}, nil, ""},
		{"province approval", lt.Authority, lt.ReviewRequest("r", ledger.ReviewProvince, "app-1", lt.Days(1)), ledger.ReviewInputs{Application: &submitted}, nil, ""},
		{"expert cannot review", lt.Expert, lt.ReviewRequest("r", ledger.ReviewScenario, "app-1", lt.Days(1)), ledger.ReviewInputs{Application: &submitted}, ledger.ErrForbidden, ""},
		{"bad id", lt.Authority, lt.ReviewRequest("", ledger.ReviewScenario, "app-1", lt.Days(1)), ledger.ReviewInputs{Application: &submitted}, ledger.ErrInvalid, ""},
		{"bad kind", lt.Authority, lt.ReviewRequest("r", "vibes", "app-1", lt.Days(1)), ledger.ReviewInputs{Application: &submitted}, ledger.ErrInvalid, ""},
		{"bad subject", lt.Authority, lt.ReviewRequest("r", ledger.ReviewScenario, "", lt.Days(1)), ledger.ReviewInputs{Application: &submitted}, ledger.ErrInvalid, ""},
		{"bad outcome", lt.Authority, withOutcome(lt.ReviewRequest("r", ledger.ReviewScenario, "app-1", lt.Days(1)), "maybe"), ledger.ReviewInputs{Application: &submitted}, ledger.ErrInvalid, ""},
		{"no date", lt.Authority, lt.ReviewRequest("r", ledger.ReviewScenario, "app-1", time.Time{}), ledger.ReviewInputs{Application: &submitted}, ledger.ErrInvalid, ""},
		{"future date", lt.Authority, lt.ReviewRequest("r", ledger.ReviewScenario, "app-1", lt.Days(5)), ledger.ReviewInputs{Application: &submitted}, ledger.ErrInvalid, ""},
		{"exists", lt.Authority, lt.ReviewRequest("r", ledger.ReviewScenario, "app-1", lt.Days(1)), ledger.ReviewInputs{Existing: &w.Reviews[0], Application: &submitted}, ledger.ErrConflict, ""},
		{"unknown operator", lt.Authority, lt.ReviewRequest("r", ledger.ReviewBasicSecurity, "NoMSP", lt.Days(1)), ledger.ReviewInputs{}, ledger.ErrNotFound, ""},
		{"security review of a provider", lt.Authority, lt.ReviewRequest("r", ledger.ReviewBasicSecurity, lt.HealthMSP, lt.Days(1)), ledger.ReviewInputs{Operator: w.Participants[lt.HealthMSP]}, ledger.ErrRefused, ""},
		{"security review of exited operator", lt.Authority, lt.ReviewRequest("r", ledger.ReviewBasicSecurity, lt.OperatorMSP, lt.Days(1)), ledger.ReviewInputs{Operator: &ledger.Participant{MSP: lt.OperatorMSP, Role: ledger.RoleOperator, Status: ledger.OperatorExited}}, ledger.ErrRefused, ""},
		{"unknown application", lt.Authority, lt.ReviewRequest("r", ledger.ReviewScenario, "app-9", lt.Days(1)), ledger.ReviewInputs{}, ledger.ErrNotFound, ""},
		{"second scenario review", lt.Authority, lt.ReviewRequest("r", ledger.ReviewScenario, "app-1", lt.Days(1)), ledger.ReviewInputs{Application: w.Application}, ledger.ErrConflict, ""},
		{"scenario review of withdrawn application", lt.Authority, lt.ReviewRequest("r", ledger.ReviewScenario, "app-1", lt.Days(1)), ledger.ReviewInputs{Application: &ledger.Application{ID: "app-1", Status: ledger.ApplicationWithdrawn}}, ledger.ErrConflict, ""},
		{"network review of granted application", lt.Authority, lt.ReviewRequest("r", ledger.ReviewNetworkSecurity, "app-1", lt.Days(1)), ledger.ReviewInputs{Application: w.Application}, ledger.ErrConflict, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, app, err := ledger.RecordReview(tt.caller, tt.req, tt.in, lt.Stamp(tt.caller, lt.Days(2)))
			wantErr(t, err, tt.want)
			if err != nil {
				return
			}
			if tt.wantStatus == "" && app != nil {
				t.Errorf("got changed application %s, want none", app.Status)
			}
			if tt.wantStatus != "" && (app == nil || app.Status != tt.wantStatus || app.ScenarioReview != r.ID) {
				t.Errorf("got application %+v, want status %s with scenario review %s", app, tt.wantStatus, r.ID)
			}
			if submitted.Status != ledger.ApplicationSubmitted {
				t.Error("the input application was modified, want it untouched")
			}
			if got, want := !r.ValidUntil.IsZero(), tt.req.Kind.OnOperator(); got != want {
				t.Errorf("got validUntil set %v, want %v", got, want)
			}
		})
	}
}

func failed(r ledger.ReviewRequest) ledger.ReviewRequest { r.Outcome = ledger.OutcomeFail; return r }
func withOutcome(r ledger.ReviewRequest, o ledger.Outcome) ledger.ReviewRequest {
	r.Outcome = o
	return r
}

func TestRequirePassed(t *testing.T) {
	pass := func(id string, day int, recorded int) ledger.Review {
		return ledger.Review{ID: id, Kind: ledger.ReviewBasicSecurity, Subject: lt.OperatorMSP, Outcome: ledger.OutcomePass,
			Date: lt.Days(day), ValidUntil: lt.Days(day).AddDate(ledger.SecurityReviewYears, 0, 0), Created: lt.Stamp(lt.Authority, lt.Days(recorded))}
	}
	fail := func(id string, day int, recorded int) ledger.Review {
		r := pass(id, day, recorded)
		r.Outcome = ledger.OutcomeFail
		return r
	}
	tests := []struct {
		name    string
		reviews []ledger.Review
		at      time.Time
		want    error
	}{
		{"valid", []ledger.Review{pass("a", 0, 0)}, lt.Days(100), nil},
		{"none", nil, lt.Days(100), ledger.ErrRefused},
		{"other subject", []ledger.Review{{ID: "x", Kind: ledger.ReviewBasicSecurity, Subject: "OtherMSP", Outcome: ledger.OutcomePass}}, lt.Days(1), ledger.ErrRefused},
		{"expired after two years", []ledger.Review{pass("a", 0, 0)}, lt.Days(0).AddDate(2, 0, 0), ledger.ErrRefused},
		{"latest failed", []ledger.Review{pass("a", 0, 0), fail("b", 10, 10)}, lt.Days(100), ledger.ErrRefused},
		{"latest passed again", []ledger.Review{fail("b", 10, 10), pass("c", 20, 20)}, lt.Days(100), nil},
		{"same date, later record wins", []ledger.Review{pass("a", 10, 10), fail("b", 10, 11)}, lt.Days(100), ledger.ErrRefused},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantErr(t, ledger.RequirePassed(tt.reviews, ledger.ReviewBasicSecurity, lt.OperatorMSP, tt.at), tt.want)
		})
	}
}

func TestReviewVisibleTo(t *testing.T) {
	op := &ledger.Review{Kind: ledger.ReviewBasicSecurity, Subject: lt.OperatorMSP}
	app := &ledger.Review{Kind: ledger.ReviewScenario, Subject: "app-1"}
	a := &ledger.Application{ID: "app-1", Operator: lt.OperatorMSP}
	tests := []struct {
		name   string
		r      *ledger.Review
		caller ledger.Actor
		want   bool
	}{
		{"operator reads its security review", op, lt.Operator, true},
		{"regulator reads all", op, lt.Regulator, true},
		{"provider cannot", op, lt.Health, false},
		{"operator reads its application review", app, lt.Operator, true},
		{"other cannot read application review", app, lt.Market, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.r.VisibleTo(tt.caller, a); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestRecordOpinion(t *testing.T) {
	w := lt.NewWorld(t)
	submitted := *w.Application
	submitted.Status = ledger.ApplicationSubmitted
	inReview := &ledger.Product{ID: "prod-1", Status: ledger.ProductInReview}
	valid := func(st ledger.SubjectType, id string) ledger.OpinionRequest {
		return ledger.OpinionRequest{ID: "op-1", SubjectType: st, SubjectID: id, Recommendation: ledger.RecommendApprove, Digest: lt.Digest("opinion")}
	}
	tests := []struct {
		name   string
		caller ledger.Actor
		req    ledger.OpinionRequest
		in     ledger.OpinionInputs
		want   error
	}{
		{"expert on application", lt.Expert, valid(ledger.SubjectApplication, "app-1"), ledger.OpinionInputs{Application: &submitted}, nil},
		{"expert on product", lt.Expert, valid(ledger.SubjectProduct, "prod-1"), ledger.OpinionInputs{Product: inReview}, nil},
		{"platform on product", lt.Platform, valid(ledger.SubjectProduct, "prod-1"), ledger.OpinionInputs{Product: inReview}, nil},
		{"individual expert on application", lt.Member, valid(ledger.SubjectApplication, "app-1"), ledger.OpinionInputs{Application: &submitted}, nil},
		{"individual expert on product", lt.Member, valid(ledger.SubjectProduct, "prod-1"), ledger.OpinionInputs{Product: inReview}, nil},
		{"authority", lt.Authority, valid(ledger.SubjectProduct, "prod-1"), ledger.OpinionInputs{Product: inReview}, ledger.ErrForbidden},
		{"platform on application", lt.Platform, valid(ledger.SubjectApplication, "app-1"), ledger.OpinionInputs{Application: &submitted}, ledger.ErrForbidden},
		{"operator", lt.Operator, valid(ledger.SubjectProduct, "prod-1"), ledger.OpinionInputs{Product: inReview}, ledger.ErrForbidden},
		{"bad id", lt.Expert, func() ledger.OpinionRequest { r := valid(ledger.SubjectProduct, "prod-1"); r.ID = ""; return r }(), ledger.OpinionInputs{Product: inReview}, ledger.ErrInvalid},
		{"bad subject type", lt.Expert, valid("grant", "g"), ledger.OpinionInputs{}, ledger.ErrInvalid},
		{"bad subject id", lt.Expert, valid(ledger.SubjectProduct, ""), ledger.OpinionInputs{}, ledger.ErrInvalid},
		{"bad recommendation", lt.Expert, func() ledger.OpinionRequest {
			r := valid(ledger.SubjectProduct, "prod-1")
			r.Recommendation = "meh"
			return r
		}(), ledger.OpinionInputs{Product: inReview}, ledger.ErrInvalid},
		{"bad digest", lt.Expert, func() ledger.OpinionRequest { r := valid(ledger.SubjectProduct, "prod-1"); r.Digest = ""; return r }(), ledger.OpinionInputs{Product: inReview}, ledger.ErrInvalid},
		{"bad note", lt.Expert, func() ledger.OpinionRequest { r := valid(ledger.SubjectProduct, "prod-1"); r.Note = "\x02"; return r }(), ledger.OpinionInputs{Product: inReview}, ledger.ErrInvalid},
		{"exists", lt.Expert, valid(ledger.SubjectProduct, "prod-1"), ledger.OpinionInputs{Existing: &ledger.Opinion{}, Product: inReview}, ledger.ErrConflict},
		{"unknown application", lt.Expert, valid(ledger.SubjectApplication, "app-9"), ledger.OpinionInputs{}, ledger.ErrNotFound},
		{"granted application", lt.Expert, valid(ledger.SubjectApplication, "app-1"), ledger.OpinionInputs{Application: w.Application}, ledger.ErrConflict},
		{"unknown product", lt.Expert, valid(ledger.SubjectProduct, "prod-9"), ledger.OpinionInputs{}, ledger.ErrNotFound},
		{"draft product", lt.Expert, valid(ledger.SubjectProduct, "prod-1"), ledger.OpinionInputs{Product: &ledger.Product{Status: ledger.ProductDraft}}, ledger.ErrConflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := ledger.RecordOpinion(tt.caller, tt.req, tt.in, lt.Stamp(tt.caller, lt.Days(2)))
			wantErr(t, err, tt.want)
			if err == nil && (o.Author != tt.caller.MSP || o.AuthorClient != tt.caller.Client || o.AuthorRole != tt.caller.Role) {
				t.Errorf("got author %s %q (%s), want %s %q (%s)", o.Author, o.AuthorClient, o.AuthorRole, tt.caller.MSP, tt.caller.Client, tt.caller.Role)
			}
			if err == nil {
				if !o.VisibleTo(tt.caller, "") || o.VisibleTo(lt.Market, "") || !o.VisibleTo(lt.Market, lt.MarketMSP) {
					t.Error("opinion visibility: want author and subject owner only")
				}
			}
		})
	}
}
