package api

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	crand "crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	gatewaypb "github.com/hyperledger/fabric-protos-go-apiv2/gateway"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	bolt "go.etcd.io/bbolt"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/proto"

	"github.com/grantledger/grantledger/client"
	"github.com/grantledger/grantledger/ledger"
)

func TestIdempotentPOST(t *testing.T) {
	other := strings.Replace(datasetBody, "Clinics", "Hospitals", 1)
	type step struct {
		user, key, body string
		failWith        error // the ledger's answer to this step
		wantStatus      int
		wantReplayed    bool
		wantCode        string
	}
	tests := []struct {
		name      string
		steps     []step
		wantCalls int
	}{
		{name: "repeat gets the stored response without a second call", wantCalls: 1, steps: []step{
			{user: "Admin", key: "k1", body: datasetBody, wantStatus: 201},
			{user: "Admin", key: "k1", body: datasetBody, wantStatus: 201, wantReplayed: true},
			{user: "Admin", key: "k1", body: datasetBody, wantStatus: 201, wantReplayed: true},
		}},
		{name: "same key with another body is refused", wantCalls: 1, steps: []step{
			{user: "Admin", key: "k1", body: datasetBody, wantStatus: 201},
			{user: "Admin", key: "k1", body: other, wantStatus: 422, wantCode: "idempotency_key_reused"},
		}},
		{name: "keys belong to their user", wantCalls: 2, steps: []step{
			{user: "Admin", key: "k1", body: datasetBody, wantStatus: 201},
			{user: "User1", key: "k1", body: datasetBody, wantStatus: 201},
		}},
		{name: "without a key every request runs", wantCalls: 2, steps: []step{
			{user: "Admin", body: datasetBody, wantStatus: 201},
			{user: "Admin", body: datasetBody, wantStatus: 201},
		}},
		{name: "a refusal is stored like a success", wantCalls: 1, steps: []step{
			{user: "Admin", key: "k1", body: datasetBody, failWith: &client.Error{Kind: client.ErrRefused, Op: "CreateDataset", Message: "no"}, wantStatus: 422, wantCode: "refused"},
			{user: "Admin", key: "k1", body: datasetBody, wantStatus: 422, wantReplayed: true, wantCode: "refused"},
		}},
		{name: "a server failure is not stored: the key may be retried", wantCalls: 2, steps: []step{
			{user: "Admin", key: "k1", body: datasetBody, failWith: &client.Error{Kind: client.ErrUnavailable, Op: "CreateDataset", Message: "peer down"}, wantStatus: 503, wantCode: "unavailable"},
			{user: "Admin", key: "k1", body: datasetBody, wantStatus: 201},
			{user: "Admin", key: "k1", body: datasetBody, wantStatus: 201, wantReplayed: true},
		}},
		{name: "malformed key", wantCalls: 0, steps: []step{
			{user: "Admin", key: strings.Repeat("k", 300), body: datasetBody, wantStatus: 400, wantCode: "invalid"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t)
			var first, firstLocation string
			for i, st := range tt.steps {
				ts.state.setErr("CreateDataset", st.failWith)
				h := map[string]string{}
				if st.key != "" {
					h["Idempotency-Key"] = st.key
				}
				rec := ts.do(t, request{method: http.MethodPost, path: "/v1/datasets", body: st.body, user: st.user, header: h})
				if rec.Code != st.wantStatus {
					t.Fatalf("step %d: status: got %d, want %d; body %s", i, rec.Code, st.wantStatus, rec.Body)
				}
				if got := rec.Header().Get("Idempotent-Replayed") == "true"; got != st.wantReplayed {
					t.Errorf("step %d: replayed: got %v, want %v", i, got, st.wantReplayed)
				}
				if st.wantCode != "" {
					if b := decodeErrorBody(t, rec); b.Code != st.wantCode {
						t.Errorf("step %d: code: got %q, want %q", i, b.Code, st.wantCode)
					}
				}
				if st.wantReplayed && rec.Body.String() != first {
					t.Errorf("step %d: replayed body: got %s, want %s", i, rec.Body, first)
				}
				if st.wantReplayed && rec.Header().Get("Location") != firstLocation {
					t.Errorf("step %d: replayed Location: got %q, want %q", i, rec.Header().Get("Location"), firstLocation)
				}
				if i == 0 || !st.wantReplayed {
					first, firstLocation = rec.Body.String(), rec.Header().Get("Location")
				}
			}
			if got := len(ts.state.recorded()); got != tt.wantCalls {
				t.Errorf("ledger calls: got %d, want %d", got, tt.wantCalls)
			}
		})
	}
}

func TestIdempotencyKeyInProgress(t *testing.T) {
	ts := newTestServer(t)
	release := make(chan struct{})
	ts.state.block["CreateDataset"] = release
	h := map[string]string{"Idempotency-Key": "k1"}
	var wg sync.WaitGroup
	wg.Add(1)
	var firstStatus int
	go func() {
		defer wg.Done()
		firstStatus = ts.do(t, request{method: http.MethodPost, path: "/v1/datasets", body: datasetBody, user: "Admin", header: h}).Code
	}()
	<-ts.state.entered // the first request is inside the ledger call
	rec := ts.do(t, request{method: http.MethodPost, path: "/v1/datasets", body: datasetBody, user: "Admin", header: h})
	if rec.Code != http.StatusConflict {
		t.Errorf("concurrent duplicate: got %d, want 409; body %s", rec.Code, rec.Body)
	} else if b := decodeErrorBody(t, rec); b.Code != "idempotency_key_in_progress" {
		t.Errorf("code: got %q, want idempotency_key_in_progress", b.Code)
	}
	close(release)
	wg.Wait()
	if firstStatus != http.StatusCreated {
		t.Errorf("first request: got %d, want 201", firstStatus)
	}
	rec = ts.do(t, request{method: http.MethodPost, path: "/v1/datasets", body: datasetBody, user: "Admin", header: h})
	if rec.Code != http.StatusCreated || rec.Header().Get("Idempotent-Replayed") != "true" {
		t.Errorf("after completion: got %d replayed=%q, want 201 replayed", rec.Code, rec.Header().Get("Idempotent-Replayed"))
	}
	if got := len(ts.state.recorded()); got != 1 {
		t.Errorf("ledger calls: got %d, want 1", got)
	}
}

func TestIdempotencyKeySurvivesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "idempotency.db")
	h := map[string]string{"Idempotency-Key": "k1"}

	store := openStore(t, path, 0)
	first := newTestServer(t, func(o *Options) { o.Idempotency = store })
	rec := first.do(t, request{method: http.MethodPost, path: "/v1/datasets", body: datasetBody, user: "Admin", header: h})
	if rec.Code != http.StatusCreated {
		t.Fatalf("first: got %d, want 201", rec.Code)
	}
	want, wantLocation := rec.Body.String(), rec.Header().Get("Location")
	if wantLocation == "" {
		t.Fatal("first: no Location header")
	}
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}

	// A new process: the store is opened on the same file.
	reopened := openStore(t, path, 0)
	defer func() { _ = reopened.Close() }()
	second := newTestServer(t, func(o *Options) { o.Idempotency = reopened })
	rec = second.do(t, request{method: http.MethodPost, path: "/v1/datasets", body: datasetBody, user: "Admin", header: h})
	if rec.Code != http.StatusCreated || rec.Body.String() != want || rec.Header().Get(headerReplayed) != "true" {
		t.Errorf("after restart: got %d %s (replayed %q), want the stored 201 %s", rec.Code, rec.Body, rec.Header().Get(headerReplayed), want)
	}
	if got := rec.Header().Get("Location"); got != wantLocation {
		t.Errorf("after restart: Location %q, want %q", got, wantLocation)
	}
	if calls := second.state.recorded(); len(calls) != 0 {
		t.Errorf("ledger calls after restart: got %v, want none", calls)
	}
}

func TestIdempotencyStore(t *testing.T) {
	resp := StoredResponse{Status: 201, ContentType: "application/json", Location: "/v1/x", Body: []byte(`{"id":"x"}`)}
	sent := client.SentTransaction{Name: "CreateDataset", ID: "tx-1", Envelope: []byte("signed envelope")}
	tests := []struct {
		name string
		// prepare runs what a previous process did, then leaves (Close,
		// or a crash: prepare returns without closing, and the file is
		// copied as the crash left it); it returns the clock offset at
		// reopening.
		prepare     func(t *testing.T, path string) time.Duration
		user, key   string
		fp          string
		wantStored  bool
		wantResumed bool
		wantSent    int
		wantErr     error
	}{
		{name: "completed entry is reloaded", prepare: complete("u", "k", "fp", resp), user: "u", key: "k", fp: "fp", wantStored: true},
		{name: "another fingerprint is refused after reload", prepare: complete("u", "k", "fp", resp), user: "u", key: "k", fp: "other", wantErr: errKeyReused},
		{name: "another user's key is free", prepare: complete("u", "k", "fp", resp), user: "v", key: "k", fp: "fp"},
		{name: "entry expires after its TTL", prepare: func(t *testing.T, path string) time.Duration {
			complete("u", "k", "fp", resp)(t, path)
			return IdempotencyTTL + time.Minute
		}, user: "u", key: "k", fp: "fp"},
		{name: "a reservation left by a crash before any transaction is resumed", prepare: func(t *testing.T, path string) time.Duration {
			s := openStore(t, path, 0)
			if _, err := s.Begin("u", "k", "fp"); err != nil {
				t.Fatal(err)
			}
			_ = s.Close() // as a kill leaves it: the reservation is committed
			return 0
		}, user: "u", key: "k", fp: "fp", wantResumed: true},
		{name: "a reservation left by a crash after a transaction is resumed with it", prepare: func(t *testing.T, path string) time.Duration {
			s := openStore(t, path, 0)
			if _, err := s.Begin("u", "k", "fp"); err != nil {
				t.Fatal(err)
			}
			if err := s.Record("u", "k", 1, sent); err != nil {
				t.Fatal(err)
			}
			_ = s.Close()
			return time.Hour
		}, user: "u", key: "k", fp: "fp", wantResumed: true, wantSent: 1},
		{name: "a left reservation is still the request's: another body is refused", prepare: func(t *testing.T, path string) time.Duration {
			s := openStore(t, path, 0)
			if _, err := s.Begin("u", "k", "fp"); err != nil {
				t.Fatal(err)
			}
			_ = s.Close()
			return 0
		}, user: "u", key: "k", fp: "other", wantErr: errKeyReused},
		{name: "an abandoned reservation without transactions is freed", prepare: func(t *testing.T, path string) time.Duration {
			s := openStore(t, path, 0)
			if _, err := s.Begin("u", "k", "fp"); err != nil {
				t.Fatal(err)
			}
			if err := s.Abandon("u", "k"); err != nil {
				t.Fatal(err)
			}
			_ = s.Close()
			return 0
		}, user: "u", key: "k", fp: "other"},
		{name: "an abandoned reservation with a transaction is kept for a retry", prepare: func(t *testing.T, path string) time.Duration {
			s := openStore(t, path, 0)
			if _, err := s.Begin("u", "k", "fp"); err != nil {
				t.Fatal(err)
			}
			if err := s.Record("u", "k", 1, sent); err != nil {
				t.Fatal(err)
			}
			if err := s.Abandon("u", "k"); err != nil {
				t.Fatal(err)
			}
			_ = s.Close()
			return 0
		}, user: "u", key: "k", fp: "fp", wantResumed: true, wantSent: 1},
		{name: "a forgotten transaction is not resent", prepare: func(t *testing.T, path string) time.Duration {
			s := openStore(t, path, 0)
			if _, err := s.Begin("u", "k", "fp"); err != nil {
				t.Fatal(err)
			}
			for n := 1; n <= 2; n++ {
				if err := s.Record("u", "k", n, sent); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.Forget("u", "k", 2); err != nil {
				t.Fatal(err)
			}
			_ = s.Close()
			return 0
		}, user: "u", key: "k", fp: "fp", wantResumed: true, wantSent: 1},
		{name: "a completed request keeps no transactions", prepare: func(t *testing.T, path string) time.Duration {
			s := openStore(t, path, 0)
			if _, err := s.Begin("u", "k", "fp"); err != nil {
				t.Fatal(err)
			}
			if err := s.Record("u", "k", 1, sent); err != nil {
				t.Fatal(err)
			}
			if err := s.Complete("u", "k", resp); err != nil {
				t.Fatal(err)
			}
			_ = s.Close()
			return 0
		}, user: "u", key: "k", fp: "fp", wantStored: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "keys.db")
			offset := tt.prepare(t, path)
			s := openStore(t, path, offset)
			defer func() { _ = s.Close() }()
			got, err := s.Begin(tt.user, tt.key, tt.fp)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Begin error: got %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if (got.Stored != nil) != tt.wantStored || got.Resumed != tt.wantResumed || len(got.Sent) != tt.wantSent {
				t.Fatalf("Begin: got %+v, want stored=%v resumed=%v with %d transactions", got, tt.wantStored, tt.wantResumed, tt.wantSent)
			}
			if got.Stored != nil && !reflect.DeepEqual(*got.Stored, resp) {
				t.Errorf("stored response: got %+v, want %+v", *got.Stored, resp)
			}
			if tt.wantSent > 0 && !reflect.DeepEqual(got.Sent[1], sent) {
				t.Errorf("resumed transaction 1: got %+v, want %+v", got.Sent[1], sent)
			}
			// Whatever Begin gave a request to run, it holds the key now.
			if got.Stored == nil {
				if _, err := s.Begin(tt.user, tt.key, tt.fp); !errors.Is(err, errKeyInProgress) {
					t.Errorf("second Begin while the first runs: got %v, want errKeyInProgress", err)
				}
			}
		})
	}
}

