//go:build e2e

package e2e

import (
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/grantledger/grantledger/api"
	"github.com/grantledger/grantledger/client"
	"github.com/grantledger/grantledger/ledger"
	lt "github.com/grantledger/grantledger/ledger/ledgertest"
)

// Data products: the operator registers a product built from its grants
// and receipts, experts and the platform give opinions, the authority
// decides, the operator lists it on the exchange, the regulator follows
// its provenance back to the providers, and a revocation of a grant marks
// and delists the products built from it.

// productsAndProvenance registers a product built from the grant and its
// receipts, takes it through review with the individual expert's and the
// platform's opinions to its listing with the exchange's registration
// number, follows its provenance back to the providers, then revokes the
// grant: the product is marked and delisted, cannot be listed again, and no
// further use of the grant is accepted.
func (p *process) productsAndProvenance(t *testing.T) {
	ctx := t.Context()
	auth, op := p.as(p.authority), p.as(p.operator)
	p.product = p.id("prod")
	pr, err := op.RegisterProduct(ctx, ledger.ProductRequest{
		ID: p.product, Type: ledger.ProductModel, Name: "SME credit model",
		DescriptionDigest: lt.Digest("model card " + p.run), Grants: []string{p.grant}, Receipts: p.receipts,
	})
	ok(t, err, "register product %s", p.product)
	p.emitted(t, "product.registered", pr.ID, pr.Created)
	productTx := pr.Created.TxID
	pr, err = op.SubmitProduct(ctx, p.product)
	ok(t, err, "submit product %s", p.product)
	p.emitted(t, "product.in-review", pr.ID, pr.Updated)
	_, err = p.expert.DecideProduct(ctx, ledger.ProductDecision{ID: p.product, Approve: true})
	wantErr(t, "the authority's expert approves a product", err, client.ErrForbidden, "only the authority decides")
	_, err = auth.DecideProduct(ctx, ledger.ProductDecision{ID: p.product, Approve: true})
	wantErr(t, "approve a product without opinions", err, client.ErrRefused, "no expert opinion")

	p.opinion(t, p.expert, p.authority, ledger.RoleExpert, p.id("op-expert"))
	p.opinion(t, p.as(p.platform), p.platform, ledger.RolePlatform, p.id("op-platform"))
	pr, err = auth.DecideProduct(ctx, ledger.ProductDecision{ID: p.product, Approve: true})
	ok(t, err, "approve product %s", p.product)
	p.emitted(t, "product.approved", pr.ID, pr.Updated)
	registration := "HZDE-" + p.run
	_, err = op.ConfirmListing(ctx, p.product, registration)
	wantErr(t, "the operator sets its product's registration number", err, client.ErrForbidden, "only a data exchange")
	_, err = p.as(p.exchange).ConfirmListing(ctx, p.product, registration)
	wantErr(t, "the exchange lists a product its owner did not offer", err, client.ErrNotFound, p.product)
	pr, err = op.RequestListing(ctx, p.product)
	ok(t, err, "offer product %s to the exchange", p.product)
	p.emitted(t, "product.listing-requested", pr.ID, pr.Updated)
	if pr.Status != ledger.ProductListingRequested || pr.RegistrationNo != "" {
		t.Errorf("offered product: got %s with registration %q, want %s without one", pr.Status, pr.RegistrationNo, ledger.ProductListingRequested)
	}
	pr, err = p.as(p.exchange).ConfirmListing(ctx, p.product, registration)
	ok(t, err, "the exchange lists product %s", p.product)
	p.emitted(t, "product.listed", pr.ID, pr.Updated)
	if pr.Status != ledger.ProductListed || pr.RegistrationNo != registration || pr.Exchange != p.exchange || pr.Updated.MSP != p.exchange {
		t.Errorf("listed product: got %s under %q by %q (stamped by %s), want %s under %s by %s", pr.Status, pr.RegistrationNo, pr.Exchange, pr.Updated.MSP, ledger.ProductListed, registration, p.exchange)
	}
	if s, found := p.disclosedProduct(t); !found || s.RegistrationNo != registration || s.Owner != p.operator {
		t.Fatalf("disclosed product %s: got %+v (found %t), want it listed by %s under %s", p.product, s, found, p.operator, registration)
	}

	t.Run("provenance", func(t *testing.T) { p.provenance(t, productTx) })

	t.Run("revocation marks the product and stops use", p.revocationMarksProduct)
}

