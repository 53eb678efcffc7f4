package ledger_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/grantledger/grantledger/attest"
	"github.com/grantledger/grantledger/attest/attesttest"
	"github.com/grantledger/grantledger/ledger"
	lt "github.com/grantledger/grantledger/ledger/ledgertest"
)

func TestOpenReceipt(t *testing.T) {
	w := lt.NewWorld(t)
	good := w.Receipt(lt.Statement("r-1", "grant-1", 10))
	tests := []struct {
		name string
		edit func(*ledger.ReceiptRequest)
		want error
	}{
		{"well formed", nil, nil},
		{"invalid statement", func(r *ledger.ReceiptRequest) { r.Statement.Records = 0 }, ledger.ErrInvalid},
		{"receipt id not an identifier", func(r *ledger.ReceiptRequest) {
			r.Statement.ReceiptID = "a b"
			r.Signature = w.Attestor.Sign(r.Statement)
		}, ledger.ErrInvalid},
		{"grant id not an identifier", func(r *ledger.ReceiptRequest) {
			r.Statement.GrantID = "a/b"
			r.Signature = w.Attestor.Sign(r.Statement)
		}, ledger.ErrInvalid},
		{"malformed signature", func(r *ledger.ReceiptRequest) { r.Signature = "0x1234" }, ledger.ErrInvalid},
		{"forged signature", func(r *ledger.ReceiptRequest) {
			r.Signature = "0x" + repeat("ff", 64) + "1b"
		}, ledger.ErrRefused},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := good
			req.Statement.Datasets = append([]attest.DatasetUse(nil), good.Statement.Datasets...)
			if tt.edit != nil {
				tt.edit(&req)
			}
			s, err := ledger.OpenReceipt("receipt", req)
			wantErr(t, err, tt.want)
			if err == nil && s.Signer != w.Attestor.Address() {
				t.Errorf("got signer %s, want %s", s.Signer, w.Attestor.Address())
			}
		})
	}
}

func repeat(s string, n int) string {
	out := ""
	for range n {
		out += s
	}
	return out
}

// receiptCase runs AcceptReceipt against the world with edits.
type receiptCase struct {
	name   string
	caller ledger.Actor
	now    time.Time
	stmt   func(*attest.Statement)
	signer *attesttest.Attestor
	in     func(*ledger.ReceiptInputs, *ledger.Usage)
	want   error
}

