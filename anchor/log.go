package anchor

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/grantledger/grantledger/attest"
	"github.com/grantledger/grantledger/ledger"
)

// Statuses of a receipt in the log.
const (
	// StatusPending: acknowledged and durable, not yet decided by the
	// contract (it may already be in a batch on its way).
	StatusPending = "pending"
	// StatusAnchored: accepted by the contract in a batch, with a leaf in
	// its Merkle tree.
	StatusAnchored = "anchored"
	// StatusRefused: refused by the contract, with its reason; not on the
	// ledger.
	StatusRefused = "refused"
)

// States of a batch in the log.
const (
	// batchOpen: recorded, not yet settled; submitted at most once per
	// attempt, resubmitted after a restart under the same ID.
	batchOpen = "open"
	// batchAnchored: the contract recorded it; every receipt is settled.
	batchAnchored = "anchored"
	// batchRefused: the contract refused the batch as a whole; every
	// receipt is refused with that reason.
	batchRefused = "refused"
)

// The log's refusals. Each is also the ledger kind the API's error table
// answers it with (ErrReplay a ledger.ErrConflict, 409; ErrUnknownReceipt
// a ledger.ErrNotFound, 404), and its message reads as the contract's
// would, without the kind in front.
var (
	// ErrReplay: a receipt ID the log already holds with another statement.
	ErrReplay = errors.New("replay")
	// ErrUnknownReceipt: a receipt ID the log does not hold.
	ErrUnknownReceipt = errors.New("unknown receipt")
)

// logError is one of the log's refusals: its sentinel, its ledger kind and
// its message.
type logError struct {
	sentinel, kind error
	msg            string
}

func (e *logError) Error() string { return e.msg }

// Is makes a logError both its sentinel and its ledger kind.
func (e *logError) Is(target error) bool { return target == e.sentinel || target == e.kind }

// replayed is ErrReplay for receipt id, held at position seq.
func replayed(id string, seq uint64) error {
	return &logError{ErrReplay, ledger.ErrConflict,
		fmt.Sprintf("submit receipt %s: replay: receipt %s is already in the anchoring log (position %d) with another statement", id, id, seq)}
}

// Record is one acknowledged receipt: the request as posted, and what has
// become of it.
type Record struct {
	// Seq is the receipt's place in the log, from 1, without gaps.
	Seq     uint64                `json:"seq"`
	Request ledger.ReceiptRequest `json:"request"`
	// Digest is the statement's digest, the leaf it becomes when anchored.
	Digest string `json:"digest"`
	// User is the bearer token's user that posted it.
	User string `json:"user,omitempty"`
	// Accepted is when the log acknowledged it (the 202).
	Accepted time.Time `json:"accepted"`
	Status   string    `json:"status"`
	// BatchID is set when the receipt is cut into a batch.
	BatchID string `json:"batchId,omitempty"`
	// Index is the leaf index in the batch's tree when anchored, else -1.
	Index  int    `json:"index"`
	TxID   string `json:"txId,omitempty"`
	Root   string `json:"root,omitempty"`
	Kind   string `json:"kind,omitempty"`
	Reason string `json:"reason,omitempty"`
	// Settled is when the contract's answer was recorded.
	Settled time.Time `json:"settled,omitzero"`
}

// ReceiptID is the statement's receipt ID.
func (r *Record) ReceiptID() string { return r.Request.Statement.ReceiptID }

// BatchRecord is a batch as the log records it: a range of consecutive
// log positions, fixed before the batch is first submitted.
type BatchRecord struct {
	ID    string    `json:"id"`
	First uint64    `json:"first"`
	Last  uint64    `json:"last"`
	Cut   time.Time `json:"cut"`
	State string    `json:"state"`
	TxID  string    `json:"txId,omitempty"`
	Root  string    `json:"root,omitempty"`
	// Count and Refused are the receipts the contract accepted and refused.
	Count   int       `json:"count"`
	Refused int       `json:"refused"`
	Kind    string    `json:"kind,omitempty"`
	Reason  string    `json:"reason,omitempty"`
	Settled time.Time `json:"settled,omitzero"`
	// Leaves are the digests of the accepted receipts, in leaf order:
	// what an inclusion proof is built from.
	Leaves []string `json:"leaves,omitempty"`
	// LastEvent is the ID of the batch's own event, the last one its
	// settling recorded: pruning the batch prunes the events up to it.
	LastEvent uint64 `json:"lastEvent,omitempty"`
}