// opinion records an opinion recommending approval of the run's product
// through c, whose identity is of the MSP msp and acts in role.
func (p *process) opinion(t *testing.T, c *client.Client, msp string, role ledger.Role, id string) {
	t.Helper()
	o, err := c.RecordOpinion(t.Context(), ledger.OpinionRequest{
		ID: id, SubjectType: ledger.SubjectProduct, SubjectID: p.product, Recommendation: ledger.RecommendApprove, Digest: lt.Digest("opinion " + id),
	})
	ok(t, err, "%s records opinion %s", msp, id)
	if o.Author != msp || o.AuthorRole != role || o.AuthorClient != o.Created.Client {
		t.Errorf("opinion %s: got author %s %q as %s, want %s as %s and the identity that recorded it", id, o.Author, o.AuthorClient, o.AuthorRole, msp, role)
	}
	p.emitted(t, "opinion.recorded", o.ID, o.Created)
}

// provenance has the regulator follow the product, registered in
// transaction productTx, back through its receipts, grant and datasets to
// their providers, each step with the transaction that recorded it.
func (p *process) provenance(t *testing.T, productTx string) {
	ctx, reg := t.Context(), p.as(p.regulator)
	prov, err := reg.GetProvenance(ctx, p.product)
	ok(t, err, "provenance of %s", p.product)
	if prov.Product.ID != p.product || prov.Product.TxID != productTx || prov.Product.Party != p.operator {
		t.Errorf("provenance product: got %+v, want %s by %s in tx %s", prov.Product, p.product, p.operator, productTx)
	}
	p.wantProvenance(t, prov, p.health, p.market)
	for _, d := range prov.Datasets {
		if d.LastTxID == "" {
			t.Errorf("provenance dataset %s: got created in %q, last changed in %q, want a last change", d.ID, d.TxID, d.LastTxID)
		}
	}
	for _, pv := range prov.Providers {
		registered, err := reg.GetParticipant(ctx, pv.ID)
		ok(t, err, "get participant %s", pv.ID)
		if pv.TxID == "" || pv.TxID != registered.Created.TxID {
			t.Errorf("provenance provider %s: got tx %q, want its registration %s", pv.ID, pv.TxID, registered.Created.TxID)
		}
	}
}

// revocationMarksProduct has the authority revoke the grant: the product
// built from it is marked and delisted, cannot be listed again, and no
// further use of the grant is accepted.
func (p *process) revocationMarksProduct(t *testing.T) {
	ctx := t.Context()
	auth, op, reg := p.as(p.authority), p.as(p.operator), p.as(p.regulator)
	g, err := auth.RevokeGrant(ctx, p.grant, "breach of agreement")
	ok(t, err, "revoke grant %s", p.grant)
	// The revocation reads no product (so no product update can make it
	// fail); the product's mark is read from the grant's status.
	p.emitted(t, "grant.revoked", g.ID, g.Updated)
	pr, err := reg.GetProduct(ctx, p.product)
	ok(t, err, "get product %s", p.product)
	if pr.Status != ledger.ProductDelisted || len(pr.Marks) != 1 || pr.Marks[0].GrantID != p.grant || pr.Marks[0].Change != ledger.GrantRevoked ||
		pr.Marks[0].Reason != "breach of agreement" || pr.Marks[0].Cleared.TxID != "" {
		t.Errorf("product after the revocation: got %s with marks %+v, want it delisted with an uncleared mark of the revocation of %s", pr.Status, pr.Marks, p.grant)
	}
	if s, found := p.disclosedProduct(t); found {
		t.Errorf("disclosed products after the revocation: got %+v, want %s no longer listed", s, p.product)
	}
	_, err = op.RequestListing(ctx, p.product)
	wantErr(t, "offer the marked product to the exchange again", err, client.ErrRefused, "marked")
	p.usable = secondAfter(g.Updated.Time)
	late := p.receipt(p.statement(p.id("r-late"), 1))
	_, err = op.SubmitReceipt(ctx, late)
	wantErr(t, "a receipt of a use after the revocation", err, client.ErrRefused, p.grant)
}