func TestAcceptReceipt(t *testing.T) {
	w := lt.NewWorld(t)
	now := lt.UseTime.Add(time.Hour)
	stranger := attesttest.NewAttestorFromSeed("not registered")
	tests := []receiptCase{
		{name: "holder submits", caller: lt.Operator},
		{name: "platform submits", caller: lt.Platform},
		{name: "two datasets", caller: lt.Operator, stmt: func(s *attest.Statement) {
			s.Datasets = append(s.Datasets, attest.DatasetUse{ID: "loans", Fields: []string{"amount"}})
		}},
		{name: "wrong party", caller: lt.Market, want: ledger.ErrForbidden},
		{name: "forged signature", caller: lt.Operator, signer: stranger, want: ledger.ErrRefused},
		{name: "retired attestor", caller: lt.Operator, in: func(in *ledger.ReceiptInputs, _ *ledger.Usage) {
			a := *in.Attestor
			a.Status = ledger.AttestorRetired
			in.Attestor = &a
		}, want: ledger.ErrRefused},
		{name: "replay", caller: lt.Operator, in: func(in *ledger.ReceiptInputs, _ *ledger.Usage) {
			in.Existing = &ledger.Receipt{ID: "r-1", Recorded: lt.Stamp(lt.Operator, lt.UseTime)}
		}, want: ledger.ErrConflict},
		{name: "future use", caller: lt.Operator, stmt: func(s *attest.Statement) { s.Time = now.Add(time.Hour).Unix() }, want: ledger.ErrInvalid},
		{name: "use before attestor registered", caller: lt.Operator, in: func(in *ledger.ReceiptInputs, _ *ledger.Usage) {
			a := *in.Attestor
			a.Created.Time = lt.UseTime.Add(time.Minute)
			in.Attestor = &a
		}, want: ledger.ErrRefused},
		{name: "unknown grant", caller: lt.Operator, in: func(in *ledger.ReceiptInputs, _ *ledger.Usage) { in.Grant = nil }, want: ledger.ErrNotFound},
		{name: "expired", caller: lt.Operator, now: lt.GrantTo.Add(time.Hour), stmt: func(s *attest.Statement) { s.Time = lt.GrantTo.Unix() }, want: ledger.ErrRefused},
		{name: "late submission of an in-force use", caller: lt.Operator, now: lt.GrantTo.Add(time.Hour)},
		{name: "before the term", caller: lt.Operator, stmt: func(s *attest.Statement) { s.Time = lt.Days(4).Unix() }, want: ledger.ErrRefused},
		{name: "grant suspended at the time", caller: lt.Operator, in: func(in *ledger.ReceiptInputs, _ *ledger.Usage) {
			g := *in.Grant
			_ = g.Suspend(lt.Authority, "audit", lt.Stamp(lt.Authority, lt.Days(9)))
			in.Grant = &g
		}, want: ledger.ErrRefused},
		{name: "no agreement in force", caller: lt.Operator, in: func(in *ledger.ReceiptInputs, _ *ledger.Usage) { in.Agreements = nil }, want: ledger.ErrRefused},
		{name: "out of scope dataset", caller: lt.Operator, stmt: func(s *attest.Statement) { s.Datasets[0].ID = "weather" }, want: ledger.ErrRefused},
		{name: "out of scope field", caller: lt.Operator, stmt: func(s *attest.Statement) { s.Datasets[0].Fields = []string{"age", "name"} }, want: ledger.ErrRefused},
		{name: "out of scope operation", caller: lt.Operator, stmt: func(s *attest.Statement) { s.Operation = "query" }, want: ledger.ErrRefused},
		{name: "out of scope purpose", caller: lt.Operator, stmt: func(s *attest.Statement) { s.Purpose = "marketing" }, want: ledger.ErrRefused},
		{name: "over record quota", caller: lt.Operator, stmt: func(s *attest.Statement) { s.Records = 1001 }, want: ledger.ErrRefused},
		{name: "over record quota with usage", caller: lt.Operator, in: func(_ *ledger.ReceiptInputs, u *ledger.Usage) { u.Records = 995 }, want: ledger.ErrRefused},
		{name: "over call quota", caller: lt.Operator, in: func(_ *ledger.ReceiptInputs, u *ledger.Usage) { u.Calls = 10 }, want: ledger.ErrRefused},
		{name: "last call of the quota", caller: lt.Operator, in: func(_ *ledger.ReceiptInputs, u *ledger.Usage) { u.Calls, u.Records = 9, 990 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stmt := lt.Statement("r-1", "grant-1", 10)
			if tt.stmt != nil {
				tt.stmt(&stmt)
			}
			signer := w.Attestor
			if tt.signer != nil {
				signer = tt.signer
			}
			s, err := ledger.OpenReceipt("receipt", ledger.ReceiptRequest{Statement: stmt, Signature: signer.Sign(stmt)})
			if err != nil {
				t.Fatal(err)
			}
			in := ledger.ReceiptInputs{Grant: w.Grant, Agreements: w.Agreements()}
			if s.Signer == w.AttestorRec.Address {
				in.Attestor = w.AttestorRec
			}
			usage := ledger.Usage{GrantID: "grant-1"}
			if tt.in != nil {
				tt.in(&in, &usage)
			}
			before := usage
			at := now
			if !tt.now.IsZero() {
				at = tt.now
			}
			r, err := ledger.AcceptReceipt(tt.caller, s, in, &usage, nil, lt.Stamp(tt.caller, at))
			wantErr(t, err, tt.want)
			if err != nil {
				if usage != before {
					t.Errorf("refused receipt changed usage to %+v, want %+v", usage, before)
				}
				return
			}
			if usage.Calls != before.Calls+1 || usage.Records != before.Records+stmt.Records {
				t.Errorf("got usage %+v, want one more call and %d more records than %+v", usage, stmt.Records, before)
			}
			if r.ID != "r-1" || r.Attestor != w.Attestor.Address() || r.Digest != attest.HexDigest(stmt.Digest()) || r.Time.Unix() != stmt.Time {
				t.Errorf("got receipt %+v, want r-1 by %s with the statement digest and time", r, w.Attestor.Address())
			}
		})
	}
}

