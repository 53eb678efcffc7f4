package api

import (
	"context"
	"strings"

	"github.com/grantledger/grantledger/ledger"
)

// fakeAttestors is the attestors (AttestorLedger) at the process boundary.
type fakeAttestors struct{ fake }

func (f fakeAttestors) RegisterAttestor(ctx context.Context, req ledger.AttestorRequest) (*ledger.Attestor, error) {
	return answer(f.fake, ctx, "RegisterAttestor", &ledger.Attestor{Address: strings.ToLower(req.Address)}, req)
}
func (f fakeAttestors) RetireAttestor(ctx context.Context, address, reason string) (*ledger.Attestor, error) {
	return answer(f.fake, ctx, "RetireAttestor", &ledger.Attestor{Address: address}, address, reason)
}
func (f fakeAttestors) GetAttestor(ctx context.Context, address string) (*ledger.Attestor, error) {
	return answer(f.fake, ctx, "GetAttestor", &ledger.Attestor{Address: address}, address)
}
func (f fakeAttestors) QueryAttestors(ctx context.Context, q ledger.Query) (*ledger.AttestorPage, error) {
	return answer(f.fake, ctx, "QueryAttestors", &ledger.AttestorPage{Items: []ledger.Attestor{}}, q)
}
