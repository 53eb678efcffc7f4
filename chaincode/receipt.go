package chaincode

import (
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/grantledger/grantledger/ledger"
)

// receiptState caches what receipts of one transaction need: grants with
// their agreements, attestors and the usage rows they update. A batch reads
// each row once and writes each changed usage once.
type receiptState struct {
	tx         *txn
	grants     map[string]*ledger.Grant
	agreements map[string][]ledger.Agreement
	attestors  map[string]*ledger.Attestor
	usages     map[string]*ledger.Usage
	holders    map[string]*ledger.Participant
	// days are the grants' rows per day of use (ledger.UsageDay) the
	// accepted receipts are added to, by key.
	days map[string]*ledger.UsageDay
	// fees are the grants' fee schedules, by grant (feesOf).
	fees map[string]*ledger.FeeSchedule
}

func newReceiptState(tx *txn) *receiptState {
	return &receiptState{
		tx: tx, grants: map[string]*ledger.Grant{}, agreements: map[string][]ledger.Agreement{},
		attestors: map[string]*ledger.Attestor{}, usages: map[string]*ledger.Usage{},
		holders: map[string]*ledger.Participant{}, days: map[string]*ledger.UsageDay{},
	}
}

func (rs *receiptState) grant(id string) (*ledger.Grant, []ledger.Agreement, error) {
	if g, ok := rs.grants[id]; ok {
		return g, rs.agreements[id], nil
	}
	g, err := getGrant(rs.tx, id)
	if err != nil {
		return nil, nil, err
	}
	var as []ledger.Agreement
	if g != nil {
		if as, err = agreementsOf(rs.tx, id); err != nil {
			return nil, nil, err
		}
	}
	rs.grants[id], rs.agreements[id] = g, as
	return g, as, nil
}

// holder reads the participant row of a grant's holder: a receipt reads
// it, so it conflicts (MVCC) only with a change of that participant, such
// as its suspension, ordered before it.
func (rs *receiptState) holder(msp string) (*ledger.Participant, error) {
	if p, ok := rs.holders[msp]; ok {
		return p, nil
	}
	p, err := get[ledger.Participant](rs.tx, typeParticipant, msp)
	if err != nil {
		return nil, err
	}
	rs.holders[msp] = p
	return p, nil
}

func (rs *receiptState) usage(id string) (*ledger.Usage, error) {
	if u, ok := rs.usages[id]; ok {
		return u, nil
	}
	u, err := usageOf(rs.tx, id)
	if err != nil {
		return nil, err
	}
	rs.usages[id] = u
	return u, nil
}

// readInputs reads ahead (readAhead) what the opened receipts (signed)
// are checked against, so that accept finds it there: in one request to
// the peer, what the receipts name (each receipt's own key, for a replay;
// its attestor; its grant with its status record, usage row, fee schedule
// and row of the day of use); then in a second one what their grants name
// (the holder; a sub-grant's parent with its status record and usage row,
// and the parent's holder). It reads the keys accept reads, plus, for a
// receipt accept refuses early, the rows of its grant it would not have
// come to: reading more may add a conflict, never hide one. The
// agreements of a grant stay a range read (agreementsOf): a range is
// validated for phantoms at commit, a list of keys would not be. receiptIDs
// are the keys of replay checks, of every receipt sent, opened or not.
func (rs *receiptState) readInputs(receiptIDs []string, signed []*ledger.SignedStatement) error {
	tx := rs.tx
	var keys []string
	add := func(typ, id string) {
		if k, err := tx.key(typ, id); err == nil {
			keys = append(keys, k)
		}
	}
	for _, id := range receiptIDs {
		add(typeReceipt, id)
	}
	var grants []string
	for _, s := range signed {
		if s == nil {
			continue
		}
		add(typeAttestor, s.Signer)
		id := s.Statement.GrantID
		if !slices.Contains(grants, id) {
			grants = append(grants, id)
			add(typeGrant, id)
			add(typeGrantStatus, id)
			add(typeUsage, id)
			add(typeFeeSchedule, id)
		}
		if k, err := tx.usageDayKey(id, ledger.UsageDayOf(time.Unix(s.Statement.Time, 0))); err == nil {
			keys = append(keys, k)
		}
	}
	if err := tx.readAhead(keys); err != nil {
		return fmt.Errorf("read the receipts' inputs: %w", err)
	}
	keys = keys[:0]
	for _, id := range grants {
		g, err := get[ledger.Grant](tx, typeGrant, id)
		if err != nil {
			return err
		}
		if g == nil {
			continue
		}
		add(typeParticipant, g.Holder)
		if g.ParentID != "" {
			add(typeParticipant, g.ParentHolder)
			add(typeGrant, g.ParentID)
			add(typeGrantStatus, g.ParentID)
			add(typeUsage, g.ParentID)
		}
	}
	if err := tx.readAhead(keys); err != nil {
		return fmt.Errorf("read the receipts' grants' inputs: %w", err)
	}
	return nil
}