func TestAcceptReceiptUnderSubGrant(t *testing.T) {
	w := lt.NewWorld(t)
	sub, err := ledger.ProposeSubGrant(lt.Operator, ledger.SubGrantRequest{
		ID: "sub-1", ParentID: "grant-1", Developer: lt.DeveloperMSP,
		Scope: ledger.Scope{Datasets: []ledger.DatasetScope{{ID: "visits", Fields: []string{"age"}}}, Purposes: []string{"credit-assessment"}, Operations: []ledger.Operation{ledger.OpStatistics}},
		Quota: ledger.Quota{Records: 100, Calls: 5}, Term: ledger.Term{ValidFrom: lt.Days(6), ValidTo: lt.Days(60)},
	}, ledger.SubGrantInputs{Parent: w.Grant, ParentAgreements: w.Agreements(), Developer: w.Participants[lt.DeveloperMSP]}, lt.Stamp(lt.Operator, lt.Days(6)))
	if err != nil {
		t.Fatal(err)
	}
	if err := sub.ActivateSubGrant(lt.Authority, ledger.SubGrantInputs{Parent: w.Grant, ParentAgreements: w.Agreements()}, lt.Stamp(lt.Authority, lt.Days(7))); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		caller      ledger.Actor
		records     uint64
		parentUsage ledger.Usage
		noParent    bool
		want        error
	}{
		{"developer submits", lt.Developer, 10, ledger.Usage{}, false, nil},
		{"parent holder submits", lt.Operator, 10, ledger.Usage{}, false, nil},
		{"over sub-grant quota", lt.Developer, 101, ledger.Usage{}, false, ledger.ErrRefused},
		{"over parent quota", lt.Developer, 10, ledger.Usage{Records: 995}, false, ledger.ErrRefused},
		{"parent usage missing", lt.Developer, 10, ledger.Usage{}, true, ledger.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stmt := lt.Statement("r-sub", "sub-1", tt.records)
			s, err := ledger.OpenReceipt("receipt", ledger.ReceiptRequest{Statement: stmt, Signature: w.Attestor.Sign(stmt)})
			if err != nil {
				t.Fatal(err)
			}
			usage, parentUsage := ledger.Usage{GrantID: "sub-1"}, tt.parentUsage
			pu := &parentUsage
			if tt.noParent {
				pu = nil
			}
			in := ledger.ReceiptInputs{Attestor: w.AttestorRec, Grant: sub, Parent: w.Grant, ParentAgreements: w.Agreements()}
			_, err = ledger.AcceptReceipt(tt.caller, s, in, &usage, pu, lt.Stamp(tt.caller, lt.UseTime.Add(time.Hour)))
			wantErr(t, err, tt.want)
			if err == nil && (usage.Records != tt.records || parentUsage.Records != tt.parentUsage.Records+tt.records || parentUsage.Calls != 1) {
				t.Errorf("got usage %+v and parent usage %+v, want both to grow by %d records", usage, parentUsage, tt.records)
			}
		})
	}
}

