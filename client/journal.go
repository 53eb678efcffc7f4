package client

import (
	"context"
	"errors"
	"fmt"
	"sync"

	gateway "github.com/hyperledger/fabric-gateway/pkg/client"
)

// A Journal keeps, durably, the transactions one request sends, so that the
// request can be run again after its first run died (a crash, a lost
// answer) without sending anything twice: the n-th transaction the request
// submits (counted from 1, retries of one transaction sharing its number)
// is recorded, signed and endorsed, before it is sent to the ordering
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

// journalRef is a journal and the number of transactions submitted under
// it so far.
type journalRef struct {
	j  Journal
	mu sync.Mutex
	n  int
}

// WithJournal returns a context under which every transaction the Client
// submits is recorded in j before it is sent, and resent from j when an
// earlier run of the request recorded it: each submit counts as the next
// transaction of the request, so use one context per request.
func WithJournal(ctx context.Context, j Journal) context.Context {
	return context.WithValue(ctx, journalKey{}, &journalRef{j: j})
}

// nextTransaction returns the journal of ctx and the number of the
// transaction about to be submitted, or nil when ctx has no journal.
func nextTransaction(ctx context.Context) (Journal, int) {
	ref, ok := ctx.Value(journalKey{}).(*journalRef)
	if !ok || ref.j == nil {
		return nil, 0
	}
	ref.mu.Lock()
	defer ref.mu.Unlock()
	ref.n++
	return ref.j, ref.n
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
