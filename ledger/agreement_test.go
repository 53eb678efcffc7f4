package ledger_test

import (
	"testing"
	"time"

	"github.com/grantledger/grantledger/ledger"
	lt "github.com/grantledger/grantledger/ledger/ledgertest"
)

func TestProposeAgreement(t *testing.T) {
	w := lt.NewWorld(t)
	at := lt.Days(4)
	tests := []struct {
		name     string
		caller   ledger.Actor
		at       time.Time
		edit     func(*ledger.AgreementRequest)
		existing *ledger.Agreement
		grant    func() *ledger.Grant
		others   []ledger.Agreement
		want     error
	}{
		{"authority", lt.Authority, at, nil, nil, nil, nil, nil},
		{"with six-month trial", lt.Authority, at, func(r *ledger.AgreementRequest) {
			r.Term.TrialEnds = lt.GrantFrom.AddDate(0, 6, 0)
			r.Term.ValidTo = r.Term.TrialEnds.AddDate(2, 0, 0)
		}, nil, nil, nil, nil},
		{"wrong party", lt.Operator, at, nil, nil, nil, nil, ledger.ErrForbidden},
		{"bad id", lt.Authority, at, func(r *ledger.AgreementRequest) { r.ID = "" }, nil, nil, nil, ledger.ErrInvalid},
		{"bad grant id", lt.Authority, at, func(r *ledger.AgreementRequest) { r.GrantID = "" }, nil, nil, nil, ledger.ErrInvalid},
		{"term over two years", lt.Authority, at, func(r *ledger.AgreementRequest) { r.Term.ValidTo = lt.GrantFrom.AddDate(2, 0, 1) }, nil, nil, nil, ledger.ErrInvalid},
		{"trial over six months", lt.Authority, at, func(r *ledger.AgreementRequest) { r.Term.TrialEnds = lt.GrantFrom.AddDate(0, 7, 0) }, nil, nil, nil, ledger.ErrInvalid},
		{"term past", lt.Authority, lt.GrantTo, nil, nil, nil, nil, ledger.ErrInvalid},
		{"exists", lt.Authority, at, nil, w.Agreement, nil, nil, ledger.ErrConflict},
		{"unknown grant", lt.Authority, at, nil, nil, func() *ledger.Grant { return nil }, nil, ledger.ErrNotFound},
		{"sub-grant", lt.Authority, at, nil, nil, func() *ledger.Grant { g := *w.Grant; g.ParentID = "p"; return &g }, nil, ledger.ErrRefused},
		{"revoked grant", lt.Authority, at, nil, nil, func() *ledger.Grant { g := *w.Grant; g.Status = ledger.GrantRevoked; return &g }, nil, ledger.ErrConflict},
		{"grant already bound", lt.Authority, at, nil, nil, nil, w.Agreements(), ledger.ErrConflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := lt.AgreementRequest("agr-2", "grant-1")
			if tt.edit != nil {
				tt.edit(&req)
			}
			g := w.Grant
			if tt.grant != nil {
				g = tt.grant()
			}
			a, err := ledger.ProposeAgreement(tt.caller, req, tt.existing, g, tt.others, lt.Stamp(tt.caller, tt.at))
			wantErr(t, err, tt.want)
			if err == nil && (a.Status != ledger.AgreementProposed || a.Operator != lt.OperatorMSP) {
				t.Errorf("got %s with operator %s, want proposed with %s", a.Status, a.Operator, lt.OperatorMSP)
			}
		})
	}
}

