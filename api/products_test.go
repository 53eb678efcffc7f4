package api

import (
	"context"

	"github.com/grantledger/grantledger/ledger"
)

// fakeProducts is the data products (ProductLedger) at the process boundary.
type fakeProducts struct{ fake }

func (f fakeProducts) RegisterProduct(ctx context.Context, req ledger.ProductRequest) (*ledger.Product, error) {
	return answer(f.fake, ctx, "RegisterProduct", &ledger.Product{ID: req.ID}, req)
}
func (f fakeProducts) UpdateProduct(ctx context.Context, req ledger.ProductRequest) (*ledger.Product, error) {
	return answer(f.fake, ctx, "UpdateProduct", &ledger.Product{ID: req.ID}, req)
}
func (f fakeProducts) SubmitProduct(ctx context.Context, id string) (*ledger.Product, error) {
	return answer(f.fake, ctx, "SubmitProduct", &ledger.Product{ID: id}, id)
}
func (f fakeProducts) DecideProduct(ctx context.Context, req ledger.ProductDecision) (*ledger.Product, error) {
	return answer(f.fake, ctx, "DecideProduct", &ledger.Product{ID: req.ID}, req)
}
func (f fakeProducts) RequestListing(ctx context.Context, id string) (*ledger.Product, error) {
	return answer(f.fake, ctx, "RequestListing", &ledger.Product{ID: id}, id)
}
func (f fakeProducts) ConfirmListing(ctx context.Context, id, registrationNo string) (*ledger.Product, error) {
	return answer(f.fake, ctx, "ConfirmListing", &ledger.Product{ID: id}, id, registrationNo)
}
func (f fakeProducts) RejectListing(ctx context.Context, id, reason string) (*ledger.Product, error) {
	return answer(f.fake, ctx, "RejectListing", &ledger.Product{ID: id}, id, reason)
}
func (f fakeProducts) DelistProduct(ctx context.Context, id, reason string) (*ledger.Product, error) {
	return answer(f.fake, ctx, "DelistProduct", &ledger.Product{ID: id}, id, reason)
}
func (f fakeProducts) GetProduct(ctx context.Context, id string) (*ledger.Product, error) {
	return answer(f.fake, ctx, "GetProduct", &ledger.Product{ID: id}, id)
}
func (f fakeProducts) QueryProducts(ctx context.Context, q ledger.Query) (*ledger.ProductPage, error) {
	return answer(f.fake, ctx, "QueryProducts", &ledger.ProductPage{Items: []ledger.Product{}}, q)
}