func TestBatch(t *testing.T) {
	w := lt.NewWorld(t)
	reqs := make([]ledger.ReceiptRequest, 5)
	for i := range reqs {
		reqs[i] = w.Receipt(lt.Statement("r-"+string(rune('a'+i)), "grant-1", uint64(i+1)))
	}
	check := []struct {
		name string
		req  ledger.BatchRequest
		want error
	}{
		{"valid", ledger.BatchRequest{ID: "b-1", Receipts: reqs}, nil},
		{"bad id", ledger.BatchRequest{ID: "", Receipts: reqs}, ledger.ErrInvalid},
		{"empty", ledger.BatchRequest{ID: "b-1"}, ledger.ErrInvalid},
		{"too large", ledger.BatchRequest{ID: "b-1", Receipts: make([]ledger.ReceiptRequest, ledger.MaxBatch+1)}, ledger.ErrInvalid},
		{"replay inside the batch", ledger.BatchRequest{ID: "b-1", Receipts: append(append([]ledger.ReceiptRequest(nil), reqs...), reqs[2])}, ledger.ErrConflict},
	}
	for _, tt := range check {
		t.Run("check/"+tt.name, func(t *testing.T) {
			wantErr(t, ledger.CheckBatch(tt.req), tt.want)
		})
	}

	usage := ledger.Usage{GrantID: "grant-1"}
	var decided []ledger.Decided
	var leaves [][32]byte
	for _, req := range reqs {
		s, err := ledger.OpenReceipt("receipt", req)
		if err != nil {
			t.Fatal(err)
		}
		r, err := ledger.AcceptReceipt(lt.Platform, s, ledger.ReceiptInputs{Attestor: w.AttestorRec, Grant: w.Grant, Agreements: w.Agreements()}, &usage, nil, lt.Stamp(lt.Platform, lt.UseTime))
		if err != nil {
			t.Fatal(err)
		}
		decided = append(decided, ledger.Decided{ReceiptID: r.ID, Receipt: r})
		leaves = append(leaves, s.Digest)
	}
	req := ledger.BatchRequest{ID: "b-1", Receipts: reqs}
	b, receipts, err := ledger.NewBatch(req, decided, lt.Stamp(lt.Platform, lt.UseTime))
	if err != nil {
		t.Fatal(err)
	}
	root, _ := attest.MerkleRoot(leaves)
	if b.Root != attest.HexDigest(root) || b.Count != 5 || b.Refused != 0 || len(b.Outcomes) != 5 || b.RequestDigest != req.Digest() {
		t.Errorf("got root %s count %d refused %d, %d outcomes, request digest %s; want %s, 5, 0, 5, %s",
			b.Root, b.Count, b.Refused, len(b.Outcomes), b.RequestDigest, attest.HexDigest(root), req.Digest())
	}
	if len(b.Totals) != 1 || b.Totals[0] != (ledger.GrantTotal{GrantID: "grant-1", Records: 15, Calls: 5}) {
		t.Errorf("got totals %+v, want grant-1: 15 records, 5 calls", b.Totals)
	}
	if ids := b.GrantIDs(); len(ids) != 1 || ids[0] != "grant-1" {
		t.Errorf("got grant IDs %v, want [grant-1]", ids)
	}
	if r := receipts[3]; r.BatchID != "b-1" || r.Index != 3 || r.Signature != "" || r.Datasets != nil || r.Recorded != (ledger.Stamp{}) || !r.Stored() {
		t.Errorf("got batch record %+v, want a slim record at index 3 of b-1, without the batch's stamp", r)
	}
	stored := *receipts[3]
	if err := stored.InBatch(&ledger.Batch{ID: "b-2", Created: b.Created}); err == nil {
		t.Error("InBatch took another batch's stamp")
	}
	if err := stored.InBatch(b); err != nil || stored.Recorded != b.Created || stored.Stored() {
		t.Errorf("InBatch: got %+v (%v), want the batch's stamp %+v", stored.Recorded, err, b.Created)
	}
	if !b.VisibleTo(lt.Platform, nil) || !b.VisibleTo(lt.Health, []*ledger.Grant{w.Grant}) || b.VisibleTo(lt.Developer, []*ledger.Grant{w.Grant}) {
		t.Error("got wrong batch visibility")
	}

	proof, _ := attest.MerkleProof(leaves, 3)
	other, _ := attest.MerkleProof(leaves, 1)
	tests := []struct {
		name     string
		stmt     attest.Statement
		proof    []attest.ProofStep
		recorded *ledger.Receipt
		batch    *ledger.Batch
		want     bool
	}{
		{"valid", reqs[3].Statement, proof, receipts[3], b, true},
		{"wrong proof", reqs[3].Statement, other, receipts[3], b, false},
		{"tampered statement", func() attest.Statement { s := reqs[3].Statement; s.Records = 999; return s }(), proof, receipts[3], b, false},
		{"not recorded", reqs[3].Statement, proof, nil, b, false},
		{"recorded with another digest", reqs[3].Statement, proof, &ledger.Receipt{BatchID: "b-1", Digest: "0x00"}, b, false},
		{"malformed root", reqs[3].Statement, proof, receipts[3], &ledger.Batch{ID: "b-1", Root: "x"}, false},
	}
	for _, tt := range tests {
		t.Run("proof/"+tt.name, func(t *testing.T) {
			res := ledger.VerifyProof(ledger.ProofRequest{BatchID: "b-1", Statement: tt.stmt, Proof: tt.proof}, tt.batch, tt.recorded)
			if res.Valid != tt.want {
				t.Errorf("got valid %v (%s), want %v", res.Valid, res.Reason, tt.want)
			}
			if !res.Valid && res.Reason == "" {
				t.Error("got no reason for an invalid proof")
			}
		})
	}
	t.Run("malformed digest", func(t *testing.T) {
		bad := ledger.BatchRequest{ID: "b-2", Receipts: reqs[:1]}
		if _, _, err := ledger.NewBatch(bad, []ledger.Decided{{ReceiptID: "x", Receipt: &ledger.Receipt{ID: "x", Digest: "bad"}}}, lt.Stamp(lt.Platform, lt.UseTime)); err == nil {
			t.Error("got a batch over a malformed digest, want an error")
		}
	})
	if !receipts[0].VisibleTo(lt.Health, w.Grant) || receipts[0].VisibleTo(lt.Developer, w.Grant) || !receipts[0].VisibleTo(lt.Platform, nil) {
		t.Error("got wrong receipt visibility")
	}
}

