package api

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Fuzz targets of the API's parsers: event positions, list query strings,
// request bodies through the router, the token files and the idempotency
// store file. `scripts/test.sh fuzz` runs each for a few seconds;
// docs/testing.md says how to run them long.

// FuzzParseEventPosition checks event IDs: no panic; every position written
// with String reads back the same; whatever parses has a non-negative index
// and reads back the same once written again.
func FuzzParseEventPosition(f *testing.F) {
	f.Add("12:0", uint64(12), 0)
	f.Add("18446744073709551615:9223372036854775807", uint64(1<<64-1), 1<<63-1)
	f.Add("1:+2", uint64(0), -1)
	f.Add("01:-0", uint64(7), 3)
	f.Add("yesterday", uint64(1), 1)
	f.Add(":", uint64(2), 2)
	f.Add("3:4:5", uint64(3), 4)
	f.Fuzz(func(t *testing.T, s string, block uint64, index int) {
		if index < 0 {
			index = -(index + 1)
		}
		want := EventPosition{Block: block, Index: index}
		if got, err := ParseEventPosition(want.String()); err != nil || got != want {
			t.Fatalf("ParseEventPosition(%q) = %v, %v; want %v", want.String(), got, err, want)
		}
		p, err := ParseEventPosition(s)
		if err != nil {
			if p != (EventPosition{}) {
				t.Fatalf("ParseEventPosition(%q) failed with position %v", s, p)
			}
			return
		}
		if p.Index < 0 {
			t.Fatalf("ParseEventPosition(%q) = %v, a negative index", s, p)
		}
		if again, err := ParseEventPosition(p.String()); err != nil || again != p {
			t.Fatalf("ParseEventPosition(%q) = %v, which reads back as %v, %v", s, p, again, err)
		}
	})
}

// fuzzServer is one API server over the whole fake ledger, shared by the
// executions of a fuzz worker; the fake's record of calls is reset before
// each request.
type fuzzServer struct {
	s     *Server
	state *fakeState
	token string
}

var (
	fuzzSrvOnce sync.Once
	fuzzSrv     *fuzzServer
	fuzzSrvErr  error
)

func sharedFuzzServer(t *testing.T) *fuzzServer {
	fuzzSrvOnce.Do(func() {
		users := []string{"Admin", "User1"}
		plain, file, err := IssueTokens("AuthorityMSP", users, rand.Reader)
		if err != nil {
			fuzzSrvErr = err
			return
		}
		auth, err := NewAuthenticator(file)
		if err != nil {
			fuzzSrvErr = err
			return
		}
		state := newFakeState()
		s, err := New(Options{
			Org:        "AuthorityMSP",
			Identities: NewPool(users, fakeConnector(state, wholeFake)),
			Tokens:     auth,
			Logger:     slog.New(slog.NewTextHandler(io.Discard, nil)),
			ReadyUser:  "Admin",
		})
		if err != nil {
			fuzzSrvErr = err
			return
		}
		fuzzSrv = &fuzzServer{s: s, state: state, token: plain[0].Token}
	})
	if fuzzSrvErr != nil {
		t.Fatalf("fuzz server: %v", fuzzSrvErr)
	}
	return fuzzSrv
}

// pathParams are valid values of the routes' path parameters.
var pathParams = map[string]string{
	":id":           "x-1",
	":msp":          "HealthMSP",
	":evaluationId": "ev-1",
	":address":      "0x" + strings.Repeat("ab", 20),
	":client":       url.PathEscape("x509::CN=User1,OU=client::CN=ca.health"),
}

// fuzzRoutes returns the routes of the server that match keep, in table
// order, with their path parameters filled in.
func (fs *fuzzServer) fuzzRoutes(keep func(route) bool) []route {
	var out []route
	for _, r := range fs.s.routes {
		if r.Public || r.Stream || !keep(r) {
			continue
		}
		segs := strings.Split(r.Path, "/")
		for i, seg := range segs {
			if v, ok := pathParams[seg]; ok {
				segs[i] = v
			}
		}
		r.Path = strings.Join(segs, "/")
		out = append(out, r)
	}
	return out
}

