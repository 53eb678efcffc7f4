package client

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	gateway "github.com/hyperledger/fabric-gateway/pkg/client"
)

// A Journal keeps, durably, the transactions one request sends, so that the
// request can be run again after its first run died (a crash, a lost
// answer) without sending anything twice: the n-th transaction the request
// records (counted from 1; retries of one transaction share its number, and
// a submit refused before it was recorded takes none) is recorded, signed
// and endorsed, before it is sent to the ordering
// service; a later run of the same request finds it and sends those exact
// bytes again instead of a new proposal. Fabric invalidates a copy of a
// transaction ID it has already ordered (DUPLICATE_TXID) and reports, for
// the ID, the status of the first, so the second run learns the first
// run's outcome and takes the result from the recorded transaction: the
// request answers as the first run would have. The API keeps one journal
// per request that carries an Idempotency-Key.
type Journal interface {
	// Sent returns the request's n-th transaction as an earlier run
	// recorded it, if any.
	Sent(n int) (SentTransaction, bool)
	// Record durably records the request's n-th transaction before it is
	// sent; an error stops the send.
	Record(n int, tx SentTransaction) error
	// Forget drops the n-th transaction once the ledger has invalidated
	// it: it will never commit, and a later run must send a new one.
	Forget(n int) error
}

// SentTransaction is one transaction of a request, as a Journal records it.
type SentTransaction struct {
	// Name is the contract transaction (SubmitReceipt…): a later run
	// resends it only for the same transaction.
	Name string
	// ID is the Fabric transaction ID.
	ID string
	// Envelope is the signed, endorsed transaction (the gateway's
	// Transaction.Bytes), ready to be sent to the ordering service.
	Envelope []byte
}

// journalKey is the context key of a request's journal.
type journalKey struct{}

// journalRef is a journal and the number of the request's transactions it
// holds so far. A number is taken by a transaction recorded (or found
// recorded by an earlier run) and given back when the journal forgets it,
// not by a submit that failed before recording anything: so a request run
// again numbers its transactions as the run before did, however many
// attempts either made (the API retries an attach a peer was behind for).
type journalRef struct {
	j  Journal
	mu sync.Mutex
	n  int
}

// take records that the n-th transaction is in the journal.
func (r *journalRef) take(n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.n = max(r.n, n)
}

// release records that the journal forgot the n-th transaction.
func (r *journalRef) release(n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.n == n {
		r.n = n - 1
	}
}

// next is the number of the transaction about to be submitted.
func (r *journalRef) next() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.n + 1
}

// counted is a request's journal as the client uses it: it keeps the
// request's count of transactions (journalRef) in step with what the
// journal holds.
type counted struct{ ref *journalRef }

func (c counted) Sent(n int) (SentTransaction, bool) {
	tx, ok := c.ref.j.Sent(n)
	if ok {
		c.ref.take(n)
	}
	return tx, ok
}

func (c counted) Record(n int, tx SentTransaction) error {
	if err := c.ref.j.Record(n, tx); err != nil {
		return err
	}
	c.ref.take(n)
	return nil
}

func (c counted) Forget(n int) error {
	if err := c.ref.j.Forget(n); err != nil {
		return err
	}
	c.ref.release(n)
	return nil
}

// WithJournal returns a context under which every transaction the Client
// submits is recorded in j before it is sent, and resent from j when an
// earlier run of the request recorded it: each transaction recorded counts
// as the next of the request, so use one context per request.
func WithJournal(ctx context.Context, j Journal) context.Context {
	return context.WithValue(ctx, journalKey{}, &journalRef{j: j})
}

// nextTransaction returns the journal of ctx and the number of the
// transaction about to be submitted, or nil when ctx has no journal. The
// number is taken only when the transaction is recorded.
func nextTransaction(ctx context.Context) (Journal, int) {
	ref, ok := ctx.Value(journalKey{}).(*journalRef)
	if !ok || ref.j == nil {
		return nil, 0
	}
	return counted{ref}, ref.next()
}

// errJournal marks a transaction the journal refused or handed back in a
// state it cannot be sent in: nothing was sent.
var errJournal = errors.New("request journal")