// A batch decides each receipt on its own: the refused ones are left out
// of the tree, the totals and the records, and their outcomes keep the
// contract's reason and kind.
func TestBatchOutcomes(t *testing.T) {
	w := lt.NewWorld(t)
	reqs := make([]ledger.ReceiptRequest, 4)
	for i := range reqs {
		reqs[i] = w.Receipt(lt.Statement("r-"+string(rune('a'+i)), "grant-1", uint64(i+1)))
	}
	req := ledger.BatchRequest{ID: "b-1", Receipts: reqs}
	usage := ledger.Usage{GrantID: "grant-1"}
	var leaves [][32]byte
	decided := make([]ledger.Decided, len(reqs))
	for i, rq := range reqs {
		if i == 1 {
			rq.Statement.Purpose = "marketing" // out of scope
			rq.Signature = w.Attestor.Sign(rq.Statement)
		}
		s, err := ledger.OpenReceipt("", rq)
		if err != nil {
			t.Fatal(err)
		}
		in := ledger.ReceiptInputs{Attestor: w.AttestorRec, Grant: w.Grant, Agreements: w.Agreements()}
		if i == 3 {
			in.Existing = &ledger.Receipt{ID: "r-d", GrantID: "grant-1", Recorded: lt.Stamp(lt.Operator, lt.UseTime)}
		}
		r, err := ledger.AcceptReceipt(lt.Platform, s, in, &usage, nil, lt.Stamp(lt.Platform, lt.UseTime))
		decided[i] = ledger.Decided{ReceiptID: rq.Statement.ReceiptID, Receipt: r, Err: err}
		if err == nil {
			leaves = append(leaves, s.Digest)
		}
	}
	b, records, err := ledger.NewBatch(req, decided, lt.Stamp(lt.Platform, lt.UseTime))
	if err != nil {
		t.Fatal(err)
	}
	root, _ := attest.MerkleRoot(leaves)
	if b.Root != attest.HexDigest(root) || b.Count != 2 || b.Refused != 2 {
		t.Errorf("got root %s, %d accepted, %d refused; want the root over r-a and r-c %s, 2, 2", b.Root, b.Count, b.Refused, attest.HexDigest(root))
	}
	if len(b.Totals) != 1 || b.Totals[0] != (ledger.GrantTotal{GrantID: "grant-1", Records: 4, Calls: 2}) {
		t.Errorf("got totals %+v, want grant-1: 4 records in 2 calls (r-a, r-c)", b.Totals)
	}
	if usage.Records != 4 || usage.Calls != 2 {
		t.Errorf("got usage %+v, want only the accepted receipts drawn", usage)
	}
	want := []ledger.ReceiptOutcome{
		{ReceiptID: "r-a", Status: ledger.OutcomeAccepted, Index: 0},
		{ReceiptID: "r-b", Status: ledger.OutcomeRefused, Index: -1, Kind: "refused", Reason: "out of scope: purpose marketing is not granted by grant-1"},
		{ReceiptID: "r-c", Status: ledger.OutcomeAccepted, Index: 1},
		{ReceiptID: "r-d", Status: ledger.OutcomeRefused, Index: -1, Kind: "conflict"},
	}
	for i, o := range b.Outcomes {
		w := want[i]
		if w.Reason == "" && o.Kind == "conflict" {
			w.Reason = o.Reason
		}
		if o != w {
			t.Errorf("outcome %d: got %+v, want %+v", i, o, w)
		}
	}
	if len(b.Outcomes) != len(want) {
		t.Fatalf("got %d outcomes, want %d", len(b.Outcomes), len(want))
	}
	if !errors.Is(b.Outcomes[1].Err(), ledger.ErrRefused) || !errors.Is(b.Outcomes[3].Err(), ledger.ErrConflict) || b.Outcomes[0].Err() != nil {
		t.Errorf("got errors %v, %v, %v; want refused, conflict and none", b.Outcomes[1].Err(), b.Outcomes[3].Err(), b.Outcomes[0].Err())
	}
	if len(records) != 2 || records[0].ID != "r-a" || records[0].Index != 0 || records[1].ID != "r-c" || records[1].Index != 1 || records[1].BatchID != "b-1" {
		t.Errorf("got records %+v, want r-a at 0 and r-c at 1 of b-1", records)
	}

	t.Run("same request again", func(t *testing.T) {
		again := ledger.BatchRequest{ID: "b-1", Receipts: append([]ledger.ReceiptRequest(nil), reqs...)}
		// The signature in upper case is the same signature.
		again.Receipts[0].Signature = "0x" + strings.ToUpper(again.Receipts[0].Signature[2:])
		wantErr(t, b.Resubmitted(again, true), nil)
	})
	t.Run("other receipts under the ID", func(t *testing.T) {
		wantErr(t, b.Resubmitted(ledger.BatchRequest{ID: "b-1", Receipts: reqs[:3]}, true), ledger.ErrConflict)
		swapped := ledger.BatchRequest{ID: "b-1", Receipts: []ledger.ReceiptRequest{reqs[1], reqs[0], reqs[2], reqs[3]}}
		wantErr(t, b.Resubmitted(swapped, true), ledger.ErrConflict)
	})
	t.Run("caller may not read the batch", func(t *testing.T) {
		wantErr(t, b.Resubmitted(req, false), ledger.ErrConflict)
	})
	t.Run("batch recorded before outcomes", func(t *testing.T) {
		old := &ledger.Batch{ID: "b-1", Count: 4}
		wantErr(t, old.Resubmitted(req, true), ledger.ErrConflict)
	})
	t.Run("all refused", func(t *testing.T) {
		none := []ledger.Decided{{ReceiptID: "r-a", Err: decided[1].Err}}
		b, records, err := ledger.NewBatch(ledger.BatchRequest{ID: "b-2", Receipts: reqs[:1]}, none, lt.Stamp(lt.Developer, lt.UseTime))
		if err != nil {
			t.Fatal(err)
		}
		if b.Root != "" || b.Count != 0 || b.Refused != 1 || len(records) != 0 || b.Totals == nil || len(b.Totals) != 0 {
			t.Errorf("got %+v and %d records, want no root, no totals (empty, not null), 1 refused", b, len(records))
		}
		// It drew on no grant: its submitter reads it, a provider does not.
		if !b.VisibleTo(lt.Developer, nil) || b.VisibleTo(lt.Health, nil) {
			t.Error("got wrong visibility of a batch that drew on no grant")
		}
		res := ledger.VerifyProof(ledger.ProofRequest{BatchID: "b-2", Statement: reqs[0].Statement}, b, nil)
		if res.Valid || !strings.Contains(res.Reason, "accepted no receipt") {
			t.Errorf("got %+v, want no proof in a batch without receipts", res)
		}
	})
	t.Run("world state failure fails the batch", func(t *testing.T) {
		broken := append([]ledger.Decided(nil), decided...)
		broken[2] = ledger.Decided{ReceiptID: "r-c", Err: errors.New("read usage: peer gone")}
		if _, _, err := ledger.NewBatch(req, broken, lt.Stamp(lt.Platform, lt.UseTime)); err == nil || ledger.Kind(err) != nil {
			t.Errorf("got %v, want an error without a rule kind", err)
		}
	})
	t.Run("decisions do not match the request", func(t *testing.T) {
		if _, _, err := ledger.NewBatch(req, decided[:2], lt.Stamp(lt.Platform, lt.UseTime)); err == nil {
			t.Error("got a batch of 2 decisions for 4 receipts, want an error")
		}
	})
}