// serve sends one request as Admin and checks what every answer must be:
// a status below 500, an error answer exactly {code, message[, field]}, any
// other answer JSON.
func (fs *fuzzServer) serve(t *testing.T, method, target, contentType, body string) *httptest.ResponseRecorder {
	fs.state.mu.Lock()
	fs.state.calls = nil
	fs.state.mu.Unlock()
	var rd io.Reader
	if method != http.MethodGet {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, "/", rd)
	u, err := url.ParseRequestURI(target)
	if err != nil {
		t.Fatalf("target %q: %v", target, err)
	}
	req.URL, req.RequestURI = u, target
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Authorization", "Bearer "+fs.token)
	rec := httptest.NewRecorder()
	fs.s.Handler().ServeHTTP(rec, req)
	if rec.Code < 200 || rec.Code >= 500 {
		t.Fatalf("%s %s with %q: status %d; body %s", method, target, body, rec.Code, rec.Body)
	}
	if rec.Code >= 400 {
		var raw map[string]json.RawMessage
		var eb ErrorBody
		if json.Unmarshal(rec.Body.Bytes(), &raw) != nil || json.Unmarshal(rec.Body.Bytes(), &eb) != nil || eb.Code == "" || eb.Message == "" {
			t.Fatalf("%s %s: error answer %d is not an error body: %s", method, target, rec.Code, rec.Body)
		}
		for k := range raw {
			if k != "code" && k != "message" && k != "field" {
				t.Fatalf("%s %s: error body has key %q: %s", method, target, k, rec.Body)
			}
		}
	} else if rec.Body.Len() > 0 && !json.Valid(rec.Body.Bytes()) {
		t.Fatalf("%s %s: answer %d is not JSON: %s", method, target, rec.Code, rec.Body)
	}
	return rec
}

// FuzzRequestBody sends fuzzed bodies (and Content-Types) to every route
// that takes a body, through the router: nothing panics, nothing answers
// 5xx, malformed bodies are refused with an error body before the ledger
// is called, and the body decoding accepts only what the strict decoding
// of the request type does.
func FuzzRequestBody(f *testing.F) {
	bodies := []string{
		datasetBody,
		`{"msp":"HealthMSP","role":"provider","name":"Health"}`,
		`{"id":"g-1","applicationId":"a-1","scope":` + scopeJSON + `,"quota":{"records":10,"calls":1},"term":` + termJSON + `}`,
		`{"statement":` + statement + `,"signature":"` + signature + `"}`,
		`{"id":"ag-1","grantId":"g-1","textDigest":"` + digest + `","term":` + termJSON + `}`,
		`{"reason":"no longer needed"}`,
		`{"id":"ds-1","fields":[{"name":"visits","sensitivity":2,"colour":1}]}`,
		`{"id":`, `[1,2]`, ` `, `null`, `{}`, datasetBody + `{}`, `{"id":"\ud800"}`, `{"Reason":"case"}`,
	}
	for i, b := range bodies {
		f.Add(uint8(i*7), b, "application/json")
	}
	f.Add(uint8(3), datasetBody, "text/plain")
	f.Add(uint8(4), datasetBody, "application/merge-patch+json; charset=utf-8")
	f.Add(uint8(5), datasetBody, "application/json; ===")
	f.Fuzz(func(t *testing.T, which uint8, body, contentType string) {
		fs := sharedFuzzServer(t)
		routes := fs.fuzzRoutes(func(r route) bool { return r.Request != nil })
		r := routes[int(which)%len(routes)]
		rec := fs.serve(t, r.Method, r.Path, contentType, body)
		switch rec.Code {
		case http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType:
			// The fakes refuse nothing a request body holds: a refusal
			// is the API's own, before any ledger call.
			if calls := fs.state.recorded(); len(calls) != 0 {
				t.Fatalf("%s %s: refused %d, yet the ledger was called: %v", r.Method, r.Path, rec.Code, calls)
			}
		}
		if rec.Code < 300 {
			// Accepted: the body is one JSON object of the request type.
			dst := reflectNew(r.Request)
			dec := json.NewDecoder(strings.NewReader(body))
			dec.DisallowUnknownFields()
			if err := dec.Decode(dst); err != nil {
				t.Fatalf("%s %s accepted %q, which does not decode strictly: %v", r.Method, r.Path, body, err)
			}
		}
	})
}