// accept loads what an opened receipt is checked against and lets the
// ledger decide.
func (rs *receiptState) accept(signed *ledger.SignedStatement) (*ledger.Receipt, error) {
	in := ledger.ReceiptInputs{}
	var err error
	if in.Existing, err = getReceipt(rs.tx, signed.Statement.ReceiptID); err != nil {
		return nil, err
	}
	a, ok := rs.attestors[signed.Signer]
	if !ok {
		if a, err = get[ledger.Attestor](rs.tx, typeAttestor, signed.Signer); err != nil {
			return nil, err
		}
		rs.attestors[signed.Signer] = a
	}
	in.Attestor = a
	if in.Grant, in.Agreements, err = rs.grant(signed.Statement.GrantID); err != nil {
		return nil, err
	}
	var usage, parentUsage *ledger.Usage
	if in.Grant != nil {
		if usage, err = rs.usage(in.Grant.ID); err != nil {
			return nil, err
		}
		if in.Holder, err = rs.holder(in.Grant.Holder); err != nil {
			return nil, err
		}
		if in.Fees, err = rs.feesOf(in.Grant.ID); err != nil {
			return nil, err
		}
		if in.Grant.ParentID != "" {
			if in.ParentHolder, err = rs.holder(in.Grant.ParentHolder); err != nil {
				return nil, err
			}
			if in.Parent, in.ParentAgreements, err = rs.grant(in.Grant.ParentID); err != nil {
				return nil, err
			}
			if in.Parent != nil {
				if parentUsage, err = rs.usage(in.Parent.ID); err != nil {
					return nil, err
				}
			}
		}
	}
	if usage == nil {
		usage = &ledger.Usage{}
	}
	r, err := ledger.AcceptReceipt(rs.tx.caller, signed, in, usage, parentUsage, rs.tx.stamp)
	if err != nil {
		return nil, err
	}
	if err := rs.count(in.Grant, r); err != nil {
		return nil, err
	}
	return r, nil
}

// writeUsages writes the usage rows that changed, in grant order, and the
// rows per grant and day of use (writeUsageDays).
func (rs *receiptState) writeUsages() ([]ledger.EventRef, error) {
	if err := rs.writeUsageDays(); err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(rs.usages))
	for id, u := range rs.usages {
		if u.Updated.TxID == rs.tx.stamp.TxID {
			ids = append(ids, id)
		}
	}
	slices.SortFunc(ids, strings.Compare)
	var refs []ledger.EventRef
	for _, id := range ids {
		if err := put(rs.tx, typeUsage, id, rs.usages[id]); err != nil {
			return nil, err
		}
		refs = append(refs, ledger.EventRef{Type: typeUsage, ID: id, Change: "drawn"})
	}
	return refs, nil
}

// SubmitReceipt accepts one usage receipt (用数凭证) signed by an active
// attestor. Caller: the grant's holder (or its parent's), or the platform.
// Event: receipt.accepted (related: the usage rows drawn on).
func (c *Contract) SubmitReceipt(ctx contractapi.TransactionContextInterface, request string) (*ledger.Receipt, error) {
	var out *ledger.Receipt
	err := c.submit(ctx, "submit receipt", func(tx *txn) error {
		var req ledger.ReceiptRequest
		if err := decode(request, &req); err != nil {
			return err
		}
		tx.named("submit receipt", req.Statement.ReceiptID)
		signed, err := ledger.OpenReceipt("", req)
		if err != nil {
			return err
		}
		rs := newReceiptState(tx)
		if err := rs.readInputs([]string{req.Statement.ReceiptID}, []*ledger.SignedStatement{signed}); err != nil {
			return err
		}
		r, err := rs.accept(signed)
		if err != nil {
			return err
		}
		if err := put(tx, typeReceipt, r.ID, r); err != nil {
			return err
		}
		refs, err := rs.writeUsages()
		if err != nil {
			return err
		}
		tx.emit(typeReceipt, r.ID, "accepted", append([]ledger.EventRef{{Type: typeGrant, ID: r.GrantID, Change: "used"}}, refs...)...)
		out = r
		return nil
	})
	return result(out, err)
}

