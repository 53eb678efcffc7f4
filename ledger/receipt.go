package ledger

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/grantledger/grantledger/attest"
)

// MaxClockSkew is how far in the future of the transaction time a
// receipt's use time may lie.
const MaxClockSkew = 5 * time.Minute

// MaxBatch is the most receipts one batch may carry.
const MaxBatch = 500

// ReceiptRequest is a usage statement (用数凭证) signed by an attestor.
type ReceiptRequest struct {
	Statement attest.Statement `json:"statement"`
	// Signature is the attestor's 65-byte secp256k1 signature, 0x-hex.
	Signature string `json:"signature"`
}

// SignedStatement is a well-formed statement with its recovered signer.
type SignedStatement struct {
	Statement attest.Statement
	Signature string
	Signer    string
	Digest    [32]byte
}

// OpenReceipt checks the form of a receipt and recovers its signer. A
// signature that does not recover is refused as forged.
func OpenReceipt(field string, req ReceiptRequest) (*SignedStatement, error) {
	if field != "" {
		field += "."
	}
	if err := req.Statement.Validate(); err != nil {
		return nil, invalid(field+"statement", "%s", strings.TrimPrefix(err.Error(), attest.ErrInvalid.Error()+": statement "))
	}
	if err := CheckID(field+"statement.receiptId", req.Statement.ReceiptID); err != nil {
		return nil, err
	}
	if err := CheckID(field+"statement.grantId", req.Statement.GrantID); err != nil {
		return nil, err
	}
	sig, err := attest.ParseSignature(req.Signature)
	if err != nil {
		return nil, invalid(field+"signature", "is not a 65-byte 0x-hex signature")
	}
	signer, err := attest.Recover(req.Statement, sig)
	if err != nil {
		if errors.Is(err, attest.ErrBadSignature) {
			return nil, refused("forged signature: the signature of receipt %s does not verify", req.Statement.ReceiptID)
		}
		return nil, invalid(field+"signature", "%s", err.Error())
	}
	return &SignedStatement{
		Statement: req.Statement, Signature: strings.ToLower(req.Signature), Signer: signer, Digest: req.Statement.Digest(),
	}, nil
}

// Receipt is an accepted usage receipt. A receipt accepted alone keeps the
// whole statement; a receipt accepted in a batch keeps its grant, signer,
// record count, time, digest and place in the batch, and is proven against
// the batch's Merkle root.
type Receipt struct {
	ID           string              `json:"id"`
	GrantID      string              `json:"grantId"`
	Attestor     string              `json:"attestor"`
	Datasets     []attest.DatasetUse `json:"datasets,omitempty" metadata:",optional"`
	Operation    string              `json:"operation,omitempty" metadata:",optional"`
	Purpose      string              `json:"purpose,omitempty" metadata:",optional"`
	Records      uint64              `json:"records"`
	InputDigest  string              `json:"inputDigest,omitempty" metadata:",optional"`
	OutputDigest string              `json:"outputDigest,omitempty" metadata:",optional"`
	// Time is when the data was used, as the attestor signed it.
	Time      time.Time `json:"time"`
	Digest    string    `json:"digest"`
	Signature string    `json:"signature,omitempty" metadata:",optional"`
	BatchID   string    `json:"batchId,omitempty" metadata:",optional"`
	Index     int       `json:"index,omitempty" metadata:",optional"`
	Recorded  Stamp     `json:"recorded"`
}

// ReceiptInputs are the objects a receipt is checked against.
type ReceiptInputs struct {
	// Existing is a receipt already recorded under the same ID.
	Existing *Receipt
	// Attestor is registered at the recovered signer's address, if any.
	Attestor         *Attestor
	Grant            *Grant
	Agreements       []Agreement
	Parent           *Grant
	ParentAgreements []Agreement
	// Holder and ParentHolder are the participants holding the grant and
	// its parent: a suspended or exited one records no receipts.
	Holder       *Participant
	ParentHolder *Participant
}

