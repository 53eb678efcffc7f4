package ledger_test

import (
	"strings"
	"testing"
	"time"

	"github.com/grantledger/grantledger/ledger"
	lt "github.com/grantledger/grantledger/ledger/ledgertest"
)

// A grant's status is kept as consent and control: split and merged back
// it is the same grant; control can only take away.
func TestGrantConsentAndControl(t *testing.T) {
	w := lt.NewWorld(t)
	g := w.Grant
	at := lt.UseTime
	if err := g.Suspend(lt.Authority, "audit", lt.Stamp(lt.Authority, at)); err != nil {
		t.Fatal(err)
	}
	consent, ctl := ledger.SplitGrant(g)
	if consent.Status != ledger.GrantActive || ctl.Status != ledger.GrantSuspended || len(ctl.History) != 1 {
		t.Fatalf("split: consent %s, control %+v; want active and one suspension", consent.Status, ctl)
	}
	merged := ledger.MergeGrant(consent, ctl)
	if merged.Status != ledger.GrantSuspended || merged.Reason != "audit" || len(merged.History) != len(g.History) || !merged.Updated.Time.Equal(at) {
		t.Fatalf("merged: %s (%s) with %d entries, want suspended (audit) with %d", merged.Status, merged.Reason, len(merged.History), len(g.History))
	}
	if s := merged.StatusAt(at.Add(-time.Second)); s != ledger.GrantActive {
		t.Errorf("status before the suspension: got %s, want active", s)
	}
	if err := ledger.UsableAt(merged, w.Agreements(), nil, nil, at.Add(time.Minute)); err == nil || !strings.Contains(err.Error(), "suspended") {
		t.Errorf("usable while suspended: got %v", err)
	}
	// A control record saying active cannot make a proposed grant active.
	proposed := *consent
	proposed.Status = ledger.GrantProposed
	proposed.History = proposed.History[:1]
	forged := &ledger.GrantControl{GrantID: g.ID, Status: ledger.GrantActive, History: []ledger.StatusChange{{Status: ledger.GrantActive, Stamp: lt.Stamp(lt.Authority, at)}}}
	if s := ledger.MergeGrant(&proposed, forged).Status; s != ledger.GrantProposed {
		t.Errorf("proposed grant with a control record saying active: got %s, want proposed", s)
	}
	if !merged.End("holder exited", lt.Stamp(lt.Authority, at.Add(time.Hour))) || merged.Status != ledger.GrantRevoked {
		t.Errorf("End: got %s, want revoked", merged.Status)
	}
	if merged.End("again", lt.Stamp(lt.Authority, at.Add(2*time.Hour))) {
		t.Error("End of a revoked grant changed it")
	}
}

// Marks are read from the lineage's status logs: a suspension cleared by
// the resumption, a revocation for good; a product listed before a mark
// shows delisted.
func TestProductWithLineage(t *testing.T) {
	w := lt.NewWorld(t)
	g := w.Grant
	listed := lt.UseTime
	p := ledger.Product{ID: "p-1", Owner: lt.OperatorMSP, Grants: []string{g.ID}, Status: ledger.ProductListed, Listed: listed}
	grants := map[string]*ledger.Grant{g.ID: g}
	if v := p.WithLineage(grants); v.Status != ledger.ProductListed || len(v.Marks) != 0 {
		t.Fatalf("no control change: got %s with %+v", v.Status, v.Marks)
	}
	must(t, g.Suspend(lt.Authority, "audit", lt.Stamp(lt.Authority, listed.Add(time.Hour))))
	v := p.WithLineage(grants)
	if v.Status != ledger.ProductDelisted || len(v.Blocking()) != 1 || !strings.Contains(v.StatusReason, "suspended") {
		t.Fatalf("suspended: got %s (%s) with %+v", v.Status, v.StatusReason, v.Marks)
	}
	must(t, g.Resume(lt.Authority, lt.Stamp(lt.Authority, listed.Add(2*time.Hour))))
	v = p.WithLineage(grants)
	if v.Status != ledger.ProductDelisted || len(v.Blocking()) != 0 || len(v.Marks) != 1 {
		t.Fatalf("resumed: got %s with %+v, want delisted with the cleared mark", v.Status, v.Marks)
	}
	relisted := v
	relisted.Status, relisted.Listed = ledger.ProductListed, listed.Add(3*time.Hour)
	if r := relisted.WithLineage(grants); r.Status != ledger.ProductListed || len(r.Marks) != 1 {
		t.Fatalf("listed again: got %s with %+v", r.Status, r.Marks)
	}
	must(t, g.Revoke(lt.Authority, "breach", lt.Stamp(lt.Authority, listed.Add(4*time.Hour))))
	r := relisted.WithLineage(grants)
	if r.Status != ledger.ProductDelisted || len(r.Blocking()) != 1 || r.Blocking()[0].Change != ledger.GrantRevoked || len(r.Marks) != 2 {
		t.Fatalf("revoked: got %s with %+v", r.Status, r.Marks)
	}
}