var storeEpoch = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

func openStore(t *testing.T, path string, offset time.Duration) *IdempotencyStore {
	t.Helper()
	return openStoreWith(t, path, StoreOptions{Now: func() time.Time { return storeEpoch.Add(offset) }})
}

func openStoreWith(t *testing.T, path string, o StoreOptions) *IdempotencyStore {
	t.Helper()
	s, err := OpenIdempotencyStore(path, o)
	if err != nil {
		t.Fatalf("OpenIdempotencyStore: %v", err)
	}
	return s
}

func complete(user, key, fp string, resp StoredResponse) func(t *testing.T, path string) time.Duration {
	return func(t *testing.T, path string) time.Duration {
		s := openStore(t, path, 0)
		if r, err := s.Begin(user, key, fp); err != nil || r.Stored != nil || r.Resumed {
			t.Fatalf("Begin on a new store: got %+v, %v", r, err)
		}
		if err := s.Complete(user, key, resp); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		return 0
	}
}

// storeKeys lists the keys a store file holds, oldest first.
func storeKeys(t *testing.T, s *IdempotencyStore) []string {
	t.Helper()
	var keys []string
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketCreated).ForEach(func(k, _ []byte) error {
			key, _ := parseIdemKey(k[8:])
			keys = append(keys, key.key)
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != s.count {
		t.Errorf("the store counts %d entries, its index holds %d", s.count, len(keys))
	}
	return keys
}

func TestIdempotencyStoreBounds(t *testing.T) {
	t.Run("the oldest are evicted beyond the size bound, but not a running request's", func(t *testing.T) {
		now := storeEpoch
		s := openStoreWith(t, filepath.Join(t.TempDir(), "keys.db"), StoreOptions{MaxEntries: 3, Now: func() time.Time { return now }})
		defer func() { _ = s.Close() }()
		begin := func(key string) {
			t.Helper()
			now = now.Add(time.Second)
			if _, err := s.Begin("u", key, "fp"); err != nil {
				t.Fatalf("Begin %s: %v", key, err)
			}
		}
		begin("running") // held by its request throughout
		for _, k := range []string{"a", "b", "c", "d"} {
			begin(k)
			if err := s.Complete("u", k, StoredResponse{Status: 200}); err != nil {
				t.Fatal(err)
			}
		}
		if got, want := storeKeys(t, s), []string{"running", "c", "d"}; !slices.Equal(got, want) {
			t.Errorf("keys kept: got %v, want %v", got, want)
		}
		if r, err := s.Begin("u", "a", "fp"); err != nil || r.Stored != nil {
			t.Errorf("an evicted key: got %+v, %v; want it free", r, err)
		}
	})
	t.Run("the expired are dropped as new keys come, but not a running request's", func(t *testing.T) {
		now := storeEpoch
		s := openStoreWith(t, filepath.Join(t.TempDir(), "keys.db"), StoreOptions{TTL: time.Hour, Now: func() time.Time { return now }})
		defer func() { _ = s.Close() }()
		for _, k := range []string{"running", "old"} {
			if _, err := s.Begin("u", k, "fp"); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Complete("u", "old", StoredResponse{Status: 200}); err != nil {
			t.Fatal(err)
		}
		now = now.Add(time.Hour)
		if _, err := s.Begin("u", "new", "fp"); err != nil {
			t.Fatal(err)
		}
		if got, want := storeKeys(t, s), []string{"running", "new"}; !slices.Equal(got, want) {
			t.Errorf("keys kept: got %v, want %v", got, want)
		}
	})
	t.Run("a lower bound at opening evicts the oldest", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "keys.db")
		now := storeEpoch
		s := openStoreWith(t, path, StoreOptions{Now: func() time.Time { return now }})
		for _, k := range []string{"a", "b", "c"} {
			now = now.Add(time.Second)
			if _, err := s.Begin("u", k, "fp"); err != nil {
				t.Fatal(err)
			}
		}
		_ = s.Close()
		s = openStoreWith(t, path, StoreOptions{MaxEntries: 1, Now: func() time.Time { return now }})
		defer func() { _ = s.Close() }()
		if got, want := storeKeys(t, s), []string{"c"}; !slices.Equal(got, want) {
			t.Errorf("keys kept: got %v, want %v", got, want)
		}
	})
}