// Size is the number of receipts in the batch.
func (b BatchRecord) Size() int { return int(b.Last - b.First + 1) }

// Event is one anchoring event, numbered from 1 in the order the log
// recorded it: the SSE stream's event ID.
type Event struct {
	ID   uint64          `json:"id"`
	Type string          `json:"type"`
	Data json.RawMessage `json:"data"`
}

// Buckets of the store, and keys of the meta bucket.
var (
	bucketReceipts = []byte("receipts") // seq → Record
	bucketIDs      = []byte("ids")      // receipt ID → seq
	bucketBatches  = []byte("batches")  // batch ID → BatchRecord
	bucketOpen     = []byte("open")     // first seq → batch ID, of open batches
	bucketEvents   = []byte("events")   // event ID → Event
	bucketMeta     = []byte("meta")
	keyStoreID     = []byte("store-id")
	keyCut         = []byte("cut") // the last seq cut into a batch
	keyVersion     = []byte("version")
	// keyAnchored and keyRefused count the receipts the contract anchored
	// and refused, kept in the transaction that settles each batch, so
	// that the backlog reads them without walking every batch.
	keyAnchored = []byte("anchored")
	keyRefused  = []byte("refused")
	// keyPruned and keyEventsPruned are the last log position and the last
	// event ID that retention removed (prune.go).
	keyPruned       = []byte("pruned")
	keyEventsPruned = []byte("events-pruned")
)

// storeVersion is the layout of the buckets; a store of another layout is
// refused rather than misread.
const storeVersion = "1"

// batchPrefix starts every batch ID the service gives.
const batchPrefix = "anchor"

// Log is the anchoring service's durable log, a bbolt file: every
// acknowledged receipt in order, the batches cut from it, and the
// anchoring events. Every change is one bbolt transaction, fsynced before
// it returns.
type Log struct {
	db      *bolt.DB
	storeID string
	// appended wakes the batcher when a receipt is appended.
	appended chan struct{}

	mu sync.Mutex
	// changed is closed (and replaced) whenever events are recorded, so
	// that every open event stream wakes up.
	changed chan struct{}
}

// OpenLog opens (or creates) the log at path. bbolt locks the file, so a
// second service on the same store fails here instead of corrupting it.
func OpenLog(path string) (*Log, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("open anchoring log %s: %w", path, err)
	}
	// Receipts posted together share one commit (one fsync); a lone one
	// waits at most this long for company.
	db.MaxBatchDelay = 2 * time.Millisecond
	l := &Log{db: db, appended: make(chan struct{}, 1), changed: make(chan struct{})}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketReceipts, bucketIDs, bucketBatches, bucketOpen, bucketEvents, bucketMeta} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		meta := tx.Bucket(bucketMeta)
		switch v := meta.Get(keyVersion); {
		case v == nil:
			if err := meta.Put(keyVersion, []byte(storeVersion)); err != nil {
				return err
			}
		case string(v) != storeVersion:
			return fmt.Errorf("the store has layout version %s; this service reads %s", v, storeVersion)
		}
		if err := countSettled(tx); err != nil {
			return err
		}
		if id := meta.Get(keyStoreID); id != nil {
			l.storeID = string(id)
			return nil
		}
		// A store of its own in every batch ID: a store started afresh
		// numbers its receipts from 1 again, and its batches must not be
		// taken for those of an earlier store already on the ledger.
		var raw [6]byte
		if _, err := rand.Read(raw[:]); err != nil {
			return err
		}
		l.storeID = hex.EncodeToString(raw[:])
		return meta.Put(keyStoreID, []byte(l.storeID))
	})
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open anchoring log %s: %w", path, err)
	}
	return l, nil
}

// Close closes the store.
func (l *Log) Close() error {
	if err := l.db.Close(); err != nil {
		return fmt.Errorf("close anchoring log: %w", err)
	}
	return nil
}

// StoreID is the random name of this store, part of every batch ID.
func (l *Log) StoreID() string { return l.storeID }

