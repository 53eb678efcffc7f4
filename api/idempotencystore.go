package api

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/grantledger/grantledger/client"
)

// Defaults of the idempotency store (StoreOptions fields left zero).
const (
	// IdempotencyTTL is how long a key answers repeats of its request.
	IdempotencyTTL = 24 * time.Hour
	// DefaultIdempotencyMaxEntries bounds the keys kept: more than a day
	// of one keyed POST a second, and a store of at most a few hundred
	// MiB (an answer is a few KiB).
	DefaultIdempotencyMaxEntries = 100_000
)

// maxKeyLen bounds an Idempotency-Key header.
const maxKeyLen = 255

// maxJournaled bounds the transactions one request may record: a route
// makes one or two (docs/api.md).
const maxJournaled = 16

// The store's buckets: entries maps user NUL key to the JSON idemRecord;
// created indexes them by creation time (8 bytes of Unix nanoseconds,
// big-endian, then user NUL key), so that the oldest are found first for
// expiry and eviction; meta holds the format mark.
var (
	bucketEntries = []byte("entries")
	bucketCreated = []byte("created")
	bucketMeta    = []byte("meta")
	keyFormat     = []byte("format")
)

// storeFormat marks a bbolt file as an idempotency store of this layout.
const storeFormat = "grantledger-idempotency/1"

// StoredResponse is the response a POST with an Idempotency-Key produced,
// kept to answer repeats of it.
type StoredResponse struct {
	Status      int
	ContentType string
	// Location is the Location header of a 201, so that a repeat names the
	// created object as the first answer did.
	Location string
	Body     []byte
}

// StoreOptions bound an IdempotencyStore; zero fields take the defaults.
type StoreOptions struct {
	// TTL is how long after its first use a key is kept (IdempotencyTTL).
	TTL time.Duration
	// MaxEntries bounds the keys kept; beyond it the oldest are evicted
	// (DefaultIdempotencyMaxEntries).
	MaxEntries int
	// Now is the store's clock (time.Now).
	Now func() time.Time
}

// Reservation is what Begin found for a key.
type Reservation struct {
	// Stored is the answer of the key's completed request: repeat it.
	Stored *StoredResponse
	// Resumed tells that an earlier run of the same request reserved the
	// key and ended without an answer worth keeping (the API was killed,
	// or a server-side failure came after a transaction was sent): this
	// request takes the reservation over.
	Resumed bool
	// Sent holds the transactions that earlier run recorded, by number
	// (client.Journal): they are sent again, not anew.
	Sent map[int]client.SentTransaction
}

// IdempotencyStore remembers, per user and Idempotency-Key, the
// fingerprint of the request (method, path, body), the transactions its
// run sent and then its response. It lives in a bbolt file (an embedded,
// transactional B+tree store: every change is committed and fsynced before
// the call returns, and a crash leaves the last committed state), so that
// a restarted server still answers repeats and resumes the requests a
// crash interrupted. Keys expire TTL after their first use and at most
// MaxEntries are kept, the oldest evicted first; a reservation held by a
// request still running in this process is never dropped. It is safe for
// concurrent use; one process at a time may open a file.
type IdempotencyStore struct {
	db   *bolt.DB
	ttl  time.Duration
	max  int
	now  func() time.Time
	temp string // the file of a store without a path, removed at Close

	// mu serialises the store's operations: bbolt has one writer at a
	// time anyway, and live and count must change with the file.
	mu sync.Mutex
	// live holds the keys reserved by a request running in this process:
	// a repeat meanwhile is 409. A reservation in the file that is not
	// live was left by an earlier run: a repeat resumes it.
	live  map[idemKey]bool
	count int // entries in the file
}

type idemKey struct{ user, key string }

// bytes is the key's name in the entries bucket: user NUL key (a key is
// printable ASCII, a user name has no NUL).
func (k idemKey) bytes() []byte { return []byte(k.user + "\x00" + k.key) }

// check tells whether the store can keep k.
func (k idemKey) check() error {
	switch {
	case k.user == "" || bytes.IndexByte([]byte(k.user), 0) >= 0:
		return fmt.Errorf("idempotency key %q: user %q is empty or holds NUL", k.key, k.user)
	case k.key == "" || len(k.key) > maxKeyLen || !printableASCII(k.key):
		return fmt.Errorf("idempotency key of %s: %q is not 1 to %d printable ASCII characters", k.user, k.key, maxKeyLen)
	}
	return nil
}