func TestIdempotencyStoreFile(t *testing.T) {
	dir := t.TempDir()
	t.Run("mode 0600", func(t *testing.T) {
		path := filepath.Join(dir, "keys.db")
		s := openStore(t, path, 0)
		defer func() { _ = s.Close() }()
		info, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode().Perm() != 0o600 {
			t.Errorf("file mode: got %v, want 0600", info.Mode().Perm())
		}
	})
	t.Run("one process at a time", func(t *testing.T) {
		path := filepath.Join(dir, "held.db")
		s := openStore(t, path, 0)
		defer func() { _ = s.Close() }()
		_, err := OpenIdempotencyStore(path, StoreOptions{})
		if err == nil || !strings.Contains(err.Error(), "another process holds the file") {
			t.Errorf("second open: got %v, want the file named as held", err)
		}
	})
	t.Run("the JSON-lines file of an earlier version is refused", func(t *testing.T) {
		path := filepath.Join(dir, "idempotency.jsonl")
		line := `{"user":"Admin","key":"k","fingerprint":"` + strings.Repeat("ab", 32) + `","created":"2026-03-01T00:00:00Z","status":201}` + "\n"
		if err := os.WriteFile(path, []byte(strings.Repeat(line, 100)), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := OpenIdempotencyStore(path, StoreOptions{})
		if err == nil || !strings.Contains(err.Error(), "not a bbolt database") || !strings.Contains(err.Error(), path) {
			t.Errorf("open: got %v, want the file named as no bbolt database", err)
		}
	})
	t.Run("another bbolt database is refused", func(t *testing.T) {
		path := filepath.Join(dir, "other.db")
		db, err := bolt.Open(path, 0o600, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("theirs")); return err }); err != nil {
			t.Fatal(err)
		}
		_ = db.Close()
		_, err = OpenIdempotencyStore(path, StoreOptions{})
		if err == nil || !strings.Contains(err.Error(), "not an idempotency store") {
			t.Errorf("open: got %v, want it refused as no idempotency store", err)
		}
	})
	t.Run("without a path, nothing is left on disk", func(t *testing.T) {
		tmp := t.TempDir()
		t.Setenv("TMPDIR", tmp)
		s, err := OpenIdempotencyStore("", StoreOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Begin("u", "k", "fp"); err != nil {
			t.Fatal(err)
		}
		if left, _ := os.ReadDir(tmp); len(left) != 0 {
			t.Errorf("files left in TMPDIR while open: %v", left)
		}
		_ = s.Close()
	})
	t.Run("bad bounds", func(t *testing.T) {
		if _, err := OpenIdempotencyStore(filepath.Join(dir, "neg.db"), StoreOptions{MaxEntries: -1}); err == nil {
			t.Error("a negative size bound opened")
		}
	})
}

func TestIdempotencyStoreRefusesWhatItCannotKeep(t *testing.T) {
	s := openStore(t, filepath.Join(t.TempDir(), "keys.db"), 0)
	defer func() { _ = s.Close() }()
	for _, tc := range []struct{ user, key, fp string }{{"", "k", "fp"}, {"u\x00v", "k", "fp"}, {"u", "", "fp"}, {"u", "k\n", "fp"}, {"u", "k", ""}} {
		if _, err := s.Begin(tc.user, tc.key, tc.fp); err == nil {
			t.Errorf("Begin(%q, %q, %q) reserved the key", tc.user, tc.key, tc.fp)
		}
	}
	if _, err := s.Begin("u", "k", "fp"); err != nil {
		t.Fatal(err)
	}
	for n, tx := range map[int]client.SentTransaction{0: {Name: "A", ID: "t", Envelope: []byte{1}}, maxJournaled + 1: {Name: "A", ID: "t", Envelope: []byte{1}}, 1: {Name: "A", ID: "t"}} {
		if err := s.Record("u", "k", n, tx); err == nil {
			t.Errorf("Record(%d, %+v) recorded it", n, tx)
		}
	}
	if err := s.Record("u", "other", 1, client.SentTransaction{Name: "A", ID: "t", Envelope: []byte{1}}); err == nil {
		t.Error("Record for a key no request holds recorded it")
	}
	if err := s.Complete("u", "k", StoredResponse{Status: 503}); err == nil {
		t.Error("Complete stored a 503")
	}
}