// BatchID is the ID of the batch of log positions first to last: derived
// from the positions, so that the same batch rebuilt after a crash has
// the same ID and the contract recognises it.
func (l *Log) BatchID(first, last uint64) string {
	return batchPrefix + "-" + l.storeID + "-" + strconv.FormatUint(first, 10) + "-" + strconv.FormatUint(last, 10)
}

// Appended is signalled (without blocking) whenever a receipt is appended.
func (l *Log) Appended() <-chan struct{} { return l.appended }

// Changed returns a channel closed at the next recorded event.
func (l *Log) Changed() <-chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.changed
}

func (l *Log) notifyEvents() {
	l.mu.Lock()
	close(l.changed)
	l.changed = make(chan struct{})
	l.mu.Unlock()
}

// Append records a receipt, durably, and returns its record. A receipt ID
// the log already holds with the same statement returns the record as it
// is now (new is false): posting again is harmless. The same ID with
// another statement is ErrReplay.
func (l *Log) Append(req ledger.ReceiptRequest, user string, now time.Time) (rec *Record, isNew bool, err error) {
	digest := attest.HexDigest(req.Statement.Digest())
	id := req.Statement.ReceiptID
	// db.Batch may run fn more than once (when another call of the same
	// batch fails), so fn sets its results afresh each time and reports
	// a replay through them rather than as an error, which would roll
	// back the other receipts of the batch.
	err = l.db.Batch(func(tx *bolt.Tx) error {
		rec, isNew = nil, false
		receipts, ids := tx.Bucket(bucketReceipts), tx.Bucket(bucketIDs)
		if seq := ids.Get([]byte(id)); seq != nil {
			var old Record
			if err := getJSON(receipts, seq, &old); err != nil {
				return err
			}
			rec = &old
			return nil
		}
		seq, err := receipts.NextSequence()
		if err != nil {
			return err
		}
		rec = &Record{Seq: seq, Request: req, Digest: digest, User: user, Accepted: now.UTC(), Status: StatusPending, Index: -1}
		isNew = true
		if err := putJSON(receipts, seqKey(seq), rec); err != nil {
			return err
		}
		return ids.Put([]byte(id), seqKey(seq))
	})
	if err != nil {
		return nil, false, fmt.Errorf("append receipt %s: %w", id, err)
	}
	if !isNew && rec.Digest != digest {
		return nil, false, replayed(id, rec.Seq)
	}
	if isNew {
		select {
		case l.appended <- struct{}{}:
		default:
		}
	}
	return rec, isNew, nil
}

// Receipt returns the record of a receipt ID; ErrUnknownReceipt when the
// log does not hold it.
func (l *Log) Receipt(id string) (*Record, error) {
	var rec *Record
	err := l.db.View(func(tx *bolt.Tx) error {
		seq := tx.Bucket(bucketIDs).Get([]byte(id))
		if seq == nil {
			return nil
		}
		rec = &Record{}
		return getJSON(tx.Bucket(bucketReceipts), seq, rec)
	})
	if err != nil {
		return nil, fmt.Errorf("read receipt %s: %w", id, err)
	}
	if rec == nil {
		return nil, &logError{ErrUnknownReceipt, ledger.ErrNotFound, "receipt " + id + " is not in the anchoring log"}
	}
	return rec, nil
}

// Proof returns the inclusion proof of an anchored receipt in its batch,
// built from the digests of the batch's accepted receipts, which the log
// keeps with the batch, and checked against the root the contract
// recorded.
func (l *Log) Proof(rec *Record) ([]attest.ProofStep, error) {
	if rec.Status != StatusAnchored {
		return nil, fmt.Errorf("proof of receipt %s: it is %s, not anchored", rec.ReceiptID(), rec.Status)
	}
	b, err := l.Batch(rec.BatchID)
	if errors.Is(err, errMissing) {
		// Retention removed the batch since the record was read.
		return nil, &logError{ErrUnknownReceipt, ledger.ErrNotFound, "receipt " + rec.ReceiptID() + " left the anchoring log (retention) as it was read"}
	}
	if err != nil {
		return nil, fmt.Errorf("proof of receipt %s: %w", rec.ReceiptID(), err)
	}
	leaves := make([][32]byte, len(b.Leaves))
	for i, h := range b.Leaves {
		if leaves[i], err = attest.ParseDigest(h); err != nil {
			return nil, fmt.Errorf("proof of receipt %s: leaf %d of batch %s: %w", rec.ReceiptID(), i, b.ID, err)
		}
	}
	if rec.Index < 0 || rec.Index >= len(leaves) || b.Leaves[rec.Index] != rec.Digest {
		return nil, fmt.Errorf("proof of receipt %s: batch %s has no leaf %d with its digest", rec.ReceiptID(), b.ID, rec.Index)
	}
	proof, err := attest.MerkleProof(leaves, rec.Index)
	if err != nil {
		return nil, fmt.Errorf("proof of receipt %s: %w", rec.ReceiptID(), err)
	}
	root, err := attest.MerkleRoot(leaves)
	if err != nil || attest.HexDigest(root) != b.Root {
		return nil, fmt.Errorf("proof of receipt %s: the leaves of batch %s do not lead to its recorded root %s", rec.ReceiptID(), b.ID, b.Root)
	}
	return proof, nil
}