// parseIdemKey reads an entries key; false when it is not one the store
// writes.
func parseIdemKey(b []byte) (idemKey, bool) {
	user, key, ok := bytes.Cut(b, []byte{0})
	k := idemKey{string(user), string(key)}
	return k, ok && k.check() == nil
}

// createdKey is k's name in the created index.
func createdKey(created time.Time, k idemKey) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(max(created.UnixNano(), 0)))
	return append(b[:], k.bytes()...)
}

// idemRecord is one entry of the store, as JSON.
type idemRecord struct {
	Fingerprint string    `json:"fingerprint"`
	Created     time.Time `json:"created"`
	// Done: the response below is stored. Otherwise the key is reserved
	// and Transactions lists what its run sent.
	Done         bool         `json:"done,omitempty"`
	Status       int          `json:"status,omitempty"`
	ContentType  string       `json:"contentType,omitempty"`
	Location     string       `json:"location,omitempty"`
	Body         []byte       `json:"body,omitempty"`
	Transactions []journalled `json:"transactions,omitempty"`
}

// journalled is one transaction a reserved key's run recorded.
type journalled struct {
	N        int    `json:"n"`
	Name     string `json:"name"`
	ID       string `json:"id"`
	Envelope []byte `json:"envelope"`
}

// check tells whether r is an entry the store could have written: a
// stored response of a status the server stores (below 500) and can
// replay (net/http writes 100 to 999), or a reservation whose
// transactions are numbered, named and complete.
func (r *idemRecord) check() error {
	switch {
	case r.Fingerprint == "":
		return errors.New("no fingerprint")
	case r.Created.IsZero():
		return errors.New("no creation time")
	case r.Done && (r.Status < 100 || r.Status >= 500):
		return fmt.Errorf("stored status %d is not one the server stores", r.Status)
	case r.Done && len(r.Transactions) > 0:
		return errors.New("a stored response with transactions")
	case !r.Done && (r.Status != 0 || r.ContentType != "" || r.Location != "" || r.Body != nil):
		return errors.New("a reservation with a response")
	case len(r.Transactions) > maxJournaled:
		return fmt.Errorf("%d transactions, at most %d", len(r.Transactions), maxJournaled)
	}
	seen := map[int]bool{}
	for _, t := range r.Transactions {
		if err := checkSent(t.N, client.SentTransaction{Name: t.Name, ID: t.ID, Envelope: t.Envelope}); err != nil {
			return err
		}
		if seen[t.N] {
			return fmt.Errorf("transaction %d twice", t.N)
		}
		seen[t.N] = true
	}
	return nil
}

func checkSent(n int, tx client.SentTransaction) error {
	switch {
	case n < 1 || n > maxJournaled:
		return fmt.Errorf("transaction number %d is not 1 to %d", n, maxJournaled)
	case tx.Name == "" || tx.ID == "" || len(tx.Envelope) == 0:
		return fmt.Errorf("transaction %d lacks its name, ID or envelope", n)
	}
	return nil
}

func (r *idemRecord) expired(now time.Time, ttl time.Duration) bool {
	return now.Sub(r.Created) >= ttl
}

func (r *idemRecord) response() *StoredResponse {
	return &StoredResponse{Status: r.Status, ContentType: r.ContentType, Location: r.Location, Body: r.Body}
}

func (r *idemRecord) sent() map[int]client.SentTransaction {
	out := make(map[int]client.SentTransaction, len(r.Transactions))
	for _, t := range r.Transactions {
		out[t.N] = client.SentTransaction{Name: t.Name, ID: t.ID, Envelope: t.Envelope}
	}
	return out
}

// decodeRecord reads and checks an entry's value.
func decodeRecord(v []byte) (*idemRecord, error) {
	var r idemRecord
	if err := json.Unmarshal(v, &r); err != nil {
		return nil, err
	}
	if err := r.check(); err != nil {
		return nil, err
	}
	return &r, nil
}