// The tests below run keyed requests through a real client.Client over a
// fake Fabric Gateway (fabricFake), kill the API between submit and commit
// by copying its store file as the kill leaves it, and repeat the request
// on a new server over that copy.

// fabricFake is a Fabric Gateway service over a ledger of datasets and
// agreements: Endorse simulates CreateDataset, ProposeAgreement and
// AttachAgreementText, Submit orders and commits at once (a transaction ID
// takes effect the first time it is submitted, as Fabric invalidates a
// later copy), CommitStatus reports it, Evaluate reads an agreement.
type fabricFake struct {
	gatewaypb.UnimplementedGatewayServer

	mu        sync.Mutex
	endorsed  map[string]int    // transaction name → endorsements
	submitted map[string]int    // transaction ID → times submitted
	names     map[string]string // transaction ID → name
	effects   map[string]func() // transaction ID → its effect on the ledger
	objects   map[string][]byte // object ID → JSON
	// hold names the stage ("endorse" or "status") and transaction name
	// at which the next call waits, once, until release is closed, and
	// tells held when it starts waiting: where the test kills the API.
	hold, holdName string
	held           chan string
	release        chan struct{}
	// verdict, when set, decides at its first submission whether a
	// transaction is valid (n counts the transaction IDs of the name);
	// only a valid one takes effect. codes keeps each ID's verdict, which
	// CommitStatus reports for every copy, as Fabric reports the first.
	verdict  func(name string, n int) peer.TxValidationCode
	verdictN map[string]int
	codes    map[string]peer.TxValidationCode
	// endorseErr, when set, fails Endorse calls (n counts the calls for
	// the transaction name).
	endorseErr func(name string, n int) error
	// statusErr, when set, fails CommitStatus calls (n counts the calls
	// for the transaction name): the API cannot learn the outcome.
	statusErr func(name string, n int) error
	statusN   map[string]int
}

func newFabricFake() *fabricFake {
	return &fabricFake{endorsed: map[string]int{}, submitted: map[string]int{}, names: map[string]string{}, effects: map[string]func(){},
		objects: map[string][]byte{}, held: make(chan string, 1), release: make(chan struct{}),
		verdictN: map[string]int{}, codes: map[string]peer.TxValidationCode{}, statusN: map[string]int{}}
}

// wait holds the call when it is the one the test holds.
func (f *fabricFake) wait(ctx context.Context, stage, name string) {
	f.mu.Lock()
	hold := f.hold == stage && f.holdName == name
	if hold {
		f.hold = ""
	}
	f.mu.Unlock()
	if hold {
		f.held <- name
		select {
		case <-f.release:
		case <-ctx.Done():
		}
	}
}

func (f *fabricFake) Endorse(ctx context.Context, req *gatewaypb.EndorseRequest) (*gatewaypb.EndorseResponse, error) {
	name, args, transient, err := fakeProposal(req.GetProposedTransaction())
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	f.endorsed[name]++
	n, fail := f.endorsed[name], f.endorseErr
	f.mu.Unlock()
	if fail != nil {
		if err := fail(name, n); err != nil {
			return nil, err
		}
	}
	f.wait(ctx, "endorse", name)
	txID := req.GetTransactionId()
	stamp := ledger.Stamp{TxID: txID, MSP: "AuthorityMSP"}
	f.mu.Lock()
	defer f.mu.Unlock()
	var result []byte
	switch name {
	case "CreateDataset":
		var d ledger.Dataset
		if err := json.Unmarshal([]byte(args[0]), &d); err != nil {
			return nil, status.Error(codes.InvalidArgument, err.Error())
		}
		if _, ok := f.objects[d.ID]; ok {
			return nil, status.Errorf(codes.Unknown, "chaincode response 500, conflict: dataset %s already exists", d.ID)
		}
		d.Owner, d.Status, d.Created, d.Updated = "AuthorityMSP", ledger.DatasetListed, stamp, stamp
		result, _ = json.Marshal(d)
		f.effects[txID] = func() { f.objects[d.ID] = result }
	case "ProposeAgreement":
		var a ledger.Agreement
		if err := json.Unmarshal([]byte(args[0]), &a); err != nil {
			return nil, status.Error(codes.InvalidArgument, err.Error())
		}
		if _, ok := f.objects[a.ID]; ok {
			return nil, status.Errorf(codes.Unknown, "chaincode response 500, conflict: agreement %s already exists", a.ID)
		}
		a.Operator, a.Status, a.Created, a.Updated = "OperatorMSP", ledger.AgreementProposed, stamp, stamp
		result, _ = json.Marshal(a)
		f.effects[txID] = func() { f.objects[a.ID] = result }
	case "AttachAgreementText":
		id := args[0]
		var text ledger.AgreementTextRequest
		if err := json.Unmarshal(transient["request"], &text); err != nil {
			return nil, status.Error(codes.InvalidArgument, err.Error())
		}
		var a ledger.Agreement
		if err := json.Unmarshal(f.objects[id], &a); err != nil {
			return nil, status.Errorf(codes.Unknown, "chaincode response 500, not found: agreement %s", id)
		}
		if a.TextDigest != "" {
			return nil, status.Errorf(codes.Unknown, "chaincode response 500, conflict: agreement %s has its text", id)
		}
		a.TextDigest, a.Updated = text.TextDigest, stamp
		result, _ = json.Marshal(a)
		f.effects[txID] = func() { f.objects[id] = result }
	default:
		return nil, status.Errorf(codes.Unimplemented, "the fake does not endorse %s", name)
	}
	f.names[txID] = name
	env, err := fakeEnvelope(req.GetChannelId(), result)
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	return &gatewaypb.EndorseResponse{PreparedTransaction: env}, nil
}

