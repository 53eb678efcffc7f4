package ledger_test

import (
	"testing"

	"github.com/grantledger/grantledger/ledger"
	lt "github.com/grantledger/grantledger/ledger/ledgertest"
)

func TestAttachApplicationDocuments(t *testing.T) {
	w := lt.NewWorld(t)
	app := *w.Application
	app.Status = ledger.ApplicationSubmitted
	tests := []struct {
		name     string
		caller   ledger.Actor
		edit     func(*ledger.ApplicationDocumentsRequest)
		existing *ledger.ApplicationDocuments
		status   ledger.ApplicationStatus
		want     error
	}{
		{"operator", lt.Operator, nil, nil, "", nil},
		{"authority cannot", lt.Authority, nil, nil, "", ledger.ErrForbidden},
		{"provider learns nothing", lt.Health, nil, nil, "", ledger.ErrNotFound},
		{"missing emergency plan", lt.Operator, func(r *ledger.ApplicationDocumentsRequest) { r.EmergencyPlanDigest = "" }, nil, "", ledger.ErrRefused},
		{"malformed emergency plan", lt.Operator, func(r *ledger.ApplicationDocumentsRequest) { r.EmergencyPlanDigest = "plan.pdf" }, nil, "", ledger.ErrInvalid},
		{"malformed security docs", lt.Operator, func(r *ledger.ApplicationDocumentsRequest) { r.SecurityDocsDigest = "" }, nil, "", ledger.ErrInvalid},
		{"attached twice", lt.Operator, nil, &ledger.ApplicationDocuments{ApplicationID: app.ID}, "", ledger.ErrConflict},
		{"withdrawn", lt.Operator, nil, nil, ledger.ApplicationWithdrawn, ledger.ErrConflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := lt.ApplicationDocuments()
			if tt.edit != nil {
				tt.edit(&req)
			}
			a := app
			if tt.status != "" {
				a.Status = tt.status
			}
			d, err := a.AttachDocuments(tt.caller, req, tt.existing, lt.Stamp(tt.caller, lt.Days(1)))
			wantErr(t, err, tt.want)
			if err != nil {
				return
			}
			seen := a.WithDocuments(d)
			if seen.EmergencyPlanDigest != req.EmergencyPlanDigest || seen.SecurityDocsDigest != req.SecurityDocsDigest || a.EmergencyPlanDigest != "" {
				t.Errorf("got %+v as members see it (public %q), want the digests merged into a copy only", seen, a.EmergencyPlanDigest)
			}
		})
	}
}

func TestAttachReports(t *testing.T) {
	w := lt.NewWorld(t)
	r := w.Reviews[0]
	op := *w.Participants[lt.OperatorMSP]
	if err := op.AddEvaluation(lt.Authority, ledger.EvaluationRequest{MSP: lt.OperatorMSP, ID: "eval-1", Date: lt.Days(1), Result: ledger.EvaluationQualified}, lt.Stamp(lt.Authority, lt.Days(2))); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		attach func() error
		want   error
	}{
		{"review report by the authority", func() error {
			rep, err := r.AttachReport(lt.Authority, lt.ReportRequest(r.ID), nil, lt.Stamp(lt.Authority, lt.Days(2)))
			if err == nil && r.WithReport(rep).ReportDigest != lt.ReportRequest(r.ID).ReportDigest {
				t.Error("report not merged")
			}
			return err
		}, nil},
		{"review report by the operator", func() error {
			_, err := r.AttachReport(lt.Operator, lt.ReportRequest(r.ID), nil, lt.Stamp(lt.Operator, lt.Days(2)))
			return err
		}, ledger.ErrForbidden},
		{"review report twice", func() error {
			_, err := r.AttachReport(lt.Authority, lt.ReportRequest(r.ID), &ledger.ReviewReport{}, lt.Stamp(lt.Authority, lt.Days(2)))
			return err
		}, ledger.ErrConflict},
		{"review report malformed", func() error {
			_, err := r.AttachReport(lt.Authority, ledger.ReportRequest{ReportDigest: "x"}, nil, lt.Stamp(lt.Authority, lt.Days(2)))
			return err
		}, ledger.ErrInvalid},
		{"evaluation report", func() error {
			rep, err := op.AttachEvaluationReport(lt.Authority, "eval-1", lt.ReportRequest("eval-1"), nil, lt.Stamp(lt.Authority, lt.Days(2)))
			if err == nil {
				seen := op.WithEvaluationReports(map[string]*ledger.EvaluationReport{"eval-1": rep})
				if seen.Evaluations[0].Note != "report of eval-1" || op.Evaluations[0].Note != "" {
					t.Errorf("got %+v merged (public %+v), want the note in a copy only", seen.Evaluations[0], op.Evaluations[0])
				}
			}
			return err
		}, nil},
		{"evaluation report of an unknown evaluation", func() error {
			_, err := op.AttachEvaluationReport(lt.Authority, "eval-9", lt.ReportRequest("eval-9"), nil, lt.Stamp(lt.Authority, lt.Days(2)))
			return err
		}, ledger.ErrNotFound},
		{"evaluation report by the regulator", func() error {
			_, err := op.AttachEvaluationReport(lt.Regulator, "eval-1", lt.ReportRequest("eval-1"), nil, lt.Stamp(lt.Regulator, lt.Days(2)))
			return err
		}, ledger.ErrForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantErr(t, tt.attach(), tt.want) })
	}
}

func TestAttachAgreementText(t *testing.T) {
	w := lt.NewWorld(t)
	signed := *w.Agreement
	a, err := ledger.ProposeAgreement(lt.Authority, lt.AgreementRequest("agr-2", "grant-1"), nil, w.Grant, nil, lt.Stamp(lt.Authority, lt.Days(4)))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		a        *ledger.Agreement
		caller   ledger.Actor
		existing *ledger.AgreementText
		want     error
	}{
		{"authority", a, lt.Authority, nil, nil},
		{"operator cannot", a, lt.Operator, nil, ledger.ErrForbidden},
		{"provider learns nothing", a, lt.Health, nil, ledger.ErrNotFound},
		{"twice", a, lt.Authority, &ledger.AgreementText{}, ledger.ErrConflict},
		{"after a signature", &signed, lt.Authority, nil, ledger.ErrConflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			txt, err := tt.a.AttachText(tt.caller, lt.AgreementText(tt.a.ID), tt.existing, lt.Stamp(tt.caller, lt.Days(4)))
			wantErr(t, err, tt.want)
			if err == nil && tt.a.WithText(txt).TextDigest != lt.AgreementText(tt.a.ID).TextDigest {
				t.Error("text not merged")
			}
		})
	}
}