// record signs an endorsed transaction and records it as the request's
// n-th before it is sent. The gateway would sign it while sending it; it
// is signed here instead, so that the bytes recorded are exactly those
// sent (an ECDSA signature differs each time it is made).
func (c *Client) record(j Journal, n int, name string, tx *gateway.Transaction) (*gateway.Transaction, error) {
	unsigned, err := tx.Bytes()
	if err != nil {
		return nil, fmt.Errorf("%w: transaction %d (%s): %w", errJournal, n, tx.TransactionID(), err)
	}
	signature, err := c.sign(tx.Digest())
	if err != nil {
		return nil, fmt.Errorf("%w: sign transaction %s: %w", errJournal, tx.TransactionID(), err)
	}
	signed, err := c.gate.NewSignedTransaction(unsigned, signature)
	if err != nil {
		return nil, fmt.Errorf("%w: transaction %s: %w", errJournal, tx.TransactionID(), err)
	}
	envelope, err := signed.Bytes()
	if err != nil {
		return nil, fmt.Errorf("%w: transaction %s: %w", errJournal, tx.TransactionID(), err)
	}
	if err := j.Record(n, SentTransaction{Name: name, ID: signed.TransactionID(), Envelope: envelope}); err != nil {
		return nil, fmt.Errorf("%w: record transaction %d (%s) before sending it: %w", errJournal, n, signed.TransactionID(), err)
	}
	return signed, nil
}

// resend sends again the transaction an earlier run of the request
// recorded as its n-th, and waits for its commit: the status is that of
// the first copy the ordering service received, and the result is the one
// its endorsers gave.
func (c *Client) resend(ctx context.Context, j Journal, n int, name string, sent SentTransaction) ([]byte, error) {
	if sent.Name != name {
		return nil, fmt.Errorf("%w: the request's transaction %d is %s now but was %s when it was recorded: the request no longer runs as it did", errJournal, n, name, sent.Name)
	}
	tx, err := c.gate.NewTransaction(sent.Envelope)
	if err != nil {
		return nil, fmt.Errorf("%w: recorded transaction %d (%s): %w", errJournal, n, sent.ID, err)
	}
	if tx.TransactionID() != sent.ID {
		return nil, fmt.Errorf("%w: recorded transaction %d was recorded as %s but is %s", errJournal, n, sent.ID, tx.TransactionID())
	}
	return c.commit(ctx, tx, j, n)
}

// A JournalShare is one request's part in a transaction that carries the
// work of several requests (the receipts the API coalesces into one
// SubmitReceipts): the request's journal and the number the shared
// transaction has among the request's transactions.
type JournalShare struct {
	j Journal
	n int
}

// NextShare gives the number of the next transaction of ctx's request for
// a transaction it will share with other requests (WithShares); false when
// ctx has no journal. The number is taken when the shared transaction is
// recorded. Ask once per request and keep it while the shared transaction
// is retried: a retry is the same transaction of the request, recorded
// anew in its place.
func NextShare(ctx context.Context) (JournalShare, bool) {
	j, n := nextTransaction(ctx)
	if j == nil {
		return JournalShare{}, false
	}
	return JournalShare{j: j, n: n}, true
}

// Resuming reports whether an earlier run of ctx's request recorded the
// transaction the request is about to submit: that run's transaction is
// then sent again (it may have been shared with other requests), so the
// request must submit on its own, under its own context, to learn its
// outcome.
func Resuming(ctx context.Context) bool {
	ref, ok := ctx.Value(journalKey{}).(*journalRef)
	if !ok || ref.j == nil {
		return false
	}
	_, sent := ref.j.Sent(ref.next())
	return sent
}

// ResumedTransaction is the ID of the transaction an earlier run of ctx's
// request recorded as the one the request is about to submit; "" when
// there is none (Resuming is false).
func ResumedTransaction(ctx context.Context) string {
	ref, ok := ctx.Value(journalKey{}).(*journalRef)
	if !ok || ref.j == nil {
		return ""
	}
	tx, sent := ref.j.Sent(ref.next())
	if !sent {
		return ""
	}
	return tx.ID
}

// WithShares returns a context under which the next transaction is
// recorded in the journal of every share, as that request's transaction,
// before it is sent; each request, run again after a crash, then sends
// that same transaction again and learns its outcome (Resuming). The
// transaction is new, never one an earlier run recorded.
func WithShares(ctx context.Context, shares []JournalShare) context.Context {
	if len(shares) == 0 {
		return ctx
	}
	return WithJournal(ctx, sharedJournal(slices.Clone(shares)))
}

// sharedJournal records one transaction in several requests' journals.
type sharedJournal []JournalShare

func (sharedJournal) Sent(int) (SentTransaction, bool) { return SentTransaction{}, false }

// Record records tx in every share. When one journal refuses it, those
// that took it forget it again: the transaction is not sent, and no
// request may send it later.
func (s sharedJournal) Record(_ int, tx SentTransaction) error {
	for i, share := range s {
		if err := share.j.Record(share.n, tx); err != nil {
			errs := []error{err}
			for _, done := range s[:i] {
				if ferr := done.j.Forget(done.n); ferr != nil {
					errs = append(errs, fmt.Errorf("forget it again in another request's journal: %w", ferr))
				}
			}
			return errors.Join(errs...)
		}
	}
	return nil
}

func (s sharedJournal) Forget(int) error {
	var errs []error
	for _, share := range s {
		if err := share.j.Forget(share.n); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