// reflectNew returns a pointer to a new zero value of v's type.
func reflectNew(v any) any { return reflect.New(reflect.TypeOf(v)).Interface() }

// FuzzListQuery checks list query strings, directly and through the router:
// listQuery never panics; what it accepts has a page size from 1 to
// MaxPageSize, at most one filter among the list's indexes with a value of
// 1 to 256 bytes, the bookmark as given, and names only known parameters;
// what it refuses names a parameter of the query. Through the router, a
// refused query is answered 400 before the ledger is called, an accepted one
// reaches the ledger, and nothing answers 5xx.
func FuzzListQuery(f *testing.F) {
	for i, q := range []string{
		"", "pageSize=10", "pageSize=100&bookmark=AGNhbGwAYy0xAAA", "status=active", "owner=HealthMSP&pageSize=5",
		"owner=HealthMSP&status=listed", "pageSize=many", "pageSize=1000", "pageSize=0", "colour=red", "status=",
		"pageSize=1&pageSize=2", "bookmark=%ZZ", "status=a%00b", "domain=" + strings.Repeat("x", 257), ";=;&&",
		"pageSize=+5", "pageSize=05", "role=provider&bookmark=",
	} {
		f.Add(uint8(i), q)
	}
	f.Fuzz(func(t *testing.T, which uint8, raw string) {
		fs := sharedFuzzServer(t)
		routes := fs.fuzzRoutes(func(r route) bool { return r.List })
		r := routes[int(which)%len(routes)]
		values, _ := url.ParseQuery(raw) // as URL.Query does
		q, err := listQuery(values, r.Indexes)
		if err != nil {
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("listQuery(%q) error %v is not an InputError", raw, err)
			}
			if _, ok := values[ie.Field]; !ok {
				t.Fatalf("listQuery(%q) error names %q, not a parameter of the query", raw, ie.Field)
			}
		} else {
			if q.PageSize < 1 || q.PageSize > MaxPageSize {
				t.Fatalf("listQuery(%q) page size %d", raw, q.PageSize)
			}
			if q.By != "" && (!slices.Contains(r.Indexes, q.By) || q.Value == "" || len(q.Value) > 256 || values.Get(q.By) != q.Value) {
				t.Fatalf("listQuery(%q) filter %q=%q; indexes %v", raw, q.By, q.Value, r.Indexes)
			}
			if q.By == "" && q.Value != "" {
				t.Fatalf("listQuery(%q) value %q without a filter", raw, q.Value)
			}
			if q.Bookmark != values.Get("bookmark") {
				t.Fatalf("listQuery(%q) bookmark %q", raw, q.Bookmark)
			}
			for name := range values {
				if name != "pageSize" && name != "bookmark" && name != q.By {
					t.Fatalf("listQuery(%q) accepted parameter %q", raw, name)
				}
			}
		}
		// Through the router, with the query string made safe to send.
		u := &url.URL{Path: r.Path, RawQuery: values.Encode()}
		rec := fs.serve(t, http.MethodGet, u.RequestURI(), "", "")
		calls := fs.state.recorded()
		switch {
		case err != nil && (rec.Code != http.StatusBadRequest || len(calls) != 0):
			t.Fatalf("GET %s: %d after %d ledger calls, want 400 before any (listQuery: %v); body %s", u.RequestURI(), rec.Code, len(calls), err, rec.Body)
		case err == nil && rec.Code != http.StatusOK && (q.Bookmark == "" || rec.Code != http.StatusBadRequest):
			// The fake ledger refuses only bookmarks it did not make;
			// the API itself must pass on what listQuery accepts.
			t.Fatalf("GET %s: %d, want 200; body %s", u.RequestURI(), rec.Code, rec.Body)
		}
	})
}