// decide decides each receipt of a group against the state as the
// receipts before it in the group left it (the usage rows are read once and
// drawn on in memory). A rule error is that receipt's decision; any other
// error (the world state failed) fails the transaction. In a batch the
// field at fault is named from the batch (receipts[i].statement…); a
// receipt posted alone and sent with others names it as SubmitReceipt
// would (statement…), since its caller sent it alone.
func (rs *receiptState) decide(reqs []ledger.ReceiptRequest, inBatch bool) ([]ledger.Decided, error) {
	ids := make([]string, len(reqs))
	signed := make([]*ledger.SignedStatement, len(reqs))
	refused := make([]error, len(reqs))
	for i, r := range reqs {
		ids[i] = r.Statement.ReceiptID
		field := ""
		if inBatch {
			field = fmt.Sprintf("receipts[%d]", i)
		}
		// A receipt that does not open (its form, its signature) is
		// refused by a rule: that is its decision.
		signed[i], refused[i] = ledger.OpenReceipt(field, r)
	}
	if err := rs.readInputs(ids, signed); err != nil {
		return nil, err
	}
	decided := make([]ledger.Decided, len(reqs))
	for i, r := range reqs {
		if refused[i] != nil {
			if ledger.Kind(refused[i]) == nil {
				return nil, fmt.Errorf("receipts[%d] (%s): %w", i, r.Statement.ReceiptID, refused[i])
			}
			decided[i] = ledger.Decided{ReceiptID: r.Statement.ReceiptID, Err: refused[i]}
			continue
		}
		rec, err := rs.accept(signed[i])
		if err != nil && ledger.Kind(err) == nil {
			return nil, fmt.Errorf("receipts[%d] (%s): %w", i, r.Statement.ReceiptID, err)
		}
		decided[i] = ledger.Decided{ReceiptID: r.Statement.ReceiptID, Receipt: rec, Err: err}
	}
	return decided, nil
}

// SubmitReceipts records receipts submitted together, each whole, as
// SubmitReceipt records it alone, and decides each on its own: one refused
// receipt does not sink the others. The API sends, in one transaction, the
// receipts posted one by one for a grant while its previous transaction on
// that grant was in flight, so that they draw on the grant's usage row in
// one write instead of conflicting over it. Caller: as SubmitReceipt, for
// every receipt. Event: receipt.accepted naming the first receipt accepted
// (related: the other receipts accepted, their grants, the usage rows drawn
// on); no event and no write when none was accepted.
func (c *Contract) SubmitReceipts(ctx contractapi.TransactionContextInterface, request string) (*ledger.ReceiptsResult, error) {
	var out *ledger.ReceiptsResult
	err := c.submitMaybe(ctx, "submit receipts", func(tx *txn) error {
		var req ledger.ReceiptsRequest
		if err := decode(request, &req); err != nil {
			return err
		}
		if len(req.Receipts) > 0 {
			tx.named("submit receipts", req.Receipts[0].Statement.ReceiptID+"…")
		}
		if err := ledger.CheckReceipts(req); err != nil {
			return err
		}
		rs := newReceiptState(tx)
		decided, err := rs.decide(req.Receipts, false)
		if err != nil {
			return err
		}
		res, err := ledger.NewReceiptsResult(decided)
		if err != nil {
			return err
		}
		out = res
		if len(res.Receipts) == 0 {
			return nil
		}
		var refs []ledger.EventRef
		grants := map[string]bool{}
		for i := range res.Receipts {
			r := &res.Receipts[i]
			if err := put(tx, typeReceipt, r.ID, r); err != nil {
				return err
			}
			if i > 0 {
				refs = append(refs, ledger.EventRef{Type: typeReceipt, ID: r.ID, Change: "accepted"})
			}
			if !grants[r.GrantID] {
				grants[r.GrantID] = true
				refs = append(refs, ledger.EventRef{Type: typeGrant, ID: r.GrantID, Change: "used"})
			}
		}
		usages, err := rs.writeUsages()
		if err != nil {
			return err
		}
		tx.emit(typeReceipt, res.Receipts[0].ID, "accepted", append(refs, usages...)...)
		return nil
	})
	return result(out, err)
}