func TestBatchRequestDigest(t *testing.T) {
	w := lt.NewWorld(t)
	a, b := w.Receipt(lt.Statement("r-a", "grant-1", 1)), w.Receipt(lt.Statement("r-b", "grant-1", 2))
	d := ledger.BatchRequest{ID: "x", Receipts: []ledger.ReceiptRequest{a, b}}.Digest()
	if other := (ledger.BatchRequest{ID: "y", Receipts: []ledger.ReceiptRequest{a, b}}).Digest(); other != d {
		t.Errorf("got digest %s under another ID, want %s: the ID is compared by itself", other, d)
	}
	if other := (ledger.BatchRequest{ID: "x", Receipts: []ledger.ReceiptRequest{b, a}}).Digest(); other == d {
		t.Error("got the same digest for the receipts in another order")
	}
	changed := a
	changed.Statement.Records++
	if other := (ledger.BatchRequest{ID: "x", Receipts: []ledger.ReceiptRequest{changed, b}}).Digest(); other == d {
		t.Error("got the same digest for another statement")
	}
	if len(d) != 66 || !strings.HasPrefix(d, "0x") {
		t.Errorf("got digest %q, want 0x and 64 hex characters", d)
	}
}

func TestReceiptsRequest(t *testing.T) {
	w := lt.NewWorld(t)
	a, b := w.Receipt(lt.Statement("r-a", "grant-1", 1)), w.Receipt(lt.Statement("r-b", "grant-1", 2))
	wantErr(t, ledger.CheckReceipts(ledger.ReceiptsRequest{Receipts: []ledger.ReceiptRequest{a, b}}), nil)
	wantErr(t, ledger.CheckReceipts(ledger.ReceiptsRequest{}), ledger.ErrInvalid)
	wantErr(t, ledger.CheckReceipts(ledger.ReceiptsRequest{Receipts: make([]ledger.ReceiptRequest, ledger.MaxReceipts+1)}), ledger.ErrInvalid)
	wantErr(t, ledger.CheckReceipts(ledger.ReceiptsRequest{Receipts: []ledger.ReceiptRequest{a, b, a}}), ledger.ErrConflict)

	refusal := ledger.Forbidden("receipts for grant grant-1 are submitted by its holder or the platform, not MarketMSP")
	res, err := ledger.NewReceiptsResult([]ledger.Decided{
		{ReceiptID: "r-a", Err: refusal},
		{ReceiptID: "r-b", Receipt: &ledger.Receipt{ID: "r-b", Signature: "0x01"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Receipts) != 1 || res.Receipts[0].ID != "r-b" || res.Receipts[0].Signature != "0x01" {
		t.Errorf("got receipts %+v, want r-b whole", res.Receipts)
	}
	if o := res.Outcomes[1]; o.Status != ledger.OutcomeAccepted || o.Index != 0 {
		t.Errorf("got outcome %+v, want r-b accepted at 0", o)
	}
	if o := res.Outcomes[0]; o.Status != ledger.OutcomeRefused || o.Kind != "forbidden" || !errors.Is(o.Err(), ledger.ErrForbidden) {
		t.Errorf("got outcome %+v, want r-a forbidden", o)
	}
	if _, err := ledger.NewReceiptsResult([]ledger.Decided{{ReceiptID: "r-a"}}); err == nil {
		t.Error("got a result from a decision with neither receipt nor error, want an error")
	}
}