func (f *fabricFake) Submit(ctx context.Context, req *gatewaypb.SubmitRequest) (*gatewaypb.SubmitResponse, error) {
	if len(req.GetPreparedTransaction().GetSignature()) == 0 {
		return nil, status.Error(codes.InvalidArgument, "prepared transaction must be signed")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	txID := req.GetTransactionId()
	f.submitted[txID]++
	if f.submitted[txID] > 1 { // a later copy is invalidated as DUPLICATE_TXID
		return &gatewaypb.SubmitResponse{}, nil
	}
	name := f.names[txID]
	f.verdictN[name]++
	code := peer.TxValidationCode_VALID
	if f.verdict != nil {
		code = f.verdict(name, f.verdictN[name])
	}
	f.codes[txID] = code
	if effect := f.effects[txID]; effect != nil && code == peer.TxValidationCode_VALID {
		effect()
	}
	return &gatewaypb.SubmitResponse{}, nil
}

func (f *fabricFake) CommitStatus(ctx context.Context, req *gatewaypb.SignedCommitStatusRequest) (*gatewaypb.CommitStatusResponse, error) {
	var r gatewaypb.CommitStatusRequest
	if err := proto.Unmarshal(req.GetRequest(), &r); err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	txID := r.GetTransactionId()
	f.mu.Lock()
	name := f.names[txID]
	f.statusN[name]++
	n, fail := f.statusN[name], f.statusErr
	f.mu.Unlock()
	f.wait(ctx, "status", name)
	if fail != nil {
		if err := fail(name, n); err != nil {
			return nil, err
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	code, ok := f.codes[txID]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "transaction %s was never submitted", txID)
	}
	return &gatewaypb.CommitStatusResponse{Result: code, BlockNumber: 7}, nil
}

func (f *fabricFake) Evaluate(ctx context.Context, req *gatewaypb.EvaluateRequest) (*gatewaypb.EvaluateResponse, error) {
	name, args, _, err := fakeProposal(req.GetProposedTransaction())
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	obj, ok := f.objects[args[0]]
	if name != "GetAgreement" || !ok {
		return nil, status.Errorf(codes.Unknown, "chaincode response 500, not found: %s %v", name, args)
	}
	return &gatewaypb.EvaluateResponse{Result: &peer.Response{Status: 200, Payload: obj}}, nil
}

// counts returns the endorsements of a transaction name and how often
// each of its transaction IDs was submitted.
func (f *fabricFake) counts(name string) (endorsed int, submits []int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for id, n := range f.submitted {
		if f.names[id] == name {
			submits = append(submits, n)
		}
	}
	return f.endorsed[name], submits
}

// fakeProposal reads a proposal's transaction name, arguments and
// transient data.
func fakeProposal(sp *peer.SignedProposal) (string, []string, map[string][]byte, error) {
	var prop peer.Proposal
	var payload peer.ChaincodeProposalPayload
	var spec peer.ChaincodeInvocationSpec
	if err := errors.Join(proto.Unmarshal(sp.GetProposalBytes(), &prop), proto.Unmarshal(prop.GetPayload(), &payload),
		proto.Unmarshal(payload.GetInput(), &spec)); err != nil {
		return "", nil, nil, status.Error(codes.InvalidArgument, err.Error())
	}
	raw := spec.GetChaincodeSpec().GetInput().GetArgs()
	if len(raw) < 2 {
		return "", nil, nil, status.Error(codes.InvalidArgument, "no transaction name or argument")
	}
	var args []string
	for _, a := range raw[1:] {
		args = append(args, string(a))
	}
	return string(raw[0]), args, payload.GetTransientMap(), nil
}

// fakeEnvelope builds the smallest endorsed transaction the gateway
// client accepts, with the given result.
func fakeEnvelope(channel string, result []byte) (*common.Envelope, error) {
	var err error
	marshal := func(m proto.Message) []byte {
		if err != nil {
			return nil
		}
		var b []byte
		b, err = proto.Marshal(m)
		return b
	}
	action := &peer.ChaincodeAction{Response: &peer.Response{Status: 200, Payload: result}}
	prp := &peer.ProposalResponsePayload{Extension: marshal(action)}
	actionPayload := &peer.ChaincodeActionPayload{Action: &peer.ChaincodeEndorsedAction{ProposalResponsePayload: marshal(prp)}}
	tx := &peer.Transaction{Actions: []*peer.TransactionAction{{Payload: marshal(actionPayload)}}}
	payload := &common.Payload{
		Header: &common.Header{ChannelHeader: marshal(&common.ChannelHeader{ChannelId: channel})},
		Data:   marshal(tx),
	}
	return &common.Envelope{Payload: marshal(payload)}, err
}

// connectFake returns a Connect that gives each user a client.Client over
// the fake gateway, with a profile, certificate and key of its own.
func connectFake(t *testing.T, f *fabricFake) Connect {
	t.Helper()
	lis := bufconn.Listen(1 << 20)
	srv := grpc.NewServer()
	gatewaypb.RegisterGatewayServer(srv, f)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	conn, err := grpc.NewClient("passthrough:///fabric-fake",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	dir := t.TempDir()
	profile := &client.Profile{Channel: "grantledger", Chaincode: "grantledger", Orgs: []client.OrgProfile{{
		MSPID: "AuthorityMSP", Name: "authority",
		Peer: client.PeerProfile{Name: "peer0", Address: "fabric-fake:7051", TLSRootCert: filepath.Join(dir, "unused.pem")},
	}}}
	for _, user := range []string{"Admin", "User1"} {
		key, err := ecdsa.GenerateKey(elliptic.P256(), crand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: user}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
		der, err := x509.CreateCertificate(crand.Reader, tmpl, tmpl, &key.PublicKey, key)
		if err != nil {
			t.Fatal(err)
		}
		pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			t.Fatal(err)
		}
		u := client.UserProfile{Name: user, Cert: filepath.Join(dir, user+".pem"), Key: filepath.Join(dir, user+".key")}
		if err := errors.Join(os.WriteFile(u.Cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600),
			os.WriteFile(u.Key, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}), 0o600)); err != nil {
			t.Fatal(err)
		}
		profile.Orgs[0].Users = append(profile.Orgs[0].Users, u)
	}
	return func(ctx context.Context, user string) (Ledger, error) {
		c, err := client.Connect(ctx, profile, "AuthorityMSP", user, client.WithConnection(conn),
			client.WithRetry(client.Retry{MaxAttempts: 3, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond}))
		if err != nil {
			return nil, err
		}
		t.Cleanup(func() { _ = c.Close() })
		return c, nil
	}
}