// SubmitReceiptBatch records many receipts in one transaction and decides
// each on its own: an accepted receipt is stored as a batch record (for
// replay detection and provenance) and is a leaf of the batch's Merkle
// root; a refused one is not stored, and its outcome names the reason. Each
// grant's usage row is read and written once. The batch as the same request
// sent again (after a lost answer) is answered as recorded, without a
// write. Form errors of the whole batch (its ID, its size, a receipt ID
// twice) refuse it whole. A batch none of whose receipts is accepted is
// answered with its outcomes and writes nothing: a caller with no standing
// on any grant records nothing, not even an empty batch under its ID.
// The request (ledger.BatchRequest) is transient data, not an argument:
// the endorsers read every statement and check its signature, and what the
// ledger keeps of each is its batch record (its digest is the Merkle leaf)
// — arguments would carry the whole statements in the block as well, to
// every peer and orderer, more than half of a batch's bytes. Whoever holds
// a statement proves it against its leaf and the recorded root.
// Caller: as SubmitReceipt, for every receipt. Event: batch.accepted
// (related: the usage rows drawn on).
func (c *Contract) SubmitReceiptBatch(ctx contractapi.TransactionContextInterface) (*ledger.Batch, error) {
	var out *ledger.Batch
	err := c.submitMaybe(ctx, "submit receipt batch", func(tx *txn) error {
		var req ledger.BatchRequest
		if err := tx.transientRequest(&req); err != nil {
			return err
		}
		tx.named("submit receipt batch", req.ID)
		if err := ledger.CheckBatch(req); err != nil {
			return err
		}
		existing, err := get[ledger.Batch](tx, typeBatch, req.ID)
		if err != nil {
			return err
		}
		if existing != nil {
			visible, err := tx.batchVisible(existing)
			if err != nil {
				return err
			}
			if err := existing.Resubmitted(req, visible); err != nil {
				return err
			}
			out = existing
			return nil
		}
		rs := newReceiptState(tx)
		decided, err := rs.decide(req.Receipts, true)
		if err != nil {
			return err
		}
		b, records, err := ledger.NewBatch(req, decided, tx.stamp)
		if err != nil {
			return err
		}
		out = b
		if b.Count == 0 {
			return nil
		}
		for _, r := range records {
			if err := put(tx, typeReceipt, r.ID, r); err != nil {
				return err
			}
		}
		if err := put(tx, typeBatch, b.ID, b); err != nil {
			return err
		}
		refs, err := rs.writeUsages()
		if err != nil {
			return err
		}
		tx.emit(typeBatch, b.ID, "accepted", refs...)
		return nil
	})
	return result(out, err)
}

// getReceipt reads a receipt, or nil when there is none, a batch record
// with its batch's stamp (stamped).
func getReceipt(tx *txn, id string) (*ledger.Receipt, error) {
	r, err := get[ledger.Receipt](tx, typeReceipt, id)
	if err != nil || r == nil {
		return r, err
	}
	return r, tx.stamped(r)
}

// stamped gives a batch record as stored its batch's stamp
// (ledger.Receipt.InBatch), reading each batch once per transaction.
func (tx *txn) stamped(r *ledger.Receipt) error {
	if !r.Stored() {
		return nil
	}
	if st, ok := tx.batchStamps[r.BatchID]; ok {
		r.Recorded = st
		return nil
	}
	b, err := get[ledger.Batch](tx, typeBatch, r.BatchID)
	if err != nil {
		return err
	}
	if err := r.InBatch(b); err != nil {
		return err
	}
	tx.readBatch(b)
	return nil
}

