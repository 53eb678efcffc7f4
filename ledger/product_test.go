package ledger_test

import (
	"testing"

	"github.com/grantledger/grantledger/ledger"
	lt "github.com/grantledger/grantledger/ledger/ledgertest"
)

func productWorld(t *testing.T) (*lt.World, ledger.ProductInputs) {
	w := lt.NewWorld(t)
	return w, ledger.ProductInputs{
		Grants:   map[string]*ledger.Grant{"grant-1": w.Grant},
		Receipts: map[string]*ledger.Receipt{"r-1": {ID: "r-1", GrantID: "grant-1"}, "r-x": {ID: "r-x", GrantID: "grant-9"}},
	}
}

func productRequest() ledger.ProductRequest {
	return ledger.ProductRequest{ID: "prod-1", Type: ledger.ProductModel, Name: "SME credit model", DescriptionDigest: lt.Digest("model card"), Grants: []string{"grant-1"}, Receipts: []string{"r-1"}}
}

func TestRegisterProduct(t *testing.T) {
	w, base := productWorld(t)
	at := lt.Days(20)
	tests := []struct {
		name   string
		caller ledger.Actor
		edit   func(*ledger.ProductRequest, *ledger.ProductInputs)
		want   error
	}{
		{"operator", lt.Operator, nil, nil},
		{"wrong party", lt.Health, nil, ledger.ErrForbidden},
		{"another operator's lineage", ledger.Actor{MSP: "Operator2MSP", Role: ledger.RoleOperator}, nil, ledger.ErrNotFound},
		{"bad id", lt.Operator, func(r *ledger.ProductRequest, _ *ledger.ProductInputs) { r.ID = "" }, ledger.ErrInvalid},
		{"bad type", lt.Operator, func(r *ledger.ProductRequest, _ *ledger.ProductInputs) { r.Type = "nft" }, ledger.ErrInvalid},
		{"no name", lt.Operator, func(r *ledger.ProductRequest, _ *ledger.ProductInputs) { r.Name = "" }, ledger.ErrInvalid},
		{"bad digest", lt.Operator, func(r *ledger.ProductRequest, _ *ledger.ProductInputs) { r.DescriptionDigest = "x" }, ledger.ErrInvalid},
		{"no grants", lt.Operator, func(r *ledger.ProductRequest, _ *ledger.ProductInputs) { r.Grants = nil }, ledger.ErrInvalid},
		{"no receipts", lt.Operator, func(r *ledger.ProductRequest, _ *ledger.ProductInputs) { r.Receipts = nil }, ledger.ErrInvalid},
		{"bad receipt id", lt.Operator, func(r *ledger.ProductRequest, _ *ledger.ProductInputs) { r.Receipts = []string{"a b"} }, ledger.ErrInvalid},
		{"exists", lt.Operator, func(_ *ledger.ProductRequest, in *ledger.ProductInputs) { in.Existing = &ledger.Product{} }, ledger.ErrConflict},
		{"unknown grant", lt.Operator, func(r *ledger.ProductRequest, _ *ledger.ProductInputs) { r.Grants = []string{"grant-9"} }, ledger.ErrNotFound},
		{"unknown receipt", lt.Operator, func(r *ledger.ProductRequest, _ *ledger.ProductInputs) { r.Receipts = []string{"r-9"} }, ledger.ErrNotFound},
		{"receipt of another grant", lt.Operator, func(r *ledger.ProductRequest, _ *ledger.ProductInputs) { r.Receipts = []string{"r-x"} }, ledger.ErrRefused},
		{"revoked grant", lt.Operator, func(_ *ledger.ProductRequest, in *ledger.ProductInputs) {
			g := *w.Grant
			g.Status = ledger.GrantRevoked
			in.Grants = map[string]*ledger.Grant{"grant-1": &g}
		}, ledger.ErrRefused},
		{"grant never in force", lt.Operator, func(_ *ledger.ProductRequest, in *ledger.ProductInputs) {
			g := *w.Grant
			g.Status = ledger.GrantProposed
			g.History = g.History[:1]
			g.Term.ValidTo = lt.Days(15)
			in.Grants = map[string]*ledger.Grant{"grant-1": &g}
		}, ledger.ErrRefused},
		{"grant expired after being in force", lt.Operator, func(_ *ledger.ProductRequest, in *ledger.ProductInputs) {
			g := *w.Grant
			g.Term.ValidTo = lt.Days(15)
			in.Grants = map[string]*ledger.Grant{"grant-1": &g}
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := productRequest()
			in := base
			if tt.edit != nil {
				tt.edit(&req, &in)
			}
			p, err := ledger.RegisterProduct(tt.caller, req, in, lt.Stamp(tt.caller, at))
			wantErr(t, err, tt.want)
			if err == nil && (p.Status != ledger.ProductDraft || p.Owner != tt.caller.MSP) {
				t.Errorf("got %s owned by %s, want draft owned by %s", p.Status, p.Owner, tt.caller.MSP)
			}
		})
	}
}

