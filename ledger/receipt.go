package ledger

import (
	"crypto/sha256"
	"encoding/hex"
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
// the batch's Merkle root. A batch record is stored without Recorded, which
// is its batch's Created (InBatch puts it back when it is read): a batch of
// 500 would otherwise store the same stamp, a third of each record, 500
// times over, and every peer would write and validate it.
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
	// Recorded is always answered; omitzero only keeps it out of the
	// stored batch records.
	Recorded Stamp `json:"recorded,omitzero"`
}

// Stored reports whether the receipt is a batch record as stored, still
// without its batch's stamp (InBatch).
func (r *Receipt) Stored() bool { return r.BatchID != "" && r.Recorded.TxID == "" }

// InBatch gives a batch record read from the world state its batch's
// stamp, when it was recorded. b must be the receipt's batch.
func (r *Receipt) InBatch(b *Batch) error {
	if b == nil || b.ID != r.BatchID {
		return fmt.Errorf("receipt %s: its batch %s is not on record", r.ID, r.BatchID)
	}
	r.Recorded = b.Created
	return nil
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
	// Fees is the grant's fee schedule (nil when none): a use in a period
	// it has stated is no longer recorded.
	Fees *FeeSchedule
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
	if err := RequireUnstated(in.Fees, g.ID, used); err != nil {
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
// receipt ID appears twice. These refuse the whole batch; what is wrong
// with one receipt is that receipt's outcome.
func CheckBatch(req BatchRequest) error {
	if err := CheckID("id", req.ID); err != nil {
		return err
	}
	return checkReceiptIDs(req.Receipts, MaxBatch, "batch "+req.ID)
}

// checkReceiptIDs checks that there are 1 to most receipts and that no
// receipt ID appears twice: two outcomes for one ID would contradict each
// other.
func checkReceiptIDs(reqs []ReceiptRequest, most int, in string) error {
	if len(reqs) == 0 || len(reqs) > most {
		return invalid("receipts", "holds %d receipts; %s holds 1 to %d", len(reqs), in, most)
	}
	seen := make(map[string]int, len(reqs))
	for i, r := range reqs {
		if j, ok := seen[r.Statement.ReceiptID]; ok {
			return conflict("replay: receipt %s appears twice in %s (receipts[%d] and receipts[%d])", r.Statement.ReceiptID, in, j, i)
		}
		seen[r.Statement.ReceiptID] = i
	}
	return nil
}

// Digest identifies a batch request by its content: the SHA-256 of its
// receipts (statements and signatures, signatures in lower case) in order,
// 0x-hex. A batch sent again after a crash has the same digest, so the
// contract can tell it from another batch under the same ID.
func (req BatchRequest) Digest() string {
	h := sha256.New()
	for _, r := range req.Receipts {
		d := r.Statement.Digest()
		h.Write(d[:])
		sig := strings.ToLower(r.Signature)
		// The signature's length goes first so that no two sequences of
		// receipts hash the same bytes.
		fmt.Fprintf(h, "%d:%s", len(sig), sig)
	}
	return "0x" + hex.EncodeToString(h.Sum(nil))
}

// Outcome statuses of a receipt submitted with others.
const (
	OutcomeAccepted = "accepted"
	OutcomeRefused  = "refused"
)

// ReceiptOutcome is what the contract decided about one receipt of a
// batch (or of a SubmitReceipts transaction): accepted, or refused with the
// contract's reason. A refused receipt is not recorded: its ID stays free.
type ReceiptOutcome struct {
	ReceiptID string `json:"receiptId"`
	// Status is OutcomeAccepted or OutcomeRefused.
	Status string `json:"status"`
	// Index is, for an accepted receipt, its leaf in the batch's Merkle
	// tree (for SubmitReceipts: its place in ReceiptsResult.Receipts); -1
	// for a refused one, so that it is never taken for leaf 0.
	Index int `json:"index"`
	// Kind is the refusal's kind as the contract names its errors:
	// "refused", "conflict" (a replay), "forbidden", "not found" (also for
	// a grant the caller may not read), "invalid".
	Kind string `json:"kind,omitempty" metadata:",optional"`
	// Reason is the contract's message, as it would refuse the receipt
	// alone.
	Reason string `json:"reason,omitempty" metadata:",optional"`
}

// Accepted reports whether the receipt was accepted.
func (o ReceiptOutcome) Accepted() bool { return o.Status == OutcomeAccepted }

// Err returns a refused outcome as the rule error that refused it (so
// errors.Is(err, ErrRefused) and the like hold), nil for an accepted one.
func (o ReceiptOutcome) Err() error {
	if o.Accepted() {
		return nil
	}
	for _, k := range kinds {
		if k.Error() == o.Kind {
			return &RuleError{Kind: k, Msg: o.Reason}
		}
	}
	return &RuleError{Kind: ErrRefused, Msg: o.Reason}
}

// Decided is the contract's decision on one receipt submitted with others:
// the receipt it accepted, or the error that refused it.
type Decided struct {
	ReceiptID string
	Receipt   *Receipt
	Err       error
}

// outcome turns a decision into an outcome; ok is false when the error is
// not a rule error (the world state failed), which must fail the whole
// transaction instead of becoming a receipt's reason.
func (d Decided) outcome(index int) (ReceiptOutcome, bool) {
	if d.Err == nil {
		return ReceiptOutcome{ReceiptID: d.ReceiptID, Status: OutcomeAccepted, Index: index}, true
	}
	k := Kind(d.Err)
	if k == nil {
		return ReceiptOutcome{}, false
	}
	// The reason keeps the field at fault, if any ("statement.time: …").
	return ReceiptOutcome{ReceiptID: d.ReceiptID, Status: OutcomeRefused, Index: -1, Kind: k.Error(), Reason: d.Err.Error()}, true
}

// outcomes returns the outcomes of decisions in order, numbering the
// accepted ones from 0, or the first error that is not a rule error.
func outcomes(decided []Decided) ([]ReceiptOutcome, int, error) {
	out := make([]ReceiptOutcome, len(decided))
	accepted := 0
	for i, d := range decided {
		if d.Err == nil && d.Receipt == nil {
			return nil, 0, fmt.Errorf("receipts[%d] (%s): decided without a receipt or an error", i, d.ReceiptID)
		}
		o, ok := d.outcome(accepted)
		if !ok {
			return nil, 0, fmt.Errorf("receipts[%d] (%s): %w", i, d.ReceiptID, d.Err)
		}
		if o.Accepted() {
			accepted++
		}
		out[i] = o
	}
	return out, accepted, nil
}

// GrantTotal is what a batch used of one grant.
type GrantTotal struct {
	GrantID string `json:"grantId"`
	Records uint64 `json:"records"`
	Calls   uint64 `json:"calls"`
}

// Batch is a set of receipts submitted in one transaction: each receipt's
// outcome in request order, per-grant totals of the accepted ones and the
// Merkle root over their statement digests, in order.
type Batch struct {
	ID string `json:"id"`
	// Root is the Merkle root over the accepted receipts; empty when none
	// was accepted.
	Root string `json:"root"`
	// Count is the number of receipts accepted: the leaves of the tree.
	Count int `json:"count"`
	// Refused is the number of receipts refused.
	Refused int          `json:"refused"`
	Totals  []GrantTotal `json:"totals"`
	// Outcomes are the receipts' outcomes in request order (absent from
	// batches recorded before receipts had outcomes, which were all
	// accepted).
	Outcomes []ReceiptOutcome `json:"outcomes,omitempty" metadata:",optional"`
	// RequestDigest is BatchRequest.Digest of the request that recorded the
	// batch.
	RequestDigest string `json:"requestDigest,omitempty" metadata:",optional"`
	Created       Stamp  `json:"created"`
}

// NewBatch seals the decisions on a batch's receipts: the outcomes, the
// root and totals over the accepted receipts, and each accepted receipt
// reduced to its batch record (without its stamp: Receipt), which it
// returns to be stored. An error that is not a rule error fails the batch
// whole.
func NewBatch(req BatchRequest, decided []Decided, st Stamp) (*Batch, []*Receipt, error) {
	if len(decided) != len(req.Receipts) {
		return nil, nil, fmt.Errorf("batch %s: %d decisions for %d receipts", req.ID, len(decided), len(req.Receipts))
	}
	outs, accepted, err := outcomes(decided)
	if err != nil {
		return nil, nil, err
	}
	leaves := make([][32]byte, 0, accepted)
	records := make([]*Receipt, 0, accepted)
	totals := map[string]*GrantTotal{}
	for i, d := range decided {
		r := d.Receipt
		if d.Err != nil {
			continue
		}
		leaf, err := attest.ParseDigest(r.Digest)
		if err != nil {
			return nil, nil, invalid(fmt.Sprintf("receipts[%d]", i), "digest %q is malformed", r.Digest)
		}
		t := totals[r.GrantID]
		if t == nil {
			t = &GrantTotal{GrantID: r.GrantID}
			totals[r.GrantID] = t
		}
		t.Records += r.Records
		t.Calls++
		// Stored without Recorded: it is the batch's Created (InBatch).
		records = append(records, &Receipt{
			ID: r.ID, GrantID: r.GrantID, Attestor: r.Attestor, Records: r.Records, Time: r.Time,
			Digest: r.Digest, BatchID: req.ID, Index: len(leaves),
		})
		leaves = append(leaves, leaf)
	}
	b := &Batch{
		ID: req.ID, Count: accepted, Refused: len(decided) - accepted, Totals: []GrantTotal{},
		Outcomes: outs, RequestDigest: req.Digest(), Created: st,
	}
	if accepted > 0 {
		root, err := attest.MerkleRoot(leaves)
		if err != nil {
			return nil, nil, invalid("receipts", "%s", err.Error())
		}
		b.Root = attest.HexDigest(root)
	}
	for _, t := range totals {
		b.Totals = append(b.Totals, *t)
	}
	slices.SortFunc(b.Totals, func(a, b GrantTotal) int { return strings.Compare(a.GrantID, b.GrantID) })
	return b, records, nil
}

// Resubmitted decides what a request under the ID of recorded batch b
// means: the same request (the same receipts in the same order) sent again,
// typically after a crash that lost the first answer, is answered with the
// batch as recorded (nil error); any other request is a conflict. Only a
// caller that may read the batch (visible) learns its outcomes; any other
// is told that the ID is taken.
func (b *Batch) Resubmitted(req BatchRequest, visible bool) error {
	if !visible {
		return conflict("batch %s already exists", b.ID)
	}
	if b.RequestDigest == "" || b.RequestDigest != req.Digest() {
		return conflict("batch %s already exists, recorded from other receipts", b.ID)
	}
	return nil
}

// MaxReceipts is the most receipts one SubmitReceipts transaction
// records. Each is recorded whole (statement and signature), so a group is
// kept far below MaxBatch; the API's coalescer never fills more.
const MaxReceipts = 64

// ReceiptsRequest records receipts together in one transaction, each as
// SubmitReceipt records it alone: whole, with its own outcome. The API
// gathers the receipts posted one by one for the same grant while a
// transaction on that grant is in flight, so that they do not conflict.
type ReceiptsRequest struct {
	Receipts []ReceiptRequest `json:"receipts"`
}

// CheckReceipts checks the form of a ReceiptsRequest: 1 to MaxReceipts
// receipts, no receipt ID twice.
func CheckReceipts(req ReceiptsRequest) error {
	return checkReceiptIDs(req.Receipts, MaxReceipts, "one SubmitReceipts transaction")
}

// ReceiptsResult is what SubmitReceipts decided: each receipt's outcome,
// in request order (Index of an accepted one is its place in Receipts),
// and the receipts accepted, as SubmitReceipt returns them.
type ReceiptsResult struct {
	Outcomes []ReceiptOutcome `json:"outcomes"`
	Receipts []Receipt        `json:"receipts"`
}

// NewReceiptsResult gathers the decisions on receipts submitted together.
// An error that is not a rule error fails the whole transaction.
func NewReceiptsResult(decided []Decided) (*ReceiptsResult, error) {
	outs, accepted, err := outcomes(decided)
	if err != nil {
		return nil, err
	}
	res := &ReceiptsResult{Outcomes: outs, Receipts: make([]Receipt, 0, accepted)}
	for _, d := range decided {
		if d.Err == nil {
			res.Receipts = append(res.Receipts, *d.Receipt)
		}
	}
	return res, nil
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
	if b.Count == 0 {
		res.Reason = "batch " + b.ID + " accepted no receipt"
		return res
	}
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
// regulator, the platform, the organisation that submitted it, and those
// who may read one of its grants. The submitter reads even a batch whose
// receipts were all refused (it drew on no grant): what it holds is what
// the submitter was answered, reasons included.
func (b *Batch) VisibleTo(c Actor, grants []*Grant) bool {
	if c.readsAll() || c.Is(RolePlatform) || c.ActsFor(b.Created.MSP) {
		return true
	}
	return slices.ContainsFunc(grants, func(g *Grant) bool { return g != nil && g.VisibleTo(c) })
}