// readBatch keeps the stamp of a batch the transaction read, for stamped:
// a batch is hundreds of outcomes, decoded once.
func (tx *txn) readBatch(b *ledger.Batch) {
	if tx.batchStamps == nil {
		tx.batchStamps = map[string]ledger.Stamp{}
	}
	tx.batchStamps[b.ID] = b.Created
}

// prefetchReceipts reads receipts ahead (readAhead), then the batches of
// those that are batch records, each in one request, for getReceipt to
// find.
func (tx *txn) prefetchReceipts(ids []string) error {
	if err := tx.prefetch(typeReceipt, ids); err != nil {
		return err
	}
	var batches []string
	for _, id := range ids {
		r, err := get[ledger.Receipt](tx, typeReceipt, id)
		if err == nil && r != nil && r.Stored() && !slices.Contains(batches, r.BatchID) {
			batches = append(batches, r.BatchID)
		}
	}
	return tx.prefetch(typeBatch, batches)
}

// loadReceipt reads a receipt that must exist (getReceipt).
func loadReceipt(tx *txn, id string) (*ledger.Receipt, error) {
	r, err := getReceipt(tx, id)
	if err == nil && r == nil {
		err = ledger.NotFound(typeReceipt, id)
	}
	return r, err
}

// batchVisible reports whether the caller may read b.
func (tx *txn) batchVisible(b *ledger.Batch) (bool, error) {
	var grants []*ledger.Grant
	for _, gid := range b.GrantIDs() {
		g, err := get[ledger.Grant](tx, typeGrant, gid)
		if err != nil {
			return false, err
		}
		grants = append(grants, g)
	}
	return b.VisibleTo(tx.caller, grants), nil
}

// receiptVisible reports whether the caller may read r.
func (tx *txn) receiptVisible(r *ledger.Receipt) (bool, error) {
	g, err := get[ledger.Grant](tx, typeGrant, r.GrantID)
	if err != nil {
		return false, err
	}
	return r.VisibleTo(tx.caller, g), nil
}

// GetReceipt returns a receipt to the authority, the regulator, the
// platform, and those who may read its grant.
func (c *Contract) GetReceipt(ctx contractapi.TransactionContextInterface, id string) (*ledger.Receipt, error) {
	var out *ledger.Receipt
	err := c.evaluate(ctx, "get receipt "+id, func(tx *txn) error {
		r, err := loadReceipt(tx, id)
		if err != nil {
			return err
		}
		ok, err := tx.receiptVisible(r)
		if err != nil {
			return err
		}
		if !ok {
			return tx.hidden(typeReceipt, id)
		}
		out = r
		return nil
	})
	return result(out, err)
}

// QueryReceipts pages through the receipts visible to the caller by grant
// (in receipt ID order) or batch (in the order of its Merkle tree's
// leaves).
func (c *Contract) QueryReceipts(ctx contractapi.TransactionContextInterface, query string) (*ledger.ReceiptPage, error) {
	var out *ledger.ReceiptPage
	err := c.evaluate(ctx, "query receipts", func(tx *txn) error {
		var q ledger.Query
		if err := decode(query, &q); err != nil {
			return err
		}
		if q.By == "batch" && q.Value != "" {
			b, err := get[ledger.Batch](tx, typeBatch, q.Value)
			if err != nil {
				return err
			}
			// Batches recorded before receipts had outcomes have their
			// receipts indexed by batch; later ones name them in their
			// outcomes instead.
			if b == nil || len(b.Outcomes) > 0 {
				out, err = tx.receiptsOfBatch(b, q)
				return err
			}
		}
		var failed error
		items, bookmark, err := page(tx, typeReceipt, q, []string{"grant", "batch"}, func(r *ledger.Receipt) bool {
			ok, err := tx.receiptVisible(r)
			if err != nil {
				failed = err
			}
			return ok
		})
		if err == nil {
			err = failed
		}
		for i := range items {
			if err == nil {
				err = tx.stamped(&items[i])
			}
		}
		out = &ledger.ReceiptPage{Items: items, Bookmark: bookmark}
		return err
	})
	return result(out, err)
}