// disclosedProduct looks for the run's product in the public list of
// listed products.
func (p *process) disclosedProduct(t *testing.T) (ledger.ProductSummary, bool) {
	t.Helper()
	return lookInPages(t, "disclosed products", p.as(p.health).DisclosedProducts, func(s ledger.ProductSummary) bool { return s.ID == p.product })
}

// opinion records an opinion recommending the run's product, as an
// organisation's user.
func (p *apiProcess) opinion(t *testing.T, o *apiOrg, user, id string) {
	t.Helper()
	var op ledger.Opinion
	p.write(t, o, apiRequest{method: http.MethodPost, path: "/v1/opinions", user: user, body: obj{
		"id": id, "subjectType": "product", "subjectId": p.product, "recommendation": "approve", "digest": lt.Digest("opinion " + id),
	}}, http.StatusCreated, "opinion.recorded", &op)
	if op.ID != id || op.SubjectID != p.product {
		t.Errorf("recorded opinion: got %s on %s, want %s on %s", op.ID, op.SubjectID, id, p.product)
	}
}

// productThroughAPI has the operator register a product built from the
// grant and its receipts and submit it for review; the platform and an
// expert give their opinions, the authority approves it, the operator
// offers it to the data exchange, which rejects it once and then lists it
// under the registration number it issues, where the public finds it.
// Without an expert the authority's approval is refused; a registration
// number from the operator is refused.
func (p *apiProcess) productThroughAPI(t *testing.T) {
	p.product = p.id("prod")
	var pr ledger.Product
	p.write(t, p.operator, apiRequest{method: http.MethodPost, path: "/v1/products", body: obj{
		"id": p.product, "type": "model", "name": "SME credit model",
		"descriptionDigest": lt.Digest("model card " + p.run), "grants": []string{p.grant}, "receipts": p.receipts,
	}}, http.StatusCreated, "product.registered", &pr)
	if pr.Status != ledger.ProductDraft || pr.Owner != p.operator.msp {
		t.Errorf("registered product: got %s owned by %s, want %s owned by %s", pr.Status, pr.Owner, ledger.ProductDraft, p.operator.msp)
	}
	p.write(t, p.operator, apiRequest{method: http.MethodPost, path: "/v1/products/" + p.product + "/submit"}, http.StatusOK, "product.in-review", &pr)
	p.opinion(t, p.platform, "User1", p.id("op-platform"))
	review := apiRequest{method: http.MethodPost, path: "/v1/products/" + p.product + "/review", body: obj{"approve": true}}
	a := p.authority.do(t, review)
	wantAPIError(t, a, http.StatusUnprocessableEntity, "refused", "", "expert")
	p.opinion(t, p.authority, "User2", p.id("op-expert"))
	page := page[ledger.Opinion]{}
	p.get(t, p.regulator, "/v1/opinions?subject=product/"+p.product, &page)
	if len(page.Items) != 2 {
		t.Errorf("opinions on %s: got %d, want the platform's and the expert's", p.product, len(page.Items))
	}
	p.write(t, p.authority, review, http.StatusOK, "product.approved", &pr)
	p.listOnExchange(t)
	p.listed = true
	apiFind(t, p.health, "/v1/disclosure/products", func(s ledger.ProductSummary) bool { return s.ID == p.product })
}

