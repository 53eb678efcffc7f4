package api

import (
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grantledger/grantledger/client"
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
	path := filepath.Join(t.TempDir(), "idempotency.jsonl")
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	h := map[string]string{"Idempotency-Key": "k1"}

	store, err := OpenIdempotencyStore(path, IdempotencyTTL, clock)
	if err != nil {
		t.Fatal(err)
	}
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

	// A new process: the store is loaded from the file.
	reopened, err := OpenIdempotencyStore(path, IdempotencyTTL, clock)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = reopened.Close() }()
	second := newTestServer(t, func(o *Options) { o.Idempotency = reopened })
	rec = second.do(t, request{method: http.MethodPost, path: "/v1/datasets", body: datasetBody, user: "Admin", header: h})
	if rec.Code != http.StatusCreated || rec.Body.String() != want || rec.Header().Get("Idempotent-Replayed") != "true" {
		t.Errorf("after restart: got %d %s (replayed %q), want the stored 201 %s", rec.Code, rec.Body, rec.Header().Get("Idempotent-Replayed"), want)
	}
	if got := rec.Header().Get("Location"); got != wantLocation {
		t.Errorf("after restart: Location %q, want %q", got, wantLocation)
	}
	if calls := second.state.recorded(); len(calls) != 0 {
		t.Errorf("ledger calls after restart: got %v, want none", calls)
	}
}

func TestIdempotencyStore(t *testing.T) {
	resp := StoredResponse{Status: 201, ContentType: "application/json", Body: []byte(`{"id":"x"}`)}
	tests := []struct {
		name string
		// prepare writes what a previous process left; returns the clock
		// offset at reopening.
		prepare    func(t *testing.T, path string) time.Duration
		user, key  string
		fp         string
		wantStored bool
		wantErr    error
	}{
		{name: "completed entry is reloaded", prepare: complete("u", "k", "fp", resp), user: "u", key: "k", fp: "fp", wantStored: true},
		{name: "another fingerprint is refused after reload", prepare: complete("u", "k", "fp", resp), user: "u", key: "k", fp: "other", wantErr: errKeyReused},
		{name: "another user's key is free", prepare: complete("u", "k", "fp", resp), user: "v", key: "k", fp: "fp"},
		{name: "entry expires after 24h", prepare: func(t *testing.T, path string) time.Duration {
			complete("u", "k", "fp", resp)(t, path)
			return IdempotencyTTL + time.Minute
		}, user: "u", key: "k", fp: "fp"},
		{name: "pending entry is not persisted", prepare: func(t *testing.T, path string) time.Duration {
			s := openStore(t, path, 0)
			if _, err := s.Begin("u", "k", "fp"); err != nil {
				t.Fatal(err)
			}
			_ = s.Close()
			return 0
		}, user: "u", key: "k", fp: "fp"},
		{name: "a line cut short by a crash is ignored", prepare: func(t *testing.T, path string) time.Duration {
			complete("u", "k", "fp", resp)(t, path)
			f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0o600)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = f.WriteString(`{"user":"u","key":"k2","finger`)
			_ = f.Close()
			return 0
		}, user: "u", key: "k", fp: "fp", wantStored: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "keys.jsonl")
			offset := tt.prepare(t, path)
			s := openStore(t, path, offset)
			defer func() { _ = s.Close() }()
			got, err := s.Begin(tt.user, tt.key, tt.fp)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Begin error: got %v, want %v", err, tt.wantErr)
			}
			if (got != nil) != tt.wantStored {
				t.Fatalf("Begin stored response: got %v, want stored=%v", got, tt.wantStored)
			}
			if got != nil && (got.Status != resp.Status || string(got.Body) != string(resp.Body) || got.ContentType != resp.ContentType) {
				t.Errorf("stored response: got %+v, want %+v", got, resp)
			}
		})
	}
}

var storeEpoch = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

func openStore(t *testing.T, path string, offset time.Duration) *IdempotencyStore {
	t.Helper()
	s, err := OpenIdempotencyStore(path, IdempotencyTTL, func() time.Time { return storeEpoch.Add(offset) })
	if err != nil {
		t.Fatalf("OpenIdempotencyStore: %v", err)
	}
	return s
}

func complete(user, key, fp string, resp StoredResponse) func(t *testing.T, path string) time.Duration {
	return func(t *testing.T, path string) time.Duration {
		s := openStore(t, path, 0)
		if r, err := s.Begin(user, key, fp); r != nil || err != nil {
			t.Fatalf("Begin on a new store: got %v, %v", r, err)
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

func TestIdempotencyStoreCompactsOnOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys.jsonl")
	s := openStore(t, path, 0)
	for _, k := range []string{"a", "b", "c"} {
		if _, err := s.Begin("u", k, "fp"); err != nil {
			t.Fatal(err)
		}
		if err := s.Complete("u", k, StoredResponse{Status: 200}); err != nil {
			t.Fatal(err)
		}
	}
	_ = s.Close()
	s = openStore(t, path, IdempotencyTTL+time.Hour) // all expired
	_ = s.Close()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Size() != 0 {
		t.Errorf("file size after compaction of expired entries: got %d, want 0", info.Size())
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("file mode: got %v, want 0600", info.Mode().Perm())
	}
}