// fuzzDir is a directory for the files the file-loading targets write:
// in memory (/dev/shm) where there is one, for the store syncs its file.
func fuzzDir(f *testing.F) string {
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		if dir, err := os.MkdirTemp("/dev/shm", "grantledger-fuzz-"); err == nil {
			f.Cleanup(func() { _ = os.RemoveAll(dir) })
			return dir
		}
	}
	return f.TempDir()
}

var sha256Hex = regexp.MustCompile(`^[0-9a-fA-F]{64}$`)

// FuzzTokenFile loads fuzzed token files: they are refused with an error or
// loaded, never panic; a loaded file names its organisation and distinct,
// non-empty users, each with a 64-hex hash, and written back out it loads
// again the same. Fuzzed plain token files parse, if at all, to non-empty
// users and tokens that read back the same once formatted.
func FuzzTokenFile(f *testing.F) {
	_, file, err := IssueTokens("HealthMSP", []string{"Admin", "User1", "User2"}, rand.Reader)
	if err != nil {
		f.Fatal(err)
	}
	good, _ := json.MarshalIndent(file, "", "  ")
	f.Add(good, []byte("Admin=glt_abc\nUser1=glt_def\n"))
	f.Add([]byte(`{"org":"HealthMSP","tokens":[{"user":"Admin","sha256":"`+strings.Repeat("AB", 32)+`"}]} trailing`), []byte("# comment\n\n  User1 = glt_x=y \r\n"))
	f.Add([]byte(`{"org":"","tokens":[]}`), []byte("=token\n"))
	f.Add([]byte(`{"org":"X","tokens":[{"user":"a","sha256":"00"},{"user":"a","sha256":"00"}],"extra":1}`), []byte("user\n"))
	f.Add([]byte(`null`), []byte{})
	dir := fuzzDir(f)
	path := filepath.Join(dir, "tokens.json")
	f.Fuzz(func(t *testing.T, hashed, plain []byte) {
		if err := os.WriteFile(path, hashed, 0o600); err != nil {
			t.Fatal(err)
		}
		a, err := LoadAuthenticator(path)
		if err == nil {
			users := a.Users()
			if a.Org() == "" || len(users) == 0 || len(users) != len(a.hashes) {
				t.Fatalf("loaded %q: org %q, users %v", hashed, a.Org(), users)
			}
			back := TokenFile{Org: a.Org()}
			for i, u := range users {
				if u == "" || slices.Index(users, u) != i {
					t.Fatalf("loaded %q: user %q empty or twice in %v", hashed, u, users)
				}
				h := hex.EncodeToString(a.hashes[i][:])
				if !sha256Hex.MatchString(h) {
					t.Fatalf("hash %q", h)
				}
				back.Tokens = append(back.Tokens, HashedToken{User: u, SHA256: h})
			}
			raw, _ := json.Marshal(back)
			if err := os.WriteFile(path, raw, 0o600); err != nil {
				t.Fatal(err)
			}
			again, err := LoadAuthenticator(path)
			if err != nil || again.Org() != a.Org() || !slices.Equal(again.Users(), users) || !slices.Equal(again.hashes, a.hashes) {
				t.Fatalf("token file %s written back does not load the same: %v", raw, err)
			}
		}
		tokens, err := ParsePlainTokens(plain)
		if err != nil {
			return
		}
		for _, p := range tokens {
			if p.User == "" || p.Token == "" || strings.Contains(p.User, "=") || strings.ContainsAny(p.User+p.Token, "\n") {
				t.Fatalf("ParsePlainTokens(%q) gave %+v", plain, p)
			}
		}
		again, err := ParsePlainTokens(FormatPlainTokens(tokens))
		if err != nil || !slices.Equal(again, tokens) {
			t.Fatalf("plain tokens %+v formatted read back as %+v, %v", tokens, again, err)
		}
	})
}