// receiptsOfBatch pages through the receipts of batch b (nil when there is
// none) visible to the caller, in leaf order: the batch's outcomes name
// them, so that a receipt recorded in a batch needs no index entry by
// batch — one write less per receipt on every peer. The bookmark is the
// next leaf, bound to the batch as index bookmarks are to their query.
func (tx *txn) receiptsOfBatch(b *ledger.Batch, q ledger.Query) (*ledger.ReceiptPage, error) {
	size, err := pageSize(q)
	if err != nil {
		return nil, err
	}
	prefix, err := tx.ctx.GetStub().CreateCompositeKey(indexPrefix+typeReceipt, []string{"batch", q.Value})
	if err != nil {
		return nil, ledger.Invalid("value", "%q cannot be used in a key: %s", q.Value, err.Error())
	}
	next := 0
	if q.Bookmark != "" {
		raw, err := decodeBookmark(q.Bookmark, prefix)
		if err != nil {
			return nil, err
		}
		if next, err = strconv.Atoi(strings.TrimPrefix(raw, prefix)); err != nil || next < 0 {
			return nil, ledger.Invalid("bookmark", "is not a bookmark of this query; pass back the one the previous page returned")
		}
	}
	page := &ledger.ReceiptPage{Items: []ledger.Receipt{}}
	if b == nil {
		return page, nil
	}
	tx.readBatch(b)
	var ids []string
	for _, o := range b.Outcomes {
		if o.Accepted() {
			ids = append(ids, o.ReceiptID)
		}
	}
	for next < len(ids) {
		chunk := ids[next:min(next+int(size), len(ids))]
		if err := tx.prefetch(typeReceipt, chunk); err != nil {
			return nil, err
		}
		for _, id := range chunk {
			next++
			r, err := getReceipt(tx, id)
			if err != nil {
				return nil, err
			}
			if r == nil {
				return nil, fmt.Errorf("batch %s names receipt %s, which is not on record", b.ID, id)
			}
			ok, err := tx.receiptVisible(r)
			if err != nil {
				return nil, err
			}
			if !ok {
				continue
			}
			page.Items = append(page.Items, *r)
			if int32(len(page.Items)) == size {
				if next < len(ids) {
					page.Bookmark = base64.RawURLEncoding.EncodeToString([]byte(prefix + strconv.Itoa(next)))
				}
				return page, nil
			}
		}
	}
	return page, nil
}

// GetReceiptBatch returns a batch to the authority, the regulator, the
// platform and those who may read one of its grants.
func (c *Contract) GetReceiptBatch(ctx contractapi.TransactionContextInterface, id string) (*ledger.Batch, error) {
	var out *ledger.Batch
	err := c.evaluate(ctx, "get receipt batch "+id, func(tx *txn) error {
		b, err := load[ledger.Batch](tx, typeBatch, id)
		if err != nil {
			return err
		}
		visible, err := tx.batchVisible(b)
		if err != nil {
			return err
		}
		if !visible {
			return tx.hidden(typeBatch, id)
		}
		out = b
		return nil
	})
	return result(out, err)
}

// VerifyReceiptProof checks a Merkle inclusion proof: the statement's digest
// leads to the batch's root and the ledger recorded that receipt in that
// batch. Anyone may verify.
func (c *Contract) VerifyReceiptProof(ctx contractapi.TransactionContextInterface, request string) (*ledger.ProofResult, error) {
	var out *ledger.ProofResult
	err := c.evaluate(ctx, "verify receipt proof", func(tx *txn) error {
		var req ledger.ProofRequest
		if err := decode(request, &req); err != nil {
			return err
		}
		tx.named("verify proof of receipt", req.Statement.ReceiptID+" in batch "+req.BatchID)
		if err := ledger.CheckID("batchId", req.BatchID); err != nil {
			return err
		}
		b, err := load[ledger.Batch](tx, typeBatch, req.BatchID)
		if err != nil {
			return err
		}
		var recorded *ledger.Receipt
		if ledger.CheckID("statement.receiptId", req.Statement.ReceiptID) == nil {
			if recorded, err = getReceipt(tx, req.Statement.ReceiptID); err != nil {
				return err
			}
		}
		res := ledger.VerifyProof(req, b, recorded)
		out = &res
		return nil
	})
	return result(out, err)
}