// serverOverFabric is a test server whose users reach the fake gateway,
// with the store given.
func serverOverFabric(t *testing.T, connect Connect, store *IdempotencyStore) *testServer {
	t.Helper()
	return newTestServer(t, func(o *Options) {
		o.Identities = NewPool([]string{"Admin", "User1"}, connect)
		o.Idempotency = store
	})
}

// crashCopy copies the store file as a kill of the process would leave it:
// every change committed so far, nothing else.
func crashCopy(t *testing.T, path string) string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dst := path + ".after-crash"
	if err := os.WriteFile(dst, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	return dst
}

const agreementBody = `{"id":"ag-1","grantId":"g-1","textDigest":"` + digest + `","term":` + termJSON + `}`

func TestResumeAfterCrash(t *testing.T) {
	tests := []struct {
		name        string
		path, body  string
		object      string // the ID of the object created
		stage, tx   string // where the API is killed: the call held
		wantResumed string // Idempotent-Resumed: the transactions recorded before the kill
		// want maps each transaction name to its endorsements and to
		// how often its one transaction ID was submitted, both runs
		// together.
		want map[string][2]int
	}{
		{name: "one transaction, killed between submit and commit", path: "/v1/datasets", body: datasetBody, object: "ds-1",
			stage: "status", tx: "CreateDataset", wantResumed: "1",
			want: map[string][2]int{"CreateDataset": {1, 2}}},
		{name: "one transaction, killed during endorsement", path: "/v1/datasets", body: datasetBody, object: "ds-1",
			stage: "endorse", tx: "CreateDataset", wantResumed: "0",
			want: map[string][2]int{"CreateDataset": {2, 1}}},
		{name: "two transactions, killed between submit and commit of the first", path: "/v1/agreements", body: agreementBody, object: "ag-1",
			stage: "status", tx: "ProposeAgreement", wantResumed: "1",
			want: map[string][2]int{"ProposeAgreement": {1, 2}, "AttachAgreementText": {1, 1}}},
		{name: "two transactions, killed before the second was endorsed", path: "/v1/agreements", body: agreementBody, object: "ag-1",
			stage: "endorse", tx: "AttachAgreementText", wantResumed: "1",
			want: map[string][2]int{"ProposeAgreement": {1, 2}, "AttachAgreementText": {2, 1}}},
		{name: "two transactions, killed between submit and commit of the second", path: "/v1/agreements", body: agreementBody, object: "ag-1",
			stage: "status", tx: "AttachAgreementText", wantResumed: "2",
			want: map[string][2]int{"ProposeAgreement": {1, 2}, "AttachAgreementText": {1, 2}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fabric := newFabricFake()
			fabric.hold, fabric.holdName = tt.stage, tt.tx
			connect := connectFake(t, fabric)
			path := filepath.Join(t.TempDir(), "idempotency.db")
			store := openStore(t, path, 0)
			defer func() { _ = store.Close() }()
			first := serverOverFabric(t, connect, store)
			h := map[string]string{"Idempotency-Key": "k-1"}
			firstAnswer := make(chan *httptest.ResponseRecorder, 1)
			go func() {
				firstAnswer <- first.do(t, request{method: http.MethodPost, path: tt.path, body: tt.body, user: "Admin", header: h})
			}()
			select {
			case <-fabric.held:
			case rec := <-firstAnswer:
				t.Fatalf("the first run answered %d %s before it reached %s of %s", rec.Code, rec.Body, tt.stage, tt.tx)
			}
			killed := crashCopy(t, path) // the API dies here

			restarted := openStore(t, killed, time.Minute)
			defer func() { _ = restarted.Close() }()
			second := serverOverFabric(t, connect, restarted)
			rec := second.do(t, request{method: http.MethodPost, path: tt.path, body: tt.body, user: "Admin", header: h})
			if rec.Code != http.StatusCreated {
				t.Fatalf("retry after the crash: got %d %s, want 201", rec.Code, rec.Body)
			}
			if got := rec.Header().Get(headerResumed); got != tt.wantResumed {
				t.Errorf("%s: got %q, want %q", headerResumed, got, tt.wantResumed)
			}
			// The answer is what the ledger recorded, made by the
			// transactions the first run sent.
			var got, onLedger map[string]any
			fabric.mu.Lock()
			recorded := fabric.objects[tt.object]
			fabric.mu.Unlock()
			if err := errors.Join(json.Unmarshal(rec.Body.Bytes(), &got), json.Unmarshal(recorded, &onLedger)); err != nil || !reflect.DeepEqual(got, onLedger) {
				t.Errorf("retry answered %s; the ledger holds %s (%v)", rec.Body, recorded, err)
			}
			if loc := rec.Header().Get("Location"); loc != tt.path+"/"+tt.object {
				t.Errorf("Location: got %q, want %q", loc, tt.path+"/"+tt.object)
			}
			for name, want := range tt.want {
				endorsed, submits := fabric.counts(name)
				if endorsed != want[0] || len(submits) != 1 || submits[0] != want[1] {
					t.Errorf("%s: endorsed %d times, transaction IDs submitted %v times; want %d endorsements and one ID submitted %d times",
						name, endorsed, submits, want[0], want[1])
				}
			}
			// The killed run is gone: nobody reads what it would say.
			close(fabric.release)
			<-firstAnswer
			again := second.do(t, request{method: http.MethodPost, path: tt.path, body: tt.body, user: "Admin", header: h})
			if again.Code != http.StatusCreated || again.Header().Get(headerReplayed) != "true" || again.Body.String() != rec.Body.String() {
				t.Errorf("a repeat after the resumed run: got %d %s (replayed %q), want the stored answer", again.Code, again.Body, again.Header().Get(headerReplayed))
			}
			metrics := second.do(t, request{method: http.MethodGet, path: "/metrics"}).Body.String()
			for _, want := range []string{`grantledger_api_idempotency_keys_total{outcome="resumed"} 1`, `grantledger_api_idempotency_keys_total{outcome="replayed"} 1`} {
				if !strings.Contains(metrics, want) {
					t.Errorf("metrics lack %s", want)
				}
			}
		})
	}
}