// FuzzIdempotencyStore opens the store on a file whose entries hold fuzzed
// names and values, and whose index holds a fuzzed key (bbolt's own page
// format is bbolt's to fuzz: what the store reads from its pages is
// fuzzed here). It opens, never panics; every entry it keeps is one it
// could have written: a live key of a named user and a fingerprint,
// holding either a response the server stores and can replay (a status
// from 100 to 499) or a reservation whose transactions are numbered,
// named and complete; it opens again with the same entries; and each
// entry answers as what it is, a stored response replayed or a
// reservation resumed with its transactions.
func FuzzIdempotencyStore(f *testing.F) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	rec := func(r idemRecord) []byte {
		if r.Fingerprint == "" {
			r.Fingerprint = strings.Repeat("ab", 32)
		}
		raw, _ := json.Marshal(r)
		return raw
	}
	done := rec(idemRecord{Created: now.Add(-time.Hour), Done: true, Status: 201, ContentType: "application/json; charset=utf-8",
		Location: "/v1/datasets/ds-1", Body: []byte(`{"id":"ds-1"}`)})
	pending := rec(idemRecord{Created: now.Add(-time.Minute), Transactions: []journalled{{N: 1, Name: "SubmitReceipt", ID: "tx1", Envelope: []byte{1, 2}}}})
	f.Add([]byte("Admin\x00k-1"), done, []byte("User1\x00k-2"), pending, []byte{})
	f.Add([]byte("Admin\x00k-1"), rec(idemRecord{Created: now.Add(-48 * time.Hour), Done: true, Status: 201}), []byte("Admin\x00"), done,
		append(createdKey(now, idemKey{"Admin", "k-1"}), 0))
	f.Add([]byte("\x00k"), done, []byte("u\x00k"), rec(idemRecord{Created: now, Done: true, Status: 500}), []byte("short"))
	f.Add([]byte("u\x00k"), rec(idemRecord{Created: now, Transactions: []journalled{{N: 1, Name: "A", ID: "t", Envelope: []byte{1}}, {N: 1, Name: "B", ID: "u", Envelope: []byte{2}}}}),
		[]byte("u\x00k2"), []byte(`{"fingerprint":"f","created":"2026-03-01T11:00:00+08:00","done":true,"status":201,"body":"e30="}`), []byte{})
	f.Add([]byte("u\x00k"), []byte(`{"fingerprint":"f","created":"2026-03-01T11:00:00Z","transactions":[{"n":0,"name":"A","id":"t","envelope":"AQ=="}]}`),
		[]byte("u\x00\x01"), done, createdKey(now.Add(-time.Hour), idemKey{"u", "k"}))
	dir := fuzzDir(f)
	path := filepath.Join(dir, "idempotency.db")
	clock := func() time.Time { return now }
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2, stale []byte) {
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		writeRawStore(t, path, [][2][]byte{{k1, v1}, {k2, v2}}, stale)
		s, err := OpenIdempotencyStore(path, StoreOptions{Now: clock})
		if err != nil {
			t.Fatalf("a store file of the right format does not open: %v", err)
		}
		first := describeEntries(t, s)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		s, err = OpenIdempotencyStore(path, StoreOptions{Now: clock})
		if err != nil {
			t.Fatalf("the store does not open again: %v", err)
		}
		defer func() { _ = s.Close() }()
		if second := describeEntries(t, s); second != first {
			t.Fatalf("the store changed when opened again:\n%s\nthen\n%s", first, second)
		}
		eachEntry(t, s, func(k idemKey, r idemRecord) {
			if k.check() != nil || r.check() != nil || r.expired(now, IdempotencyTTL) {
				t.Fatalf("kept entry %+v %+v from %q %q / %q %q", k, r, k1, v1, k2, v2)
			}
			res, err := s.Begin(k.user, k.key, r.Fingerprint)
			if err != nil {
				t.Fatalf("Begin %+v: %v", k, err)
			}
			switch {
			case r.Done && (res.Stored == nil || res.Stored.Status != r.Status || !bytes.Equal(res.Stored.Body, r.Body)):
				t.Fatalf("replay of %+v: got %+v, want status %d", k, res, r.Status)
			case !r.Done && (!res.Resumed || len(res.Sent) != len(r.Transactions)):
				t.Fatalf("resumption of %+v: got %+v, want its %d transactions", k, res, len(r.Transactions))
			}
		})
	})
}