func draftProduct(t *testing.T) (*ledger.Product, ledger.ProductInputs) {
	_, in := productWorld(t)
	p, err := ledger.RegisterProduct(lt.Operator, productRequest(), in, lt.Stamp(lt.Operator, lt.Days(20)))
	if err != nil {
		t.Fatal(err)
	}
	return p, in
}

func opinion(role ledger.Role, day int) ledger.Opinion {
	c := lt.Expert
	if role == ledger.RolePlatform {
		c = lt.Platform
	}
	return ledger.Opinion{SubjectType: ledger.SubjectProduct, SubjectID: "prod-1", Author: c.MSP, AuthorRole: role, Created: lt.Stamp(c, lt.Days(day))}
}

func TestProductLifecycle(t *testing.T) {
	opinions := []ledger.Opinion{opinion(ledger.RoleExpert, 22), opinion(ledger.RolePlatform, 22)}
	submit := func(p *ledger.Product) error { return p.Submit(lt.Operator, lt.Stamp(lt.Operator, lt.Days(21))) }
	approve := func(p *ledger.Product) error {
		_ = submit(p)
		return p.Decide(lt.Authority, true, "", opinions, lt.Stamp(lt.Authority, lt.Days(23)))
	}
	request := func(p *ledger.Product) error {
		_ = approve(p)
		return p.RequestListing(lt.Operator, lt.Stamp(lt.Operator, lt.Days(24)))
	}
	list := func(p *ledger.Product) error {
		_ = request(p)
		return p.ConfirmListing(lt.Exchange, "HZDE-2025-0001", "", lt.Stamp(lt.Exchange, lt.Days(24)))
	}
	tests := []struct {
		name   string
		act    func(p *ledger.Product, in ledger.ProductInputs) error
		want   error
		status ledger.ProductStatus
	}{
		{"update draft", func(p *ledger.Product, in ledger.ProductInputs) error {
			r := productRequest()
			r.Name = "v2"
			return p.Update(lt.Operator, r, in, lt.Stamp(lt.Operator, lt.Days(21)))
		}, nil, ledger.ProductDraft},
		{"update by other", func(p *ledger.Product, in ledger.ProductInputs) error {
			return p.Update(lt.Developer, productRequest(), in, lt.Stamp(lt.Developer, lt.Days(21)))
		}, ledger.ErrNotFound, ledger.ProductDraft},
		{"update renames", func(p *ledger.Product, in ledger.ProductInputs) error {
			r := productRequest()
			r.ID = "prod-2"
			return p.Update(lt.Operator, r, in, lt.Stamp(lt.Operator, lt.Days(21)))
		}, ledger.ErrInvalid, ledger.ProductDraft},
		{"update invalid", func(p *ledger.Product, in ledger.ProductInputs) error {
			r := productRequest()
			r.Receipts = []string{"r-9"}
			return p.Update(lt.Operator, r, in, lt.Stamp(lt.Operator, lt.Days(21)))
		}, ledger.ErrNotFound, ledger.ProductDraft},
		{"update in review", func(p *ledger.Product, in ledger.ProductInputs) error {
			_ = submit(p)
			return p.Update(lt.Operator, productRequest(), in, lt.Stamp(lt.Operator, lt.Days(21)))
		}, ledger.ErrConflict, ledger.ProductInReview},
		{"submit", func(p *ledger.Product, _ ledger.ProductInputs) error { return submit(p) }, nil, ledger.ProductInReview},
		{"submit by other", func(p *ledger.Product, _ ledger.ProductInputs) error {
			return p.Submit(lt.Authority, lt.Stamp(lt.Authority, lt.Days(21)))
		}, ledger.ErrForbidden, ledger.ProductDraft},
		{"submit twice", func(p *ledger.Product, _ ledger.ProductInputs) error { _ = submit(p); return submit(p) }, ledger.ErrConflict, ledger.ProductInReview},
		{"submit marked", func(p *ledger.Product, _ ledger.ProductInputs) error {
			p.Mark("grant-1", "", ledger.GrantSuspended, "audit", lt.Stamp(lt.Authority, lt.Days(21)))
			return submit(p)
		}, ledger.ErrRefused, ledger.ProductDraft},
		{"approve", func(p *ledger.Product, _ ledger.ProductInputs) error { return approve(p) }, nil, ledger.ProductApproved},
		{"approve without platform opinion", func(p *ledger.Product, _ ledger.ProductInputs) error {
			_ = submit(p)
			return p.Decide(lt.Authority, true, "", opinions[:1], lt.Stamp(lt.Authority, lt.Days(23)))
		}, ledger.ErrRefused, ledger.ProductInReview},
		{"approve with stale opinions", func(p *ledger.Product, _ ledger.ProductInputs) error {
			_ = submit(p)
			stale := []ledger.Opinion{opinion(ledger.RoleExpert, 20), opinion(ledger.RolePlatform, 20)}
			return p.Decide(lt.Authority, true, "", stale, lt.Stamp(lt.Authority, lt.Days(23)))
		}, ledger.ErrRefused, ledger.ProductInReview},
		{"approve marked", func(p *ledger.Product, _ ledger.ProductInputs) error {
			_ = submit(p)
			p.Mark("grant-1", "", ledger.GrantRevoked, "breach", lt.Stamp(lt.Authority, lt.Days(22)))
			return p.Decide(lt.Authority, true, "", opinions, lt.Stamp(lt.Authority, lt.Days(23)))
		}, ledger.ErrRefused, ledger.ProductInReview},
		{"reject returns to draft", func(p *ledger.Product, _ ledger.ProductInputs) error {
			_ = submit(p)
			return p.Decide(lt.Authority, false, "lineage unclear", nil, lt.Stamp(lt.Authority, lt.Days(23)))
		}, nil, ledger.ProductDraft},
		{"reject without reason", func(p *ledger.Product, _ ledger.ProductInputs) error {
			_ = submit(p)
			return p.Decide(lt.Authority, false, "", nil, lt.Stamp(lt.Authority, lt.Days(23)))
		}, ledger.ErrInvalid, ledger.ProductInReview},
		{"decide wrong party", func(p *ledger.Product, _ ledger.ProductInputs) error {
			_ = submit(p)
			return p.Decide(lt.Expert, true, "", opinions, lt.Stamp(lt.Expert, lt.Days(23)))
		}, ledger.ErrForbidden, ledger.ProductInReview},
		{"decide draft", func(p *ledger.Product, _ ledger.ProductInputs) error {
			return p.Decide(lt.Authority, true, "", opinions, lt.Stamp(lt.Authority, lt.Days(23)))
		}, ledger.ErrConflict, ledger.ProductDraft},
		{"request listing", func(p *ledger.Product, _ ledger.ProductInputs) error { return request(p) }, nil, ledger.ProductListingRequested},
		{"request listing by other", func(p *ledger.Product, _ ledger.ProductInputs) error {
			_ = approve(p)
			return p.RequestListing(lt.Exchange, lt.Stamp(lt.Exchange, lt.Days(24)))
		}, ledger.ErrNotFound, ledger.ProductApproved},
		{"request listing of a draft", func(p *ledger.Product, _ ledger.ProductInputs) error {
			return p.RequestListing(lt.Operator, lt.Stamp(lt.Operator, lt.Days(24)))
		}, ledger.ErrConflict, ledger.ProductDraft},
		{"request listing marked", func(p *ledger.Product, _ ledger.ProductInputs) error {
			_ = approve(p)
			p.Mark("grant-1", "sub-1", ledger.GrantRevoked, "breach", lt.Stamp(lt.Authority, lt.Days(24)))
			return p.RequestListing(lt.Operator, lt.Stamp(lt.Operator, lt.Days(24)))
		}, ledger.ErrRefused, ledger.ProductApproved},
		{"list", func(p *ledger.Product, _ ledger.ProductInputs) error { return list(p) }, nil, ledger.ProductListed},
		{"the owner sets its own registration number", func(p *ledger.Product, _ ledger.ProductInputs) error {
			_ = request(p)
			return p.ConfirmListing(lt.Operator, "HZDE-1", "", lt.Stamp(lt.Operator, lt.Days(24)))
		}, ledger.ErrForbidden, ledger.ProductListingRequested},
		{"the authority sets a registration number", func(p *ledger.Product, _ ledger.ProductInputs) error {
			_ = request(p)
			return p.ConfirmListing(lt.Authority, "HZDE-1", "", lt.Stamp(lt.Authority, lt.Days(24)))
		}, ledger.ErrForbidden, ledger.ProductListingRequested},
		{"the exchange confirms without a registration number", func(p *ledger.Product, _ ledger.ProductInputs) error {
			_ = request(p)
			return p.ConfirmListing(lt.Exchange, "", "", lt.Stamp(lt.Exchange, lt.Days(24)))
		}, ledger.ErrInvalid, ledger.ProductListingRequested},
		{"the exchange confirms a malformed number", func(p *ledger.Product, _ ledger.ProductInputs) error {
			_ = request(p)
			return p.ConfirmListing(lt.Exchange, "HZ DE\n1", "", lt.Stamp(lt.Exchange, lt.Days(24)))
		}, ledger.ErrInvalid, ledger.ProductListingRequested},
		{"the exchange confirms a number issued to another product", func(p *ledger.Product, _ ledger.ProductInputs) error {
			_ = request(p)
			return p.ConfirmListing(lt.Exchange, "HZDE-1", "prod-9", lt.Stamp(lt.Exchange, lt.Days(24)))
		}, ledger.ErrConflict, ledger.ProductListingRequested},
		{"the exchange confirms what nobody asked for", func(p *ledger.Product, _ ledger.ProductInputs) error {
			_ = approve(p)
			return p.ConfirmListing(lt.Exchange, "HZDE-1", "", lt.Stamp(lt.Exchange, lt.Days(24)))
		}, ledger.ErrNotFound, ledger.ProductApproved},
		{"the exchange confirms a product marked since the request", func(p *ledger.Product, _ ledger.ProductInputs) error {
			_ = request(p)
			p.Mark("grant-1", "", ledger.GrantSuspended, "audit", lt.Stamp(lt.Authority, lt.Days(24)))
			return p.ConfirmListing(lt.Exchange, "HZDE-1", "", lt.Stamp(lt.Exchange, lt.Days(24)))
		}, ledger.ErrRefused, ledger.ProductListingRequested},
		{"the exchange rejects", func(p *ledger.Product, _ ledger.ProductInputs) error {
			_ = request(p)
			return p.RejectListing(lt.Exchange, "description incomplete", lt.Stamp(lt.Exchange, lt.Days(24)))
		}, nil, ledger.ProductApproved},
		{"the exchange rejects without a reason", func(p *ledger.Product, _ ledger.ProductInputs) error {
			_ = request(p)
			return p.RejectListing(lt.Exchange, "", lt.Stamp(lt.Exchange, lt.Days(24)))
		}, ledger.ErrInvalid, ledger.ProductListingRequested},
		{"the owner rejects its own request", func(p *ledger.Product, _ ledger.ProductInputs) error {
			_ = request(p)
			return p.RejectListing(lt.Operator, "x", lt.Stamp(lt.Operator, lt.Days(24)))
		}, ledger.ErrForbidden, ledger.ProductListingRequested},
		{"the exchange rejects a relisting", func(p *ledger.Product, _ ledger.ProductInputs) error {
			_ = list(p)
			_ = p.Delist(lt.Operator, "pause", lt.Stamp(lt.Operator, lt.Days(25)))
			_ = p.RequestListing(lt.Operator, lt.Stamp(lt.Operator, lt.Days(26)))
			return p.RejectListing(lt.Exchange, "not now", lt.Stamp(lt.Exchange, lt.Days(26)))
		}, nil, ledger.ProductDelisted},
		{"delist by owner", func(p *ledger.Product, _ ledger.ProductInputs) error {
			_ = list(p)
			return p.Delist(lt.Operator, "retired", lt.Stamp(lt.Operator, lt.Days(25)))
		}, nil, ledger.ProductDelisted},
		{"delist by authority", func(p *ledger.Product, _ ledger.ProductInputs) error {
			_ = list(p)
			return p.Delist(lt.Authority, "complaint", lt.Stamp(lt.Authority, lt.Days(25)))
		}, nil, ledger.ProductDelisted},
		{"delist by the exchange", func(p *ledger.Product, _ ledger.ProductInputs) error {
			_ = list(p)
			return p.Delist(lt.Exchange, "trading suspended", lt.Stamp(lt.Exchange, lt.Days(25)))
		}, nil, ledger.ProductDelisted},
		{"delist by other", func(p *ledger.Product, _ ledger.ProductInputs) error {
			_ = list(p)
			return p.Delist(lt.Regulator, "x", lt.Stamp(lt.Regulator, lt.Days(25)))
		}, ledger.ErrForbidden, ledger.ProductListed},
		{"delist without reason", func(p *ledger.Product, _ ledger.ProductInputs) error {
			_ = list(p)
			return p.Delist(lt.Operator, "", lt.Stamp(lt.Operator, lt.Days(25)))
		}, ledger.ErrInvalid, ledger.ProductListed},
		{"delist unlisted", func(p *ledger.Product, _ ledger.ProductInputs) error {
			return p.Delist(lt.Operator, "x", lt.Stamp(lt.Operator, lt.Days(25)))
		}, ledger.ErrConflict, ledger.ProductDraft},
		{"relist under its former number", func(p *ledger.Product, _ ledger.ProductInputs) error {
			_ = list(p)
			_ = p.Delist(lt.Operator, "pause", lt.Stamp(lt.Operator, lt.Days(25)))
			_ = p.RequestListing(lt.Operator, lt.Stamp(lt.Operator, lt.Days(26)))
			return p.ConfirmListing(lt.Exchange, "HZDE-2025-0001", p.ID, lt.Stamp(lt.Exchange, lt.Days(26)))
		}, nil, ledger.ProductListed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, in := draftProduct(t)
			wantErr(t, tt.act(p, in), tt.want)
			if p.Status != tt.status {
				t.Errorf("got %s, want %s", p.Status, tt.status)
			}
		})
	}
}