// OpenIdempotencyStore opens the store file at path, creating it when
// missing; path "" makes a store in a temporary file removed at once, so
// that nothing outlives the process. Entries that expired, or that the
// store could not have written (a damaged or foreign value), are dropped,
// and the oldest beyond the size bound evicted.
func OpenIdempotencyStore(path string, o StoreOptions) (*IdempotencyStore, error) {
	setDefault(&o.TTL, IdempotencyTTL)
	setDefault(&o.MaxEntries, DefaultIdempotencyMaxEntries)
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.TTL < 0 || o.MaxEntries < 0 {
		return nil, fmt.Errorf("open idempotency store %s: TTL %s and max entries %d must be positive", path, o.TTL, o.MaxEntries)
	}
	s := &IdempotencyStore{ttl: o.TTL, max: o.MaxEntries, now: o.Now, live: map[idemKey]bool{}}
	file := path
	// Another process holding the file (a second API on the same store)
	// is an error after a second, not a hang.
	opts := &bolt.Options{Timeout: time.Second}
	if path == "" {
		f, err := os.CreateTemp("", "grantledger-idempotency-*.db")
		if err != nil {
			return nil, fmt.Errorf("open idempotency store in memory: %w", err)
		}
		file = f.Name()
		_ = f.Close()
		// Nothing of it must survive a crash: no need to sync.
		opts.NoSync = true
	}
	db, err := bolt.Open(file, 0o600, opts)
	if path == "" {
		// The open file lives on without its name (POSIX), and the
		// kernel frees it with the process, however it ends.
		if os.Remove(file) != nil {
			s.temp = file
		}
	}
	if err != nil {
		return nil, fmt.Errorf("open idempotency store %s: %w", file, explainOpen(err))
	}
	s.db = db
	if err := s.load(); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open idempotency store %s: %w", file, err)
	}
	return s, nil
}

// explainOpen says what an error of bolt.Open means for the operator.
func explainOpen(err error) error {
	switch {
	case errors.Is(err, bolterrors.ErrTimeout):
		return fmt.Errorf("%w: another process holds the file (is a second grantledger-api running on it?)", err)
	case errors.Is(err, bolterrors.ErrInvalid), errors.Is(err, bolterrors.ErrVersionMismatch), errors.Is(err, bolterrors.ErrChecksum):
		return fmt.Errorf("%w: the file is not a bbolt database (the JSON-lines file of an earlier grantledger-api? move it away)", err)
	}
	return err
}

// load checks the file's format mark, drops the entries that are expired
// or could not have been written by the store, rebuilds the created
// index from the entries (so that the two cannot disagree), counts the
// entries and evicts the oldest beyond the bound.
func (s *IdempotencyStore) load() error {
	now := s.now()
	return s.db.Update(func(tx *bolt.Tx) error {
		if meta := tx.Bucket(bucketMeta); meta != nil {
			if f := meta.Get(keyFormat); string(f) != storeFormat {
				return fmt.Errorf("format %q, want %q", f, storeFormat)
			}
		} else {
			var names []string
			_ = tx.ForEach(func(name []byte, _ *bolt.Bucket) error {
				names = append(names, string(name))
				return nil
			})
			if len(names) > 0 {
				return fmt.Errorf("a bbolt database with buckets %q but no format mark is not an idempotency store", names)
			}
			meta, err := tx.CreateBucket(bucketMeta)
			if err != nil {
				return err
			}
			if err := meta.Put(keyFormat, []byte(storeFormat)); err != nil {
				return err
			}
		}
		entries, err := tx.CreateBucketIfNotExists(bucketEntries)
		if err != nil {
			return err
		}
		if tx.Bucket(bucketCreated) != nil {
			if err := tx.DeleteBucket(bucketCreated); err != nil {
				return err
			}
		}
		created, err := tx.CreateBucket(bucketCreated)
		if err != nil {
			return err
		}
		var drop, dropBuckets [][]byte
		count := 0
		err = entries.ForEach(func(k, v []byte) error {
			if v == nil { // a nested bucket: not the store's
				dropBuckets = append(dropBuckets, bytes.Clone(k))
				return nil
			}
			key, ok := parseIdemKey(k)
			rec, err := decodeRecord(v)
			if !ok || err != nil || rec.expired(now, s.ttl) {
				drop = append(drop, bytes.Clone(k))
				return nil
			}
			count++
			return created.Put(createdKey(rec.Created, key), nil)
		})
		if err != nil {
			return err
		}
		for _, k := range drop {
			if err := entries.Delete(k); err != nil {
				return err
			}
		}
		for _, k := range dropBuckets {
			if err := entries.DeleteBucket(k); err != nil {
				return err
			}
		}
		evicted, err := s.evict(tx, count-s.max)
		if err != nil {
			return err
		}
		s.count = count - evicted
		return nil
	})
}

// get reads k's entry; nil when there is none. A value that does not
// decode (which load would have dropped) counts as none.
func (s *IdempotencyStore) get(k idemKey) (*idemRecord, error) {
	var rec *idemRecord
	err := s.db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bucketEntries).Get(k.bytes()); v != nil {
			rec, _ = decodeRecord(v)
		}
		return nil
	})
	return rec, err
}

