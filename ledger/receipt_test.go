package ledger_test

import (
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
	var receipts []*ledger.Receipt
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
		receipts = append(receipts, r)
		leaves = append(leaves, s.Digest)
	}
	if _, err := ledger.NewBatch("b-1", receipts, &ledger.Batch{ID: "b-1"}, lt.Stamp(lt.Platform, lt.UseTime)); err == nil {
		t.Fatal("got a batch over an existing one, want conflict")
	}
	b, err := ledger.NewBatch("b-1", receipts, nil, lt.Stamp(lt.Platform, lt.UseTime))
	if err != nil {
		t.Fatal(err)
	}
	root, _ := attest.MerkleRoot(leaves)
	if b.Root != attest.HexDigest(root) || b.Count != 5 {
		t.Errorf("got root %s count %d, want %s and 5", b.Root, b.Count, attest.HexDigest(root))
	}
	if len(b.Totals) != 1 || b.Totals[0] != (ledger.GrantTotal{GrantID: "grant-1", Records: 15, Calls: 5}) {
		t.Errorf("got totals %+v, want grant-1: 15 records, 5 calls", b.Totals)
	}
	if ids := b.GrantIDs(); len(ids) != 1 || ids[0] != "grant-1" {
		t.Errorf("got grant IDs %v, want [grant-1]", ids)
	}
	if r := receipts[3]; r.BatchID != "b-1" || r.Index != 3 || r.Signature != "" || r.Datasets != nil {
		t.Errorf("got batch record %+v, want a slim record at index 3 of b-1", r)
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
		if _, err := ledger.NewBatch("b-2", []*ledger.Receipt{{ID: "x", Digest: "bad"}}, nil, lt.Stamp(lt.Platform, lt.UseTime)); err == nil {
			t.Error("got a batch over a malformed digest, want an error")
		}
	})
	if !receipts[0].VisibleTo(lt.Health, w.Grant) || receipts[0].VisibleTo(lt.Developer, w.Grant) || !receipts[0].VisibleTo(lt.Platform, nil) {
		t.Error("got wrong receipt visibility")
	}
}