// Pending reports how many receipts wait to be cut into a batch and when
// the oldest of them was acknowledged.
func (l *Log) Pending() (int, time.Time, error) {
	var n int
	var oldest time.Time
	err := l.db.View(func(tx *bolt.Tx) error {
		receipts := tx.Bucket(bucketReceipts)
		cut := metaSeq(tx, keyCut)
		last := receipts.Sequence()
		if last <= cut {
			return nil
		}
		n = int(last - cut)
		var rec Record
		if err := getJSON(receipts, seqKey(cut+1), &rec); err != nil {
			return err
		}
		oldest = rec.Accepted
		return nil
	})
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("pending receipts: %w", err)
	}
	return n, oldest, nil
}

// Cut records the next batch: up to most receipts following the last one
// cut, under the ID their positions give. It returns nil when no receipt
// waits. The batch is durable before it is first submitted, so a crash at
// any later point finds it open and submits the same receipts under the
// same ID again.
func (l *Log) Cut(most int, now time.Time) (*BatchRecord, error) {
	if most < 1 || most > ledger.MaxBatch {
		return nil, fmt.Errorf("cut a batch of %d receipts: want 1 to %d", most, ledger.MaxBatch)
	}
	var b *BatchRecord
	err := l.db.Update(func(tx *bolt.Tx) error {
		receipts := tx.Bucket(bucketReceipts)
		cut := metaSeq(tx, keyCut)
		last := receipts.Sequence()
		if last <= cut {
			return nil
		}
		first := cut + 1
		last = min(last, cut+uint64(most))
		b = &BatchRecord{ID: l.BatchID(first, last), First: first, Last: last, Cut: now.UTC(), State: batchOpen}
		if err := putJSON(tx.Bucket(bucketBatches), []byte(b.ID), b); err != nil {
			return err
		}
		if err := tx.Bucket(bucketOpen).Put(seqKey(first), []byte(b.ID)); err != nil {
			return err
		}
		err := eachRecord(tx, first, last, func(r *Record) error {
			r.BatchID = b.ID
			return putJSON(receipts, seqKey(r.Seq), r)
		})
		if err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put(keyCut, seqKey(last))
	})
	if err != nil {
		return nil, fmt.Errorf("cut a batch: %w", err)
	}
	return b, nil
}