func TestProductMarks(t *testing.T) {
	p, _ := draftProduct(t)
	p.Status = ledger.ProductListed
	st := lt.Stamp(lt.Authority, lt.Days(30))
	if !p.Mark("grant-1", "", ledger.GrantSuspended, "audit", st) {
		t.Fatal("got no change from the first mark, want one")
	}
	if p.Status != ledger.ProductDelisted || len(p.Blocking()) != 1 {
		t.Errorf("got %s with %d blocking marks, want delisted with 1", p.Status, len(p.Blocking()))
	}
	if p.Mark("grant-1", "", ledger.GrantSuspended, "audit", st) {
		t.Error("got a change from a repeated mark, want none")
	}
	if !p.ClearSuspension("grant-1", lt.Stamp(lt.Authority, lt.Days(31))) || len(p.Blocking()) != 0 {
		t.Errorf("got %d blocking marks after resumption, want 0", len(p.Blocking()))
	}
	if p.ClearSuspension("grant-1", st) {
		t.Error("got a change from clearing twice, want none")
	}
	p.Mark("grant-1", "", ledger.GrantRevoked, "breach", st)
	p.ClearSuspension("grant-1", st)
	if len(p.Blocking()) != 1 {
		t.Errorf("got %d blocking marks, want the revocation to stay", len(p.Blocking()))
	}
	if len(p.Marks) != 2 {
		t.Errorf("got %d marks, want both kept visible", len(p.Marks))
	}
}

func TestProductVisibilityAndSummary(t *testing.T) {
	p, _ := draftProduct(t)
	for _, tt := range []struct {
		caller ledger.Actor
		want   bool
	}{{lt.Operator, true}, {lt.Expert, true}, {lt.Platform, true}, {lt.Regulator, true}, {lt.Health, false}, {lt.Stranger, false}} {
		if got := p.VisibleTo(tt.caller); got != tt.want {
			t.Errorf("draft, %s: got %v, want %v", tt.caller.MSP, got, tt.want)
		}
	}
	p.Status = ledger.ProductListed
	if !p.VisibleTo(lt.Stranger) {
		t.Error("got a listed product hidden, want it public")
	}
	if s := p.Summary(); s.ID != "prod-1" || len(s.Grants) != 1 {
		t.Errorf("got summary %+v, want prod-1 with its grant", s)
	}
}