// AcceptReceipt decides whether a signed statement is accepted: the signer
// is an active attestor, the caller is the grant's holder (or its parent's)
// or the platform, the receipt ID is new, the grant and its agreement were
// in force at the time of use, everything used is inside the grant's scope
// and the quota is not exceeded. On acceptance usage (and parentUsage for a
// sub-grant, which draws on its parent's quota too) is updated in place.
func AcceptReceipt(c Actor, s *SignedStatement, in ReceiptInputs, usage, parentUsage *Usage, st Stamp) (*Receipt, error) {
	stmt := s.Statement
	if in.Attestor == nil {
		return nil, refused("forged signature: receipt %s is signed by %s, which is not a registered attestor", stmt.ReceiptID, s.Signer)
	}
	if in.Attestor.Status != AttestorActive {
		return nil, refused("attestor %s is %s; its receipts are no longer accepted", s.Signer, in.Attestor.Status)
	}
	used := time.Unix(stmt.Time, 0).UTC()
	if used.After(st.Time.Add(MaxClockSkew)) {
		return nil, invalid("statement.time", "%s is in the future of the transaction time %s", stamp(used), stamp(st.Time))
	}
	if used.Before(in.Attestor.Created.Time) {
		return nil, refused("attestor %s was registered on %s, after the use at %s", s.Signer, stamp(in.Attestor.Created.Time), stamp(used))
	}
	g := in.Grant
	if g == nil {
		return nil, NotFound("grant", stmt.GrantID)
	}
	if !c.Is(RolePlatform) && !c.ActsFor(g.Holder) && !c.ActsFor(g.ParentHolder) {
		return nil, unlessVisible(g.VisibleTo(c), "grant", g.ID, forbidden("receipts for grant %s are submitted by its holder or the platform, not %s", g.ID, c.who()))
	}
	// The replay check comes after authorization, so that only a party
	// that may submit for the grant learns when a receipt was recorded; a
	// receipt ID taken on another grant is refused without its details.
	if e := in.Existing; e != nil {
		if e.GrantID != g.ID {
			return nil, conflict("replay: receipt ID %s is already taken", stmt.ReceiptID)
		}
		return nil, conflict("replay: receipt %s was already recorded in tx %s at %s", stmt.ReceiptID, e.Recorded.TxID, stamp(e.Recorded.Time))
	}
	if err := RequireAdmitted(in.Holder, "record receipts"); err != nil {
		return nil, err
	}
	if g.ParentID != "" {
		if err := RequireAdmitted(in.ParentHolder, "record receipts"); err != nil {
			return nil, refused("parent grant %s of sub-grant %s: %s", g.ParentID, g.ID, message(err))
		}
	}
	if err := UsableAt(g, in.Agreements, in.Parent, in.ParentAgreements, used); err != nil {
		return nil, err
	}
	if err := inScope(g, stmt); err != nil {
		return nil, err
	}
	if err := draw(g, usage, stmt.Records); err != nil {
		return nil, err
	}
	if g.ParentID != "" {
		if parentUsage == nil {
			return nil, NotFound("usage of grant", g.ParentID)
		}
		if err := draw(in.Parent, parentUsage, stmt.Records); err != nil {
			return nil, err
		}
		parentUsage.Records += stmt.Records
		parentUsage.Calls++
		parentUsage.Updated = st
	}
	usage.Records += stmt.Records
	usage.Calls++
	usage.Updated = st
	datasets := slices.Clone(stmt.Datasets)
	slices.SortFunc(datasets, func(a, b attest.DatasetUse) int { return strings.Compare(a.ID, b.ID) })
	for i := range datasets {
		datasets[i].Fields = sortedSet(datasets[i].Fields)
	}
	return &Receipt{
		ID: stmt.ReceiptID, GrantID: g.ID, Attestor: s.Signer, Datasets: datasets,
		Operation: stmt.Operation, Purpose: stmt.Purpose, Records: stmt.Records,
		InputDigest: stmt.InputDigest, OutputDigest: stmt.OutputDigest, Time: used,
		Digest: attest.HexDigest(s.Digest), Signature: s.Signature, Recorded: st,
	}, nil
}

func inScope(g *Grant, stmt attest.Statement) error {
	for _, d := range stmt.Datasets {
		granted, ok := g.Scope.dataset(d.ID)
		if !ok {
			return refused("out of scope: dataset %s is not granted by %s", d.ID, g.ID)
		}
		if f, ok := subset(d.Fields, granted.Fields); !ok {
			return refused("out of scope: field %s of dataset %s is not granted by %s", f, d.ID, g.ID)
		}
	}
	if !slices.Contains(g.Scope.Operations, Operation(stmt.Operation)) {
		return refused("out of scope: operation %s is not granted by %s", stmt.Operation, g.ID)
	}
	if !slices.Contains(g.Scope.Purposes, stmt.Purpose) {
		return refused("out of scope: purpose %s is not granted by %s", stmt.Purpose, g.ID)
	}
	return nil
}

// draw checks that one more call of records fits in g's quota.
func draw(g *Grant, u *Usage, records uint64) error {
	left := u.Remaining(g.Quota)
	if left.Calls < 1 {
		return refused("over quota: grant %s has used all %d calls", g.ID, g.Quota.Calls)
	}
	if records > left.Records {
		return refused("over quota: grant %s has %d of %d records left, the receipt uses %d", g.ID, left.Records, g.Quota.Records, records)
	}
	return nil
}

// VisibleTo reports whether c may read the receipt: the authority, the
// regulator, the platform, the grant's holder and its parent's holder, and
// the providers in the grant's scope.
func (r *Receipt) VisibleTo(c Actor, g *Grant) bool {
	return c.readsAll() || c.Is(RolePlatform) || (g != nil && g.VisibleTo(c))
}

// BatchRequest submits many receipts in one transaction.
type BatchRequest struct {
	ID       string           `json:"id"`
	Receipts []ReceiptRequest `json:"receipts"`
}

