package ledger_test

import (
	"testing"

	"github.com/grantledger/grantledger/ledger"
	lt "github.com/grantledger/grantledger/ledger/ledgertest"
)

// listedProduct is the operator's product built on grant-1 (visits of
// health, loans of market), listed.
func listedProduct() *ledger.Product {
	return &ledger.Product{ID: "prod-1", Owner: lt.OperatorMSP, Grants: []string{"grant-1"}, Status: ledger.ProductListed}
}

func splitInputs(w *lt.World, p *ledger.Product) ledger.BenefitSplitInputs {
	return ledger.BenefitSplitInputs{Product: p, Grants: []*ledger.Grant{w.Grant}, Participants: w.Participants}
}

// fourWay gives health 40 %, market 25 %, the platform 5 % and the operator 30 %.
func fourWay() ledger.BenefitSplitRequest {
	return ledger.BenefitSplitRequest{ProductID: "prod-1", Parties: []ledger.BenefitShareRequest{
		{MSP: lt.OperatorMSP, BasisPoints: 3000}, {MSP: lt.HealthMSP, BasisPoints: 4000},
		{MSP: lt.PlatformMSP, BasisPoints: 500}, {MSP: lt.MarketMSP, BasisPoints: 2500}}}
}

func TestSplitAmountSumsExactly(t *testing.T) {
	parties := func(bps ...uint64) []ledger.BenefitParty {
		var out []ledger.BenefitParty
		for _, b := range bps {
			out = append(out, ledger.BenefitParty{BasisPoints: b})
		}
		return out
	}
	for _, tt := range []struct {
		name   string
		amount uint64
		bps    []uint64
		want   []uint64
	}{
		{"exact", 10000, []uint64{4000, 2500, 500, 3000}, []uint64{4000, 2500, 500, 3000}},
		// 1 fen × 1/3 each: 0.3333 each, the one fen left to the first.
		{"one fen in thirds", 1, []uint64{3334, 3333, 3333}, []uint64{1, 0, 0}},
		// 100 fen: 33.34, 33.33, 33.33 → 33 each and the fen left to the largest remainder.
		{"thirds", 100, []uint64{3334, 3333, 3333}, []uint64{34, 33, 33}},
		// 10001 fen: 6000.6, 1000.1, 3000.3 → the fen left to the .6.
		{"largest remainder", 10001, []uint64{6000, 1000, 3000}, []uint64{6001, 1000, 3000}},
		// 7 fen at 50 % each: 3.5 each, the tie to the earlier party.
		{"tie", 7, []uint64{5000, 5000}, []uint64{4, 3}},
		{"all to one", ledger.MaxFeeAmount, []uint64{0, 10000, 0}, []uint64{0, ledger.MaxFeeAmount, 0}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := ledger.SplitAmount(tt.amount, parties(tt.bps...))
			var sum uint64
			for i := range got {
				sum += got[i]
				if got[i] != tt.want[i] {
					t.Errorf("got %v, want %v", got, tt.want)
					break
				}
			}
			if sum != tt.amount {
				t.Errorf("shares sum to %d, want %d", sum, tt.amount)
			}
		})
	}
}

func TestProposeBenefitSplitRefusals(t *testing.T) {
	w := lt.NewWorld(t)
	at := lt.Days(20)
	for _, tt := range []struct {
		name   string
		caller ledger.Actor
		change func(*ledger.BenefitSplitRequest)
		want   error
	}{
		{"the operator", lt.Operator, func(*ledger.BenefitSplitRequest) {}, nil},
		{"a provider", lt.Health, func(*ledger.BenefitSplitRequest) {}, ledger.ErrForbidden},
		{"shares short of 10000", lt.Operator, func(r *ledger.BenefitSplitRequest) { r.Parties[0].BasisPoints-- }, ledger.ErrInvalid},
		{"shares over 10000", lt.Operator, func(r *ledger.BenefitSplitRequest) { r.Parties[0].BasisPoints++ }, ledger.ErrInvalid},
		{"a provider left out", lt.Operator, func(r *ledger.BenefitSplitRequest) {
			r.Parties = r.Parties[:3]
			r.Parties[0].BasisPoints += 2500
		}, ledger.ErrRefused},
		{"a stranger named", lt.Operator, func(r *ledger.BenefitSplitRequest) { r.Parties[2].MSP = lt.DeveloperMSP }, ledger.ErrRefused},
		{"a party twice", lt.Operator, func(r *ledger.BenefitSplitRequest) { r.Parties[3].MSP = lt.HealthMSP }, ledger.ErrInvalid},
		{"no platform", lt.Operator, func(r *ledger.BenefitSplitRequest) {
			r.Parties = append(r.Parties[:2], r.Parties[3])
			r.Parties[0].BasisPoints += 500
		}, ledger.ErrRefused},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req := fourWay()
			tt.change(&req)
			_, err := ledger.ProposeBenefitSplit(tt.caller, req, splitInputs(w, listedProduct()), lt.Stamp(tt.caller, at))
			wantErr(t, err, tt.want)
		})
	}
}