// Unsettled counts the receipts appended and not yet settled: pending,
// or in a batch the contract has not answered. Batches settle in log
// order, so they are those after the last settled one.
func (l *Log) Unsettled() (uint64, error) {
	var n uint64
	err := l.db.View(func(tx *bolt.Tx) error {
		last := tx.Bucket(bucketReceipts).Sequence()
		settled := metaSeq(tx, keyCut)
		if first, _ := tx.Bucket(bucketOpen).Cursor().First(); first != nil {
			settled = binary.BigEndian.Uint64(first) - 1
		}
		n = last - settled
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("unsettled receipts: %w", err)
	}
	return n, nil
}

// OpenBatches returns the batches cut but not yet settled, oldest first.
func (l *Log) OpenBatches() ([]BatchRecord, error) {
	var out []BatchRecord
	err := l.db.View(func(tx *bolt.Tx) error {
		batches := tx.Bucket(bucketBatches)
		return tx.Bucket(bucketOpen).ForEach(func(_, id []byte) error {
			var b BatchRecord
			if err := getJSON(batches, id, &b); err != nil {
				return fmt.Errorf("batch %s: %w", id, err)
			}
			out = append(out, b)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("open batches: %w", err)
	}
	return out, nil
}

// Batch returns a batch's record.
func (l *Log) Batch(id string) (*BatchRecord, error) {
	var b BatchRecord
	err := l.db.View(func(tx *bolt.Tx) error {
		return getJSON(tx.Bucket(bucketBatches), []byte(id), &b)
	})
	if err != nil {
		return nil, fmt.Errorf("read batch %s: %w", id, err)
	}
	return &b, nil
}

// Request rebuilds a batch's request from the log: the receipts of its
// positions, in order, exactly as they were posted. Rebuilt after a crash
// it is the same request, with the same ID and digest.
func (l *Log) Request(b BatchRecord) (ledger.BatchRequest, error) {
	req := ledger.BatchRequest{ID: b.ID, Receipts: make([]ledger.ReceiptRequest, 0, b.Size())}
	err := l.db.View(func(tx *bolt.Tx) error {
		return eachRecord(tx, b.First, b.Last, func(r *Record) error {
			req.Receipts = append(req.Receipts, r.Request)
			return nil
		})
	})
	if err != nil {
		return req, fmt.Errorf("rebuild batch %s: %w", b.ID, err)
	}
	return req, nil
}

// ErrNotOurBatch is a batch the ledger recorded under one of our IDs from
// other receipts than the log's.
var ErrNotOurBatch = errors.New("the ledger's batch is not the log's")

// Settle records the contract's answer for an open batch: each receipt
// anchored at its leaf or refused with the contract's reason, the batch
// anchored, and one event per receipt and one for the batch, all in one
// transaction. The answer is checked first against the log: one outcome
// per receipt, in order, for the same request, and a root that the
// accepted receipts' digests lead to; anything else is ErrNotOurBatch and
// changes nothing. Settling a batch already settled changes nothing. It
// returns the records it settled.
func (l *Log) Settle(b BatchRecord, got *ledger.Batch, now time.Time) ([]*Record, error) {
	var settled []*Record
	err := l.db.Update(func(tx *bolt.Tx) error {
		settled = nil
		cur, done, err := openBatch(tx, b.ID)
		if err != nil || done {
			return err
		}
		recs, err := records(tx, cur.First, cur.Last)
		if err != nil {
			return err
		}
		if err := matches(cur, recs, got); err != nil {
			return err
		}
		receipts := tx.Bucket(bucketReceipts)
		at := now.UTC()
		for i, r := range recs {
			o := got.Outcomes[i]
			r.Settled, r.TxID = at, got.Created.TxID
			if o.Accepted() {
				r.Status, r.Index, r.Root = StatusAnchored, o.Index, got.Root
				cur.Leaves = append(cur.Leaves, r.Digest)
			} else {
				r.Status, r.Index, r.Kind, r.Reason = StatusRefused, -1, o.Kind, o.Reason
			}
			if err := putJSON(receipts, seqKey(r.Seq), r); err != nil {
				return err
			}
			if _, err := addEvent(tx, "receipt."+r.Status, StatusOf(r, nil)); err != nil {
				return err
			}
		}
		cur.State, cur.TxID, cur.Root, cur.Count, cur.Refused, cur.Settled = batchAnchored, got.Created.TxID, got.Root, got.Count, got.Refused, at
		if err := addSettled(tx, cur); err != nil {
			return err
		}
		if cur.LastEvent, err = addEvent(tx, "batch.anchored", batchEvent(cur)); err != nil {
			return err
		}
		settled = recs
		return closeBatch(tx, cur)
	})
	if err != nil {
		return nil, fmt.Errorf("settle batch %s: %w", b.ID, err)
	}
	if settled != nil {
		l.notifyEvents()
	}
	return settled, nil
}

// Refuse records that the contract refused an open batch as a whole (a
// conflict under its ID, a rule of the batch itself): every receipt is
// refused with the contract's reason, in one transaction with the events.
// It returns the records it settled.
func (l *Log) Refuse(b BatchRecord, kind, reason string, now time.Time) ([]*Record, error) {
	var settled []*Record
	err := l.db.Update(func(tx *bolt.Tx) error {
		settled = nil
		cur, done, err := openBatch(tx, b.ID)
		if err != nil || done {
			return err
		}
		recs, err := records(tx, cur.First, cur.Last)
		if err != nil {
			return err
		}
		receipts := tx.Bucket(bucketReceipts)
		at := now.UTC()
		for _, r := range recs {
			r.Status, r.Index, r.Kind, r.Reason, r.Settled = StatusRefused, -1, kind, reason, at
			if err := putJSON(receipts, seqKey(r.Seq), r); err != nil {
				return err
			}
			if _, err := addEvent(tx, "receipt.refused", StatusOf(r, nil)); err != nil {
				return err
			}
		}
		cur.State, cur.Refused, cur.Kind, cur.Reason, cur.Settled = batchRefused, len(recs), kind, reason, at
		if err := addSettled(tx, cur); err != nil {
			return err
		}
		if cur.LastEvent, err = addEvent(tx, "batch.refused", batchEvent(cur)); err != nil {
			return err
		}
		settled = recs
		return closeBatch(tx, cur)
	})
	if err != nil {
		return nil, fmt.Errorf("refuse batch %s: %w", b.ID, err)
	}
	if settled != nil {
		l.notifyEvents()
	}
	return settled, nil
}

// EventsAfter returns up to most events recorded after event ID after, in
// order; ErrEventsPruned when retention has removed some of them.
func (l *Log) EventsAfter(after uint64, most int) ([]Event, error) {
	var out []Event
	err := l.db.View(func(tx *bolt.Tx) error {
		if pruned := metaSeq(tx, keyEventsPruned); after < pruned {
			return eventsPruned(pruned)
		}
		c := tx.Bucket(bucketEvents).Cursor()
		for k, v := c.Seek(seqKey(after + 1)); k != nil && len(out) < most; k, v = c.Next() {
			var e Event
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("event %d: %w", binary.BigEndian.Uint64(k), err)
			}
			out = append(out, e)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read events after %d: %w", after, err)
	}
	return out, nil
}

// LastEvent is the ID of the last recorded event (0: none).
func (l *Log) LastEvent() (uint64, error) {
	var last uint64
	err := l.db.View(func(tx *bolt.Tx) error {
		last = tx.Bucket(bucketEvents).Sequence()
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("last event: %w", err)
	}
	return last, nil
}

// Counts are the log's totals, for metrics.
type Counts struct {
	Receipts uint64 // appended
	Cut      uint64 // the last position cut into a batch
	Open     int    // batches not yet settled
}

// Counts returns the log's totals.
func (l *Log) Counts() (Counts, error) {
	var c Counts
	err := l.db.View(func(tx *bolt.Tx) error {
		c.Receipts = tx.Bucket(bucketReceipts).Sequence()
		c.Cut = metaSeq(tx, keyCut)
		c.Open = tx.Bucket(bucketOpen).Stats().KeyN
		return nil
	})
	if err != nil {
		return c, fmt.Errorf("log counts: %w", err)
	}
	return c, nil
}

// Backlog is what the log holds that the contract has not decided yet, and
// what it has decided, read in one transaction.
type Backlog struct {
	// Received counts the receipts acknowledged since the store began.
	Received uint64
	// Unsettled are the receipts acknowledged and not yet anchored or
	// refused: waiting to be cut (Waiting) or in an open batch.
	Unsettled uint64
	Waiting   uint64
	// Anchored and Refused count the receipts the contract decided.
	Anchored, Refused uint64
	// OldestUnsettled is when the oldest unsettled receipt was
	// acknowledged; zero when none is.
	OldestUnsettled time.Time
	// InFlight is the oldest open batch, the one the batcher is taking to
	// the ledger (it cuts the next only once it is settled); nil when none
	// is open.
	InFlight *BatchRecord
}

// Backlog reads the log's backlog. It counts as Unsettled and Counts do
// (the admission bound and the metrics), from the positions the log keeps.
func (l *Log) Backlog() (Backlog, error) {
	var b Backlog
	err := l.db.View(func(tx *bolt.Tx) error {
		receipts := tx.Bucket(bucketReceipts)
		b.Received = receipts.Sequence()
		cut := metaSeq(tx, keyCut)
		b.Waiting = b.Received - cut
		b.Anchored, b.Refused = metaSeq(tx, keyAnchored), metaSeq(tx, keyRefused)
		settled := cut
		if first, id := tx.Bucket(bucketOpen).Cursor().First(); first != nil {
			settled = binary.BigEndian.Uint64(first) - 1
			b.InFlight = &BatchRecord{}
			if err := getJSON(tx.Bucket(bucketBatches), id, b.InFlight); err != nil {
				return fmt.Errorf("batch %s: %w", id, err)
			}
		}
		b.Unsettled = b.Received - settled
		if b.Unsettled == 0 {
			return nil
		}
		var oldest Record
		if err := getJSON(receipts, seqKey(settled+1), &oldest); err != nil {
			return fmt.Errorf("receipt at position %d: %w", settled+1, err)
		}
		b.OldestUnsettled = oldest.Accepted
		return nil
	})
	if err != nil {
		return Backlog{}, fmt.Errorf("read the backlog: %w", err)
	}
	return b, nil
}

// addSettled adds a batch just settled to the counts of anchored and
// refused receipts.
func addSettled(tx *bolt.Tx, b *BatchRecord) error {
	meta := tx.Bucket(bucketMeta)
	if err := meta.Put(keyAnchored, seqKey(metaSeq(tx, keyAnchored)+uint64(b.Count))); err != nil {
		return err
	}
	return meta.Put(keyRefused, seqKey(metaSeq(tx, keyRefused)+uint64(b.Refused)))
}

// countSettled sets the counts of anchored and refused receipts of a store
// that lacks them (new, or written before they were kept) from its settled
// batches, once.
func countSettled(tx *bolt.Tx) error {
	if tx.Bucket(bucketMeta).Get(keyAnchored) != nil {
		return nil
	}
	var anchored, refused uint64
	err := tx.Bucket(bucketBatches).ForEach(func(id, raw []byte) error {
		var b BatchRecord
		if err := json.Unmarshal(raw, &b); err != nil {
			return fmt.Errorf("batch %s: %w", id, err)
		}
		if b.State != batchOpen {
			anchored, refused = anchored+uint64(b.Count), refused+uint64(b.Refused)
		}
		return nil
	})
	if err != nil {
		return err
	}
	meta := tx.Bucket(bucketMeta)
	if err := meta.Put(keyAnchored, seqKey(anchored)); err != nil {
		return err
	}
	return meta.Put(keyRefused, seqKey(refused))
}

// matches checks the contract's answer against the batch's receipts.
func matches(b *BatchRecord, recs []*Record, got *ledger.Batch) error {
	if got == nil || got.ID != b.ID {
		return fmt.Errorf("%w: the answer is not batch %s", ErrNotOurBatch, b.ID)
	}
	req := ledger.BatchRequest{ID: b.ID, Receipts: make([]ledger.ReceiptRequest, len(recs))}
	for i, r := range recs {
		req.Receipts[i] = r.Request
	}
	if got.RequestDigest != req.Digest() {
		return fmt.Errorf("%w: batch %s was recorded from request %s, the log's is %s", ErrNotOurBatch, b.ID, got.RequestDigest, req.Digest())
	}
	if len(got.Outcomes) != len(recs) {
		return fmt.Errorf("%w: batch %s has %d outcomes for %d receipts", ErrNotOurBatch, b.ID, len(got.Outcomes), len(recs))
	}
	var leaves [][32]byte
	for i, o := range got.Outcomes {
		if o.ReceiptID != recs[i].ReceiptID() {
			return fmt.Errorf("%w: outcome %d of batch %s is for receipt %s, not %s", ErrNotOurBatch, i, b.ID, o.ReceiptID, recs[i].ReceiptID())
		}
		if !o.Accepted() {
			continue
		}
		if o.Index != len(leaves) {
			return fmt.Errorf("%w: receipt %s of batch %s is at leaf %d, want %d", ErrNotOurBatch, o.ReceiptID, b.ID, o.Index, len(leaves))
		}
		d, err := attest.ParseDigest(recs[i].Digest)
		if err != nil {
			return fmt.Errorf("receipt %s: %w", o.ReceiptID, err)
		}
		leaves = append(leaves, d)
	}
	if len(leaves) != got.Count {
		return fmt.Errorf("%w: batch %s counts %d accepted receipts, its outcomes %d", ErrNotOurBatch, b.ID, got.Count, len(leaves))
	}
	if len(leaves) == 0 {
		return nil
	}
	root, err := attest.MerkleRoot(leaves)
	if err != nil {
		return fmt.Errorf("batch %s: %w", b.ID, err)
	}
	if attest.HexDigest(root) != got.Root {
		return fmt.Errorf("%w: the accepted receipts of batch %s lead to root %s, the ledger recorded %s", ErrNotOurBatch, b.ID, attest.HexDigest(root), got.Root)
	}
	return nil
}

// openBatch reads a batch for settling; done is true when it is settled
// already (a second answer for the same batch changes nothing).
func openBatch(tx *bolt.Tx, id string) (*BatchRecord, bool, error) {
	var b BatchRecord
	if err := getJSON(tx.Bucket(bucketBatches), []byte(id), &b); err != nil {
		return nil, false, fmt.Errorf("batch %s: %w", id, err)
	}
	return &b, b.State != batchOpen, nil
}

// closeBatch stores a settled batch and takes it off the open list.
func closeBatch(tx *bolt.Tx, b *BatchRecord) error {
	if err := putJSON(tx.Bucket(bucketBatches), []byte(b.ID), b); err != nil {
		return err
	}
	return tx.Bucket(bucketOpen).Delete(seqKey(b.First))
}

// batchEventData is the data of a batch event.
type batchEventData struct {
	BatchID string `json:"batchId"`
	TxID    string `json:"txId,omitempty"`
	Root    string `json:"root,omitempty"`
	Count   int    `json:"count"`
	Refused int    `json:"refused"`
	First   uint64 `json:"first"`
	Last    uint64 `json:"last"`
	Kind    string `json:"kind,omitempty"`
	Reason  string `json:"reason,omitempty"`
}

func batchEvent(b *BatchRecord) batchEventData {
	return batchEventData{BatchID: b.ID, TxID: b.TxID, Root: b.Root, Count: b.Count, Refused: b.Refused, First: b.First, Last: b.Last, Kind: b.Kind, Reason: b.Reason}
}

// addEvent appends an event in the transaction and returns its ID.
func addEvent(tx *bolt.Tx, typ string, data any) (uint64, error) {
	events := tx.Bucket(bucketEvents)
	id, err := events.NextSequence()
	if err != nil {
		return 0, err
	}
	raw, err := json.Marshal(data)
	if err != nil {
		return 0, err
	}
	return id, putJSON(events, seqKey(id), Event{ID: id, Type: typ, Data: raw})
}

// records reads the records of positions first to last.
func records(tx *bolt.Tx, first, last uint64) ([]*Record, error) {
	out := make([]*Record, 0, last-first+1)
	err := eachRecord(tx, first, last, func(r *Record) error {
		out = append(out, r)
		return nil
	})
	return out, err
}

// eachRecord calls fn with the record of every position from first to
// last, which must all exist.
func eachRecord(tx *bolt.Tx, first, last uint64, fn func(*Record) error) error {
	c := tx.Bucket(bucketReceipts).Cursor()
	want := first
	for k, v := c.Seek(seqKey(first)); k != nil && want <= last; k, v = c.Next() {
		if seq := binary.BigEndian.Uint64(k); seq != want {
			return fmt.Errorf("the log has position %d where %d should be", seq, want)
		}
		var r Record
		if err := json.Unmarshal(v, &r); err != nil {
			return fmt.Errorf("receipt at position %d: %w", want, err)
		}
		if err := fn(&r); err != nil {
			return err
		}
		want++
	}
	if want <= last {
		return fmt.Errorf("the log ends before position %d", want)
	}
	return nil
}

// seqKey encodes a position big-endian, so that keys sort in log order.
func seqKey(seq uint64) []byte {
	var k [8]byte
	binary.BigEndian.PutUint64(k[:], seq)
	return k[:]
}

func metaSeq(tx *bolt.Tx, key []byte) uint64 {
	v := tx.Bucket(bucketMeta).Get(key)
	if len(v) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(v)
}

var errMissing = errors.New("missing")

func getJSON(b *bolt.Bucket, key []byte, v any) error {
	raw := b.Get(key)
	if raw == nil {
		return errMissing
	}
	return json.Unmarshal(raw, v)
}

func putJSON(b *bolt.Bucket, key []byte, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put(key, raw)
}