func TestSignAgreement(t *testing.T) {
	w := lt.NewWorld(t)
	proposed := func(t *testing.T) *ledger.Agreement {
		a, err := ledger.ProposeAgreement(lt.Authority, lt.AgreementRequest("agr-2", "grant-1"), nil, w.Grant, nil, lt.Stamp(lt.Authority, lt.Days(4)))
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	tests := []struct {
		name   string
		act    func(a *ledger.Agreement) error
		want   error
		status ledger.AgreementStatus
	}{
		{"authority signs first", func(a *ledger.Agreement) error { return a.Sign(lt.Authority, true, lt.Stamp(lt.Authority, lt.Days(5))) }, nil, ledger.AgreementProposed},
		{"operator signs first", func(a *ledger.Agreement) error { return a.Sign(lt.Operator, true, lt.Stamp(lt.Operator, lt.Days(5))) }, nil, ledger.AgreementProposed},
		{"both sign", func(a *ledger.Agreement) error {
			_ = a.Sign(lt.Operator, true, lt.Stamp(lt.Operator, lt.Days(5)))
			return a.Sign(lt.Authority, true, lt.Stamp(lt.Authority, lt.Days(6)))
		}, nil, ledger.AgreementInForce},
		{"wrong party", func(a *ledger.Agreement) error { return a.Sign(lt.Health, true, lt.Stamp(lt.Health, lt.Days(5))) }, ledger.ErrNotFound, ledger.AgreementProposed},
		{"sign twice", func(a *ledger.Agreement) error {
			_ = a.Sign(lt.Operator, true, lt.Stamp(lt.Operator, lt.Days(5)))
			return a.Sign(lt.Operator, true, lt.Stamp(lt.Operator, lt.Days(6)))
		}, ledger.ErrConflict, ledger.AgreementProposed},
		{"sign without text", func(a *ledger.Agreement) error { return a.Sign(lt.Operator, false, lt.Stamp(lt.Operator, lt.Days(5))) }, ledger.ErrRefused, ledger.AgreementProposed},
		{"sign after expiry", func(a *ledger.Agreement) error { return a.Sign(lt.Operator, true, lt.Stamp(lt.Operator, lt.GrantTo)) }, ledger.ErrRefused, ledger.AgreementProposed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := proposed(t)
			wantErr(t, tt.act(a), tt.want)
			if a.Status != tt.status {
				t.Errorf("got %s, want %s", a.Status, tt.status)
			}
		})
	}
	t.Run("in force from the second signature", func(t *testing.T) {
		a := proposed(t)
		_ = a.Sign(lt.Operator, true, lt.Stamp(lt.Operator, lt.Days(6)))
		_ = a.Sign(lt.Authority, true, lt.Stamp(lt.Authority, lt.Days(8)))
		for _, tt := range []struct {
			at   time.Time
			want bool
		}{{lt.Days(7), false}, {lt.Days(8), true}, {lt.GrantTo.Add(-time.Second), true}, {lt.GrantTo, false}} {
			if got := a.InForceAt(tt.at); got != tt.want {
				t.Errorf("InForceAt(%s): got %v, want %v", tt.at, got, tt.want)
			}
		}
		if got := a.AsOf(lt.GrantTo).Status; got != ledger.AgreementExpired {
			t.Errorf("got %s at the end of the term, want expired", got)
		}
	})
}

func TestAgreementVisibilityAndSummary(t *testing.T) {
	w := lt.NewWorld(t)
	if !w.Agreement.VisibleTo(lt.Operator) || !w.Agreement.VisibleTo(lt.Regulator) || w.Agreement.VisibleTo(lt.Health) {
		t.Error("got wrong agreement visibility, want operator, authority and regulator only")
	}
	s := w.Agreement.Summary()
	if s.GrantID != "grant-1" || s.InForceFrom.IsZero() {
		t.Errorf("got summary %+v, want grant-1 in force", s)
	}
}

func TestAttestor(t *testing.T) {
	w := lt.NewWorld(t)
	tests := []struct {
		name     string
		caller   ledger.Actor
		req      ledger.AttestorRequest
		existing *ledger.Attestor
		want     error
	}{
		{"platform", lt.Platform, ledger.AttestorRequest{Address: "0xAbCdEf0123456789aBcDeF0123456789AbCdEf01", Name: "TEE 2"}, nil, nil},
		{"wrong party", lt.Operator, ledger.AttestorRequest{Address: "0xabcdef0123456789abcdef0123456789abcdef01", Name: "TEE 2"}, nil, ledger.ErrForbidden},
		{"bad address", lt.Platform, ledger.AttestorRequest{Address: "0x1234", Name: "TEE 2"}, nil, ledger.ErrInvalid},
		{"no name", lt.Platform, ledger.AttestorRequest{Address: "0xabcdef0123456789abcdef0123456789abcdef01"}, nil, ledger.ErrInvalid},
		{"exists", lt.Platform, ledger.AttestorRequest{Address: "0xabcdef0123456789abcdef0123456789abcdef01", Name: "x"}, w.AttestorRec, ledger.ErrConflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := ledger.RegisterAttestor(tt.caller, tt.req, tt.existing, lt.Stamp(tt.caller, lt.T0))
			wantErr(t, err, tt.want)
			if err == nil && a.Address != "0xabcdef0123456789abcdef0123456789abcdef01" {
				t.Errorf("got address %s, want it lower-cased", a.Address)
			}
		})
	}
	retire := []struct {
		name   string
		caller ledger.Actor
		reason string
		want   error
	}{
		{"platform retires", lt.Platform, "key rotated", nil},
		{"authority retires", lt.Authority, "compromised", nil},
		{"other platform", ledger.Actor{MSP: "Platform2MSP", Role: ledger.RolePlatform}, "x", ledger.ErrForbidden},
		{"operator", lt.Operator, "x", ledger.ErrForbidden},
		{"no reason", lt.Platform, "", ledger.ErrInvalid},
	}
	for _, tt := range retire {
		t.Run("retire/"+tt.name, func(t *testing.T) {
			a := *w.AttestorRec
			err := a.Retire(tt.caller, tt.reason, lt.Stamp(tt.caller, lt.Days(1)))
			wantErr(t, err, tt.want)
			if err == nil && a.Status != ledger.AttestorRetired {
				t.Errorf("got %s, want retired", a.Status)
			}
		})
	}
	t.Run("retire twice", func(t *testing.T) {
		a := *w.AttestorRec
		_ = a.Retire(lt.Platform, "x", lt.Stamp(lt.Platform, lt.Days(1)))
		wantErr(t, a.Retire(lt.Platform, "x", lt.Stamp(lt.Platform, lt.Days(2))), ledger.ErrConflict)
	})
}