// put writes k's entry (the index is the caller's).
func put(tx *bolt.Tx, k idemKey, rec *idemRecord) error {
	v, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	return tx.Bucket(bucketEntries).Put(k.bytes(), v)
}

// remove deletes k's entry and its index entry.
func remove(tx *bolt.Tx, k idemKey, created time.Time) error {
	if err := tx.Bucket(bucketEntries).Delete(k.bytes()); err != nil {
		return err
	}
	return tx.Bucket(bucketCreated).Delete(createdKey(created, k))
}

// Begin looks up a user's key for a request of the given fingerprint. A
// completed entry of the same fingerprint gives its response; an entry of
// another fingerprint is errKeyReused; one reserved by a request running
// in this process is errKeyInProgress; one reserved by an earlier run that
// ended without an answer is taken over (Resumed, with the transactions
// that run sent). Otherwise the key is reserved, durably, for this
// request. In the last two cases the caller must then Complete or Abandon
// the key.
func (s *IdempotencyStore) Begin(user, key, fingerprint string) (*Reservation, error) {
	k := idemKey{user, key}
	if err := k.check(); err != nil {
		return nil, err
	}
	if fingerprint == "" {
		return nil, fmt.Errorf("idempotency key %q: no fingerprint", key)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.live[k] {
		return nil, errKeyInProgress
	}
	now := s.now()
	old, err := s.get(k)
	if err != nil {
		return nil, fmt.Errorf("idempotency key %q: %w", key, err)
	}
	if old != nil && !old.expired(now, s.ttl) {
		switch {
		case old.Fingerprint != fingerprint:
			return nil, fmt.Errorf("%w: key %q was first used %s for another method, path or body", errKeyReused, key, old.Created.UTC().Format(time.RFC3339))
		case old.Done:
			return &Reservation{Stored: old.response()}, nil
		}
		s.live[k] = true
		return &Reservation{Resumed: true, Sent: old.sent()}, nil
	}
	count := s.count
	err = s.db.Update(func(tx *bolt.Tx) error {
		count = s.count
		if old != nil {
			if err := remove(tx, k, old.Created); err != nil {
				return err
			}
			count--
		}
		rec := &idemRecord{Fingerprint: fingerprint, Created: now}
		if err := put(tx, k, rec); err != nil {
			return err
		}
		if err := tx.Bucket(bucketCreated).Put(createdKey(now, k), nil); err != nil {
			return err
		}
		count++
		expired, err := s.expire(tx, now)
		if err != nil {
			return err
		}
		count -= expired
		evicted, err := s.evict(tx, count-s.max)
		count -= evicted
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("reserve idempotency key %q: %w", key, err)
	}
	s.count = count
	s.live[k] = true
	return &Reservation{}, nil
}

// expire deletes the entries older than the TTL, but those of requests
// running in this process, and returns how many it deleted.
func (s *IdempotencyStore) expire(tx *bolt.Tx, now time.Time) (int, error) {
	var doomed [][]byte
	cutoff := createdKey(now.Add(-s.ttl), idemKey{})[:8]
	c := tx.Bucket(bucketCreated).Cursor()
	for ck, _ := c.First(); ck != nil && bytes.Compare(ck[:min(8, len(ck))], cutoff) <= 0; ck, _ = c.Next() {
		if k, ok := parseIdemKey(ck[min(8, len(ck)):]); ok && !s.live[k] {
			doomed = append(doomed, bytes.Clone(ck))
		}
	}
	return s.drop(tx, doomed)
}

// evict deletes the n oldest entries, but those of requests running in
// this process, and returns how many it deleted.
func (s *IdempotencyStore) evict(tx *bolt.Tx, n int) (int, error) {
	if n <= 0 {
		return 0, nil
	}
	var doomed [][]byte
	c := tx.Bucket(bucketCreated).Cursor()
	for ck, _ := c.First(); ck != nil && len(doomed) < n; ck, _ = c.Next() {
		if k, ok := parseIdemKey(ck[min(8, len(ck)):]); ok && !s.live[k] {
			doomed = append(doomed, bytes.Clone(ck))
		}
	}
	return s.drop(tx, doomed)
}

// drop deletes the index keys given and the entries they name, and
// returns how many entries it deleted. (Keys are collected first:
// deleting under a bbolt cursor while it walks may skip the next key.) An
// index key whose entry was written at another time is stale: only the
// index key goes.
func (s *IdempotencyStore) drop(tx *bolt.Tx, createdKeys [][]byte) (int, error) {
	entries, created := tx.Bucket(bucketEntries), tx.Bucket(bucketCreated)
	n := 0
	for _, ck := range createdKeys {
		if v := entries.Get(ck[8:]); v != nil {
			if rec, err := decodeRecord(v); err == nil && bytes.Equal(createdKey(rec.Created, idemKey{})[:8], ck[:8]) {
				if err := entries.Delete(ck[8:]); err != nil {
					return n, err
				}
				n++
			}
		}
		if err := created.Delete(ck); err != nil {
			return n, err
		}
	}
	return n, nil
}

// update changes the entry of a key reserved by a running request, in
// one committed transaction.
func (s *IdempotencyStore) update(k idemKey, change func(*idemRecord) error) error {
	if !s.live[k] {
		return fmt.Errorf("idempotency key %q of %s is not reserved by a running request", k.key, k.user)
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketEntries).Get(k.bytes())
		if v == nil {
			return errors.New("its entry is gone")
		}
		rec, err := decodeRecord(v)
		if err != nil {
			return err
		}
		if rec.Done {
			return errors.New("its response is stored already")
		}
		if err := change(rec); err != nil {
			return err
		}
		return put(tx, k, rec)
	})
}