// The split is agreed by each party named; revenue is recorded on a listed
// product once it is, and split into shares each party alone reads.
func TestBenefitSharing(t *testing.T) {
	w := lt.NewWorld(t)
	p := listedProduct()
	at := lt.Stamp(lt.Operator, lt.Days(20))
	s, err := ledger.ProposeBenefitSplit(lt.Operator, fourWay(), splitInputs(w, p), at)
	wantErr(t, err, nil)
	if s.Parties[0].MSP != lt.HealthMSP || s.Parties[1].MSP != lt.MarketMSP || s.Parties[2].Role != ledger.RolePlatform || s.Parties[3].Role != ledger.RoleOperator {
		t.Errorf("parties %+v, want the providers, then the platform, then the operator", s.Parties)
	}
	rev := ledger.RevenueRequest{ID: "rev-1", ProductID: "prod-1", Period: "2025-01", Amount: 123457, ReferenceDigest: lt.Digest("settlement")}
	_, _, err = ledger.RecordRevenue(lt.Operator, rev, ledger.RevenueInputs{Product: p, Split: s}, at)
	wantErr(t, err, ledger.ErrRefused) // nobody agreed
	for _, c := range []ledger.Actor{lt.Health, lt.Market, lt.Platform} {
		wantErr(t, s.Agree(c, lt.Stamp(c, at.Time)), nil)
	}
	wantErr(t, s.Agree(lt.Health, lt.Stamp(lt.Health, at.Time)), ledger.ErrConflict)
	wantErr(t, s.Agree(lt.Authority, lt.Stamp(lt.Authority, at.Time)), ledger.ErrForbidden)
	wantErr(t, s.Agree(lt.Developer, lt.Stamp(lt.Developer, at.Time)), ledger.ErrNotFound)
	_, _, err = ledger.RecordRevenue(lt.Operator, rev, ledger.RevenueInputs{Product: p, Split: s}, at)
	wantErr(t, err, ledger.ErrRefused) // the operator has not agreed yet
	wantErr(t, s.Agree(lt.Operator, at), nil)
	if s.Status != ledger.SplitAgreed {
		t.Fatalf("split %s after every party agreed, want agreed", s.Status)
	}
	_, err = ledger.ProposeBenefitSplit(lt.Operator, fourWay(), ledger.BenefitSplitInputs{Existing: s, Product: p, Grants: []*ledger.Grant{w.Grant}, Participants: w.Participants}, at)
	wantErr(t, err, ledger.ErrConflict)

	draft := *p
	draft.Status = ledger.ProductApproved
	_, _, err = ledger.RecordRevenue(lt.Operator, rev, ledger.RevenueInputs{Product: &draft, Split: s}, at)
	wantErr(t, err, ledger.ErrRefused)
	_, _, err = ledger.RecordRevenue(lt.Health, rev, ledger.RevenueInputs{Product: p, Split: s}, lt.Stamp(lt.Health, at.Time))
	wantErr(t, err, ledger.ErrForbidden)
	future := rev
	future.Period = "2025-02"
	_, _, err = ledger.RecordRevenue(lt.Operator, future, ledger.RevenueInputs{Product: p, Split: s}, at)
	wantErr(t, err, ledger.ErrInvalid)

	r, s2, err := ledger.RecordRevenue(lt.Operator, rev, ledger.RevenueInputs{Product: p, Split: s}, at)
	wantErr(t, err, nil)
	// 123457 fen: 49382.8, 30864.25, 6172.85, 37037.1 → rounded down 123455,
	// the two fen left to the platform's .85 and health's .8.
	want := map[string]uint64{lt.HealthMSP: 49383, lt.MarketMSP: 30864, lt.PlatformMSP: 6173, lt.OperatorMSP: 37037}
	var sum uint64
	for _, sh := range r.Shares {
		sum += sh.Amount
		if sh.Amount != want[sh.Party] {
			t.Errorf("%s's share: got %d, want %d", sh.Party, sh.Amount, want[sh.Party])
		}
		for _, c := range []ledger.Actor{lt.Health, lt.Market, lt.Platform, lt.Operator} {
			if got := sh.VisibleTo(c); got != (c.MSP == sh.Party) {
				t.Errorf("%s reads %s's share: %v", c.MSP, sh.Party, got)
			}
		}
		if !sh.VisibleTo(lt.Regulator) || !sh.VisibleTo(lt.Authority) {
			t.Errorf("%s's share is hidden from the authority or the regulator", sh.Party)
		}
	}
	if sum != rev.Amount {
		t.Errorf("shares sum to %d, want %d", sum, rev.Amount)
	}
	again := rev
	again.ID = "rev-2"
	_, _, err = ledger.RecordRevenue(lt.Operator, again, ledger.RevenueInputs{Product: p, Split: s2}, at)
	wantErr(t, err, ledger.ErrConflict)
}