// writeRawStore writes a store file of the right format whose entries are
// the pairs given (those bbolt cannot hold left out) and whose index holds
// the key stale.
func writeRawStore(t *testing.T, path string, pairs [][2][]byte, stale []byte) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	err = db.Update(func(tx *bolt.Tx) error {
		meta, err := tx.CreateBucket(bucketMeta)
		if err != nil {
			return err
		}
		if err := meta.Put(keyFormat, []byte(storeFormat)); err != nil {
			return err
		}
		entries, err := tx.CreateBucket(bucketEntries)
		if err != nil {
			return err
		}
		for _, p := range pairs {
			if len(p[0]) > 0 && len(p[0]) <= bolt.MaxKeySize {
				if err := entries.Put(p[0], p[1]); err != nil {
					return err
				}
			}
		}
		created, err := tx.CreateBucket(bucketCreated)
		if err != nil {
			return err
		}
		if len(stale) > 0 && len(stale) <= bolt.MaxKeySize {
			return created.Put(stale, nil)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// eachEntry calls fn with every entry of the store file that decodes.
func eachEntry(t *testing.T, s *IdempotencyStore, fn func(idemKey, idemRecord)) {
	t.Helper()
	type entry struct {
		k idemKey
		r idemRecord
	}
	var all []entry
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketEntries).ForEach(func(k, v []byte) error {
			key, _ := parseIdemKey(k)
			if key.user == "" {
				key = idemKey{user: "?" + string(k)}
			}
			var r idemRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("entry %q does not decode: %w", k, err)
			}
			all = append(all, entry{key, r})
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range all {
		fn(e.k, e.r)
	}
}

// describeEntries writes a store's entries in a stable form, and checks
// that its index names exactly its entries.
func describeEntries(t *testing.T, s *IdempotencyStore) string {
	t.Helper()
	var lines []string
	indexed := map[string]bool{}
	eachEntry(t, s, func(k idemKey, r idemRecord) {
		lines = append(lines, fmt.Sprintf("%q %q %q %s %v %d %q %q %x %d", k.user, k.key, r.Fingerprint,
			r.Created.UTC().Format(time.RFC3339Nano), r.Done, r.Status, r.ContentType, r.Location, r.Body, len(r.Transactions)))
		indexed[string(createdKey(r.Created, k))] = true
	})
	err := s.db.View(func(tx *bolt.Tx) error {
		n := 0
		err := tx.Bucket(bucketCreated).ForEach(func(k, _ []byte) error {
			n++
			if !indexed[string(k)] {
				return fmt.Errorf("index key %q names no entry", k)
			}
			return nil
		})
		if err == nil && n != len(indexed) {
			err = fmt.Errorf("index of %d keys for %d entries", n, len(indexed))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if s.count != len(lines) {
		t.Fatalf("the store counts %d entries, its file holds %d", s.count, len(lines))
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}