// Record records, durably, the n-th transaction of the request that holds
// the key, before the transaction is sent (client.Journal).
func (s *IdempotencyStore) Record(user, key string, n int, sent client.SentTransaction) error {
	if err := checkSent(n, sent); err != nil {
		return fmt.Errorf("record for idempotency key %q: %w", key, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	err := s.update(idemKey{user, key}, func(r *idemRecord) error {
		r.Transactions = slices.DeleteFunc(r.Transactions, func(t journalled) bool { return t.N == n })
		r.Transactions = append(r.Transactions, journalled{N: n, Name: sent.Name, ID: sent.ID, Envelope: sent.Envelope})
		return nil
	})
	if err != nil {
		return fmt.Errorf("record transaction %s for idempotency key %q: %w", sent.ID, key, err)
	}
	return nil
}

// Forget drops the n-th transaction of the request that holds the key:
// the ledger invalidated it (client.Journal).
func (s *IdempotencyStore) Forget(user, key string, n int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	err := s.update(idemKey{user, key}, func(r *idemRecord) error {
		r.Transactions = slices.DeleteFunc(r.Transactions, func(t journalled) bool { return t.N == n })
		return nil
	})
	if err != nil {
		return fmt.Errorf("forget transaction %d of idempotency key %q: %w", n, key, err)
	}
	return nil
}

// Complete stores, durably, the response of the request that holds the
// key; the transactions it recorded are no longer needed. The key is free
// of its request even when storing fails (the reservation, with its
// transactions, then stays in the file, and a repeat resumes it).
func (s *IdempotencyStore) Complete(user, key string, resp StoredResponse) error {
	k := idemKey{user, key}
	s.mu.Lock()
	defer s.mu.Unlock()
	defer delete(s.live, k)
	if resp.Status < 100 || resp.Status >= 500 {
		return fmt.Errorf("complete idempotency key %q: status %d is not stored", key, resp.Status)
	}
	err := s.update(k, func(r *idemRecord) error {
		r.Done, r.Transactions = true, nil
		r.Status, r.ContentType, r.Location, r.Body = resp.Status, resp.ContentType, resp.Location, resp.Body
		return nil
	})
	if err != nil {
		return fmt.Errorf("complete idempotency key %q: %w", key, err)
	}
	return nil
}

// Abandon frees a key whose request produced no answer worth repeating (a
// server-side failure, a client that went away), so that the caller may
// retry it. When the request recorded transactions, whose outcome may be
// unknown, the reservation stays in the file, not held by anyone: a retry
// resumes it and sends them again rather than new ones. Otherwise it is
// deleted.
func (s *IdempotencyStore) Abandon(user, key string) error {
	k := idemKey{user, key}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.live[k] {
		return nil
	}
	delete(s.live, k)
	rec, err := s.get(k)
	if err != nil {
		return fmt.Errorf("abandon idempotency key %q: %w", key, err)
	}
	if rec == nil || rec.Done || len(rec.Transactions) > 0 {
		return nil
	}
	err = s.db.Update(func(tx *bolt.Tx) error { return remove(tx, k, rec.Created) })
	if err != nil {
		return fmt.Errorf("abandon idempotency key %q: %w", key, err)
	}
	s.count--
	return nil
}

// Close closes the store file.
func (s *IdempotencyStore) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	err := s.db.Close()
	if s.temp != "" {
		_ = os.Remove(s.temp)
	}
	if err != nil {
		return fmt.Errorf("close idempotency store: %w", err)
	}
	return nil
}