// CheckBatch checks the form of a batch: its ID, its size and that no
// receipt ID appears twice.
func CheckBatch(req BatchRequest) error {
	if err := CheckID("id", req.ID); err != nil {
		return err
	}
	if len(req.Receipts) == 0 || len(req.Receipts) > MaxBatch {
		return invalid("receipts", "holds %d receipts; a batch holds 1 to %d", len(req.Receipts), MaxBatch)
	}
	seen := map[string]int{}
	for i, r := range req.Receipts {
		if j, ok := seen[r.Statement.ReceiptID]; ok {
			return conflict("replay: receipt %s appears twice in batch %s (receipts[%d] and receipts[%d])", r.Statement.ReceiptID, req.ID, j, i)
		}
		seen[r.Statement.ReceiptID] = i
	}
	return nil
}

// GrantTotal is what a batch used of one grant.
type GrantTotal struct {
	GrantID string `json:"grantId"`
	Records uint64 `json:"records"`
	Calls   uint64 `json:"calls"`
}

// Batch is a set of receipts accepted in one transaction: per-grant totals
// and the Merkle root over the receipts' statement digests, in order.
type Batch struct {
	ID      string       `json:"id"`
	Root    string       `json:"root"`
	Count   int          `json:"count"`
	Totals  []GrantTotal `json:"totals"`
	Created Stamp        `json:"created"`
}

// NewBatch seals accepted receipts into a batch: it computes the root and
// totals and reduces each receipt to its batch record.
func NewBatch(id string, receipts []*Receipt, existing *Batch, st Stamp) (*Batch, error) {
	if existing != nil {
		return nil, conflict("batch %s already exists", id)
	}
	leaves := make([][32]byte, len(receipts))
	totals := map[string]*GrantTotal{}
	for i, r := range receipts {
		d, err := attest.ParseDigest(r.Digest)
		if err != nil {
			return nil, invalid(fmt.Sprintf("receipts[%d]", i), "digest %q is malformed", r.Digest)
		}
		leaves[i] = d
		t := totals[r.GrantID]
		if t == nil {
			t = &GrantTotal{GrantID: r.GrantID}
			totals[r.GrantID] = t
		}
		t.Records += r.Records
		t.Calls++
		*r = Receipt{
			ID: r.ID, GrantID: r.GrantID, Attestor: r.Attestor, Records: r.Records, Time: r.Time,
			Digest: r.Digest, BatchID: id, Index: i, Recorded: r.Recorded,
		}
	}
	root, err := attest.MerkleRoot(leaves)
	if err != nil {
		return nil, invalid("receipts", "%s", err.Error())
	}
	b := &Batch{ID: id, Root: attest.HexDigest(root), Count: len(receipts), Created: st}
	for _, t := range totals {
		b.Totals = append(b.Totals, *t)
	}
	slices.SortFunc(b.Totals, func(a, b GrantTotal) int { return strings.Compare(a.GrantID, b.GrantID) })
	return b, nil
}

// GrantIDs returns the grants a batch drew on.
func (b *Batch) GrantIDs() []string {
	ids := make([]string, len(b.Totals))
	for i, t := range b.Totals {
		ids[i] = t.GrantID
	}
	return ids
}

// ProofRequest asks whether a statement was accepted in a batch.
type ProofRequest struct {
	BatchID   string             `json:"batchId"`
	Statement attest.Statement   `json:"statement"`
	Proof     []attest.ProofStep `json:"proof"`
}

// ProofResult says whether an inclusion proof holds.
type ProofResult struct {
	Valid     bool   `json:"valid"`
	BatchID   string `json:"batchId"`
	ReceiptID string `json:"receiptId"`
	Leaf      string `json:"leaf"`
	Root      string `json:"root"`
	Index     int    `json:"index"`
	Reason    string `json:"reason,omitempty" metadata:",optional"`
}

// VerifyProof checks that the statement's digest is included under the
// batch's root by the proof, and that the ledger recorded that receipt in
// that batch.
func VerifyProof(req ProofRequest, b *Batch, recorded *Receipt) ProofResult {
	leaf := req.Statement.Digest()
	res := ProofResult{BatchID: b.ID, ReceiptID: req.Statement.ReceiptID, Leaf: attest.HexDigest(leaf), Root: b.Root}
	root, err := attest.ParseDigest(b.Root)
	if err != nil {
		res.Reason = "the batch root is malformed"
		return res
	}
	switch {
	case !attest.VerifyProof(leaf, req.Proof, root):
		res.Reason = "the proof does not lead from the statement's digest to the batch root"
	case recorded == nil || recorded.BatchID != b.ID:
		res.Reason = "the ledger has no receipt " + req.Statement.ReceiptID + " in batch " + b.ID
	case recorded.Digest != res.Leaf:
		res.Reason = "the recorded receipt has a different digest"
	default:
		res.Valid, res.Index = true, recorded.Index
	}
	return res
}

// VisibleTo reports whether c may read the batch: the authority, the
// regulator, the platform, and those who may read one of its grants.
func (b *Batch) VisibleTo(c Actor, grants []*Grant) bool {
	if c.readsAll() || c.Is(RolePlatform) {
		return true
	}
	return slices.ContainsFunc(grants, func(g *Grant) bool { return g != nil && g.VisibleTo(c) })
}