// A suspension the grant went through and was resumed from before the
// product was registered is no mark of the product.
func TestProductWithLineageIgnoresEarlierSuspensions(t *testing.T) {
	w := lt.NewWorld(t)
	g := w.Grant
	at := lt.UseTime
	must(t, g.Suspend(lt.Authority, "audit", lt.Stamp(lt.Authority, at)))
	must(t, g.Resume(lt.Authority, lt.Stamp(lt.Authority, at.Add(time.Hour))))
	p := ledger.Product{ID: "p-1", Owner: lt.OperatorMSP, Grants: []string{g.ID}, Status: ledger.ProductListed,
		Created: lt.Stamp(lt.Operator, at.Add(2*time.Hour)), Listed: at.Add(3 * time.Hour)}
	if v := p.WithLineage(map[string]*ledger.Grant{g.ID: g}); v.Status != ledger.ProductListed || len(v.Marks) != 0 {
		t.Fatalf("product registered after a resumed suspension: got %s with marks %+v, want listed without marks", v.Status, v.Marks)
	}
	must(t, g.Suspend(lt.Authority, "again", lt.Stamp(lt.Authority, at.Add(4*time.Hour))))
	if v := p.WithLineage(map[string]*ledger.Grant{g.ID: g}); v.Status != ledger.ProductDelisted || len(v.Marks) != 1 {
		t.Fatalf("suspended after the registration: got %s with marks %+v, want delisted with one mark", v.Status, v.Marks)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// A suspended or exited operator or developer is refused, the refusal
// naming the status; developers are suspended and re-admitted too.
func TestAdmission(t *testing.T) {
	suspended := ledger.Actor{MSP: lt.OperatorMSP, Role: ledger.RoleOperator, Status: ledger.OperatorSuspended, StatusReason: "audit"}
	a := &ledger.Agreement{ID: "agr-9", GrantID: "g", Operator: lt.OperatorMSP, Term: ledger.Term{ValidFrom: lt.T0, ValidTo: lt.Days(400)}, Status: ledger.AgreementProposed}
	err := a.Sign(suspended, true, lt.Stamp(suspended, lt.Days(1)))
	wantErr(t, err, ledger.ErrRefused)
	if !strings.Contains(err.Error(), "operator OperatorMSP is suspended") {
		t.Errorf("got %q, want the status named", err)
	}
	_, err = ledger.RegisterProduct(suspended, ledger.ProductRequest{ID: "p"}, ledger.ProductInputs{}, lt.Stamp(suspended, lt.Days(1)))
	wantErr(t, err, ledger.ErrRefused)

	dev := &ledger.Participant{MSP: lt.DeveloperMSP, Role: ledger.RoleDeveloper}
	wantErr(t, ledger.RequireAdmitted(dev, "x"), nil)
	wantErr(t, dev.SetOperatorStatus(lt.Authority, ledger.OperatorStatusRequest{MSP: dev.MSP, Status: ledger.OperatorSuspended, Reason: "audit"}, lt.Stamp(lt.Authority, lt.Days(1))), nil)
	err = ledger.RequireAdmitted(dev, "record receipts")
	if err == nil || !strings.Contains(err.Error(), "developer DeveloperMSP is suspended") {
		t.Errorf("suspended developer: got %v", err)
	}
	wantErr(t, dev.SetOperatorStatus(lt.Authority, ledger.OperatorStatusRequest{MSP: dev.MSP, Status: ledger.OperatorAdmitted}, lt.Stamp(lt.Authority, lt.Days(2))), nil)
	wantErr(t, ledger.RequireAdmitted(dev, "x"), nil)
	provider := &ledger.Participant{MSP: lt.HealthMSP, Role: ledger.RoleProvider}
	wantErr(t, provider.SetOperatorStatus(lt.Authority, ledger.OperatorStatusRequest{MSP: provider.MSP, Status: ledger.OperatorSuspended, Reason: "x"}, lt.Stamp(lt.Authority, lt.Days(2))), ledger.ErrRefused)
}