// audit has the regulator follow the product's provenance back to the
// providers, and read the grant's history, whole and a page at a time.
func (p *apiProcess) audit(t *testing.T) {
	var pr ledger.Product
	p.get(t, p.regulator, "/v1/products/"+p.product, &pr)
	t.Run("provenance", func(t *testing.T) {
		var prov ledger.Provenance
		p.get(t, p.regulator, "/v1/products/"+p.product+"/provenance", &prov)
		if prov.Product.ID != p.product || prov.Product.Party != p.operator.msp || prov.Product.TxID != pr.Created.TxID || prov.Product.Status != string(pr.Status) {
			t.Errorf("provenance product: got %+v, want %s by %s created in %s, %s", prov.Product, p.product, p.operator.msp, pr.Created.TxID, pr.Status)
		}
		p.wantProvenance(t, &prov, p.health.msp, p.market.msp)
	})
	t.Run("history", func(t *testing.T) {
		var g ledger.Grant
		p.get(t, p.regulator, "/v1/grants/"+p.grant, &g)
		var all api.HistoryPage
		p.get(t, p.regulator, "/v1/grants/"+p.grant+"/history?pageSize=100", &all)
		n := len(all.Items)
		// Issued, approved by one provider, activated by the other, at least.
		if n < 3 || all.Bookmark != "" || all.Items[0].TxID != g.Updated.TxID || all.Items[n-1].TxID != p.grantTx {
			t.Fatalf("history of %s: got %d versions (bookmark %q), newest %s, oldest %s; want at least 3, newest %s, oldest the issuance %s",
				p.grant, n, all.Bookmark, all.Items[0].TxID, all.Items[n-1].TxID, g.Updated.TxID, p.grantTx)
		}
		for i := 1; i < n; i++ {
			if all.Items[i].Time.After(all.Items[i-1].Time) || all.Items[i].Deleted {
				t.Errorf("history of %s: version %d (%s at %v) is deleted or newer than version %d", p.grant, i, all.Items[i].TxID, all.Items[i].Time, i-1)
			}
		}
		var paged []string
		path := "/v1/grants/" + p.grant + "/history?pageSize=2"
		for range n {
			var page api.HistoryPage
			p.get(t, p.regulator, path, &page)
			for _, e := range page.Items {
				paged = append(paged, e.TxID)
			}
			if page.Bookmark == "" {
				break
			}
			path = "/v1/grants/" + p.grant + "/history?pageSize=2&bookmark=" + url.QueryEscape(page.Bookmark)
		}
		var whole []string
		for _, e := range all.Items {
			whole = append(whole, e.TxID)
		}
		if !slices.Equal(paged, whole) {
			t.Errorf("history of %s two at a time: got %v, want %v", p.grant, paged, whole)
		}
	})
}

// revokeAndMark has the authority revoke the grant: the product built from
// it is marked (and delisted if it was listed), and no later use of the
// grant is accepted.
func (p *apiProcess) revokeAndMark(t *testing.T) {
	var g ledger.Grant
	p.write(t, p.authority, apiRequest{method: http.MethodPost, path: "/v1/grants/" + p.grant + "/revoke",
		body: obj{"reason": "breach of agreement"}}, http.StatusOK, "grant.revoked", &g)
	if g.Status != ledger.GrantRevoked {
		t.Fatalf("revoked grant: got %s, want %s", g.Status, ledger.GrantRevoked)
	}
	want := ledger.ProductInReview
	if p.listed {
		want = ledger.ProductDelisted
	}
	var pr ledger.Product
	p.get(t, p.operator, "/v1/products/"+p.product, &pr)
	if pr.Status != want || len(pr.Marks) != 1 || pr.Marks[0].GrantID != p.grant || pr.Marks[0].Change != ledger.GrantRevoked {
		t.Errorf("product after the revocation: got %s with marks %+v, want %s marked by the revocation of %s", pr.Status, pr.Marks, want, p.grant)
	}
	p.usable = secondAfter(g.Updated.Time)
	late := p.statement(p.id("r-late"), 1)
	a := p.operator.do(t, apiRequest{method: http.MethodPost, path: "/v1/receipts", body: p.receiptBody(late)})
	wantAPIError(t, a, http.StatusUnprocessableEntity, "refused", "", "revoked")
}