// Without a key the journal is not used: a repeat after a crash is a new
// request, and the contract refuses the second creation.
func TestNoKeyNoResumption(t *testing.T) {
	fabric := newFabricFake()
	connect := connectFake(t, fabric)
	ts := serverOverFabric(t, connect, nil)
	for i, want := range []int{http.StatusCreated, http.StatusConflict} {
		rec := ts.do(t, request{method: http.MethodPost, path: "/v1/datasets", body: datasetBody, user: "Admin"})
		if rec.Code != want {
			t.Errorf("request %d: got %d %s, want %d", i, rec.Code, rec.Body, want)
		}
	}
	if endorsed, submits := fabric.counts("CreateDataset"); endorsed != 2 || len(submits) != 1 {
		t.Errorf("endorsed %d, submitted %v; want two endorsements, one transaction", endorsed, submits)
	}
}

func TestRetryAfterServerFailure(t *testing.T) {
	unavailableOnce := func(_ string, n int) error {
		if n == 1 {
			return status.Error(codes.DeadlineExceeded, "no commit status in time")
		}
		return nil
	}
	tests := []struct {
		name        string
		path, body  string
		verdict     func(name string, n int) peer.TxValidationCode
		endorseErr  func(name string, n int) error
		statusErr   func(name string, n int) error
		firstStatus int
		wantResumed string
		// wantEndorsed maps each transaction name to its endorsements,
		// both requests together.
		wantEndorsed map[string]int
	}{
		{name: "outcome unknown: the retry resends the transaction and learns it committed",
			path: "/v1/datasets", body: datasetBody, statusErr: unavailableOnce,
			firstStatus: http.StatusServiceUnavailable, wantResumed: "1", wantEndorsed: map[string]int{"CreateDataset": 1}},
		{name: "invalidated: the transaction is forgotten, the retry sends a new one",
			path: "/v1/datasets", body: datasetBody,
			verdict: func(_ string, n int) peer.TxValidationCode {
				if n == 1 {
					return peer.TxValidationCode_ENDORSEMENT_POLICY_FAILURE
				}
				return peer.TxValidationCode_VALID
			},
			firstStatus: http.StatusBadGateway, wantResumed: "", wantEndorsed: map[string]int{"CreateDataset": 2}},
		{name: "the second transaction not endorsed: the retry resends the first and sends the second",
			path: "/v1/agreements", body: agreementBody,
			endorseErr: func(name string, n int) error {
				if name == "AttachAgreementText" && n <= 3 { // the client's three attempts
					return status.Error(codes.Unavailable, "endorser went away")
				}
				return nil
			},
			firstStatus: http.StatusServiceUnavailable, wantResumed: "1", wantEndorsed: map[string]int{"ProposeAgreement": 1, "AttachAgreementText": 4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fabric := newFabricFake()
			fabric.verdict, fabric.endorseErr, fabric.statusErr = tt.verdict, tt.endorseErr, tt.statusErr
			connect := connectFake(t, fabric)
			ts := serverOverFabric(t, connect, nil)
			h := map[string]string{"Idempotency-Key": "k-1"}
			rec := ts.do(t, request{method: http.MethodPost, path: tt.path, body: tt.body, user: "Admin", header: h})
			if rec.Code != tt.firstStatus {
				t.Fatalf("first: got %d %s, want %d", rec.Code, rec.Body, tt.firstStatus)
			}
			rec = ts.do(t, request{method: http.MethodPost, path: tt.path, body: tt.body, user: "Admin", header: h})
			if rec.Code != http.StatusCreated || rec.Header().Get(headerResumed) != tt.wantResumed {
				t.Fatalf("retry: got %d %s (%s %q), want 201 (%q)", rec.Code, rec.Body, headerResumed, rec.Header().Get(headerResumed), tt.wantResumed)
			}
			for name, want := range tt.wantEndorsed {
				if endorsed, _ := fabric.counts(name); endorsed != want {
					t.Errorf("%s endorsements: got %d, want %d", name, endorsed, want)
				}
			}
		})
	}
}