// wantProvenance checks the provenance of the run's product from its
// receipts back: the run's receipts, signed by its attestor under its
// grant; the grant, issued in grantTx from both datasets; the datasets,
// created in the transactions the run saw; and their providers.
func (r *grantRun) wantProvenance(t *testing.T, prov *ledger.Provenance, providers ...string) {
	t.Helper()
	if got := stepIDs(prov.Receipts); !sameSet(got, r.receipts) {
		t.Errorf("provenance receipts: got %v, want %v", got, r.receipts)
	}
	for _, rc := range prov.Receipts {
		if rc.Party != r.attestor.Address() || !slices.Equal(rc.From, []string{r.grant}) {
			t.Errorf("provenance receipt %s: got signer %s from %v, want %s from %s", rc.ID, rc.Party, rc.From, r.attestor.Address(), r.grant)
		}
	}
	if len(prov.Grants) != 1 || prov.Grants[0].ID != r.grant || prov.Grants[0].TxID != r.grantTx || !sameSet(prov.Grants[0].From, []string{r.visits, r.loans}) {
		t.Errorf("provenance grants: got %+v, want %s issued in tx %s from %s and %s", prov.Grants, r.grant, r.grantTx, r.visits, r.loans)
	}
	if got := stepIDs(prov.Datasets); !sameSet(got, []string{r.visits, r.loans}) {
		t.Errorf("provenance datasets: got %v, want %s and %s", got, r.visits, r.loans)
	}
	for _, d := range prov.Datasets {
		if d.TxID != r.datasetTx[d.ID] {
			t.Errorf("provenance dataset %s: got created in %q, want %q", d.ID, d.TxID, r.datasetTx[d.ID])
		}
	}
	if got := stepIDs(prov.Providers); !sameSet(got, providers) {
		t.Errorf("provenance providers: got %v, want %v", got, providers)
	}
}

// listOnExchange takes the run's approved product to the data exchange
// through the APIs: the operator's own registration number is refused, at
// the API and at the contract; the exchange sees the offer among the
// products waiting for it, rejects it once with a reason, and lists it
// when offered again, under the number it issues.
func (p *apiProcess) listOnExchange(t *testing.T) {
	var pr ledger.Product
	registration := "HZDE-" + p.run
	offer := apiRequest{method: http.MethodPost, path: "/v1/products/" + p.product + "/list"}
	a := p.operator.do(t, apiRequest{method: offer.method, path: offer.path, body: obj{"registrationNo": registration}})
	wantAPIError(t, a, http.StatusBadRequest, "invalid", "", "the data exchange issues the registration number")
	confirm := apiRequest{method: http.MethodPost, path: "/v1/products/" + p.product + "/listing/confirm", body: obj{"registrationNo": registration}}
	a = p.operator.do(t, confirm)
	wantAPIError(t, a, http.StatusForbidden, "forbidden", "", "only a data exchange")

	p.write(t, p.operator, offer, http.StatusOK, "product.listing-requested", &pr)
	if pr.Status != ledger.ProductListingRequested {
		t.Errorf("offered product: got %s, want %s", pr.Status, ledger.ProductListingRequested)
	}
	apiFind(t, p.exchange, "/v1/products?status="+string(ledger.ProductListingRequested), func(q ledger.Product) bool { return q.ID == p.product })
	p.write(t, p.exchange, apiRequest{method: http.MethodPost, path: "/v1/products/" + p.product + "/listing/reject",
		body: obj{"reason": "材料不全：缺少数据来源说明"}}, http.StatusOK, "product.listing-rejected", &pr)
	if pr.Status != ledger.ProductApproved || pr.StatusReason != "材料不全：缺少数据来源说明" || pr.Exchange != p.exchange.msp {
		t.Errorf("rejected listing: got %s (%q) by %q, want %s with the exchange's reason", pr.Status, pr.StatusReason, pr.Exchange, ledger.ProductApproved)
	}
	p.write(t, p.operator, offer, http.StatusOK, "product.listing-requested", &pr)
	p.write(t, p.exchange, confirm, http.StatusOK, "product.listed", &pr)
	if pr.Status != ledger.ProductListed || pr.RegistrationNo != registration || pr.Exchange != p.exchange.msp {
		t.Errorf("listed product: got %s with registration %q by %q, want %s with %s by %s", pr.Status, pr.RegistrationNo, pr.Exchange, ledger.ProductListed, registration, p.exchange.msp)
	}
}
