package api

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

func TestIssuedTokensAuthenticate(t *testing.T) {
	users := []string{"Admin", "User1", "User2"}
	plain, file, err := IssueTokens("HealthMSP", users, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	a, err := NewAuthenticator(file)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, p := range plain {
		if !strings.HasPrefix(p.Token, tokenPrefix) || len(p.Token) < 40 {
			t.Errorf("token %q: want glt_ and 32 random bytes", p.Token)
		}
		if seen[p.Token] {
			t.Errorf("token issued twice")
		}
		seen[p.Token] = true
		if u, ok := a.User(p.Token); !ok || u != p.User {
			t.Errorf("User(token of %s): got %q %v, want %s", p.User, u, ok, p.User)
		}
		if strings.Contains(file.Tokens[slices.IndexFunc(file.Tokens, func(h HashedToken) bool { return h.User == p.User })].SHA256, p.Token) {
			t.Errorf("the hashed file holds the token in the clear")
		}
	}
	for _, bad := range []string{"", "glt_", plain[0].Token + "x", strings.ToUpper(plain[0].Token)} {
		if u, ok := a.User(bad); ok {
			t.Errorf("User(%q): got %q, want no user", bad, u)
		}
	}
	if got := a.Users(); !slices.Equal(got, users) {
		t.Errorf("Users: got %v, want %v", got, users)
	}
}

func TestIssueTokensRefuses(t *testing.T) {
	tests := []struct {
		name   string
		org    string
		users  []string
		random *bytes.Reader
	}{
		{name: "no org", users: []string{"Admin"}},
		{name: "no users", org: "HealthMSP"},
		{name: "user name with =", org: "HealthMSP", users: []string{"A=B"}},
		{name: "random source runs dry", org: "HealthMSP", users: []string{"Admin"}, random: bytes.NewReader(make([]byte, 10))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r = rand.Reader
			if tt.random != nil {
				r = tt.random
			}
			if _, _, err := IssueTokens(tt.org, tt.users, r); err == nil {
				t.Errorf("IssueTokens: got no error, want one")
			}
		})
	}
}

func TestNewAuthenticatorRefuses(t *testing.T) {
	good := HashedToken{User: "Admin", SHA256: strings.Repeat("ab", 32)}
	tests := []struct {
		name string
		file TokenFile
	}{
		{name: "no org", file: TokenFile{Tokens: []HashedToken{good}}},
		{name: "no tokens", file: TokenFile{Org: "HealthMSP"}},
		{name: "no user", file: TokenFile{Org: "HealthMSP", Tokens: []HashedToken{{SHA256: good.SHA256}}}},
		{name: "short hash", file: TokenFile{Org: "HealthMSP", Tokens: []HashedToken{{User: "Admin", SHA256: "abcd"}}}},
		{name: "user twice", file: TokenFile{Org: "HealthMSP", Tokens: []HashedToken{good, good}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewAuthenticator(tt.file); err == nil {
				t.Errorf("NewAuthenticator: got no error, want one")
			}
		})
	}
}

func TestEnsureTokens(t *testing.T) {
	dir := t.TempDir()
	hashed, plain := filepath.Join(dir, "sub", "health.tokens.json"), filepath.Join(dir, "sub", "health.tokens.env")
	users := []string{"Admin", "User1", "User2"}

	issued, err := EnsureTokens(hashed, plain, "HealthMSP", users, false)
	if err != nil || !issued {
		t.Fatalf("first EnsureTokens: got %v, %v; want issued", issued, err)
	}
	for _, p := range []string{hashed, plain} {
		info, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode().Perm() != 0o600 {
			t.Errorf("%s mode: got %v, want 0600", filepath.Base(p), info.Mode().Perm())
		}
	}
	raw, _ := os.ReadFile(plain)
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "Admin=glt_") || !strings.HasPrefix(lines[2], "User2=glt_") {
		t.Errorf("plain file: got %q, want USER=token lines for Admin, User1, User2", raw)
	}
	tokens, err := ParsePlainTokens(raw)
	if err != nil {
		t.Fatal(err)
	}
	a, err := LoadAuthenticator(hashed)
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range tokens {
		if u, ok := a.User(tok.Token); !ok || u != tok.User {
			t.Errorf("plain token of %s does not authenticate as %s (got %q)", tok.User, tok.User, u)
		}
	}

	issued, err = EnsureTokens(hashed, plain, "HealthMSP", users, false)
	if err != nil || issued {
		t.Errorf("second EnsureTokens: got issued=%v, %v; want the tokens kept", issued, err)
	}
	if again, _ := os.ReadFile(plain); !bytes.Equal(again, raw) {
		t.Errorf("kept tokens changed")
	}

	issued, err = EnsureTokens(hashed, plain, "HealthMSP", users, true)
	if err != nil || !issued {
		t.Errorf("rotate: got issued=%v, %v; want new tokens", issued, err)
	}
	if again, _ := os.ReadFile(plain); bytes.Equal(again, raw) {
		t.Errorf("rotated tokens did not change")
	}

	issued, err = EnsureTokens(hashed, plain, "HealthMSP", append(users, "User3"), false)
	if err != nil || !issued {
		t.Errorf("new user: got issued=%v, %v; want new tokens", issued, err)
	}
	if err := os.WriteFile(plain, []byte("Admin=glt_tampered\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	issued, err = EnsureTokens(hashed, plain, "HealthMSP", append(users, "User3"), false)
	if err != nil || !issued {
		t.Errorf("plain file out of step: got issued=%v, %v; want new tokens", issued, err)
	}
}

func TestParsePlainTokens(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []PlainToken
		wantErr bool
	}{
		{name: "lines", in: "Admin=glt_a\n\n# comment\nUser1=glt_b\n", want: []PlainToken{{"Admin", "glt_a"}, {"User1", "glt_b"}}},
		{name: "no equals", in: "Admin glt_a\n", wantErr: true},
		{name: "empty token", in: "Admin=\n", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePlainTokens([]byte(tt.in))
			if (err != nil) != tt.wantErr || !slices.Equal(got, tt.want) {
				t.Errorf("ParsePlainTokens: got %v, %v; want %v, error %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

// closingLedger counts Close calls.
type closingLedger struct {
	Ledger
	closed *atomic.Int32
}

func (c closingLedger) Close() error {
	c.closed.Add(1)
	return nil
}

func TestPoolConnectsEachUserOnce(t *testing.T) {
	var connects, closed atomic.Int32
	fail := true
	var mu sync.Mutex
	pool := NewPool([]string{"Admin", "User1"}, func(_ context.Context, user string) (Ledger, error) {
		mu.Lock()
		defer mu.Unlock()
		if user == "User1" && fail {
			fail = false
			return nil, errors.New("cannot read key")
		}
		connects.Add(1)
		return closingLedger{Ledger: wholeFake(fake{user: user, state: newFakeState()}), closed: &closed}, nil
	})
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if _, err := pool.As(context.Background(), "Admin"); err != nil {
				t.Errorf("As(Admin): %v", err)
			}
		})
	}
	wg.Wait()
	if _, err := pool.As(context.Background(), "User1"); err == nil {
		t.Errorf("As(User1) with a failing connect: got no error")
	}
	if _, err := pool.As(context.Background(), "User1"); err != nil {
		t.Errorf("As(User1) after the failure: %v; want a new attempt", err)
	}
	if _, err := pool.As(context.Background(), "Mallory"); !errors.Is(err, errUnknownIdentity) {
		t.Errorf("As(Mallory): got %v, want errUnknownIdentity", err)
	}
	if got := connects.Load(); got != 2 {
		t.Errorf("connections: got %d, want 2 (one per user)", got)
	}
	if err := pool.Close(); err != nil {
		t.Fatal(err)
	}
	if got := closed.Load(); got != 2 {
		t.Errorf("closed: got %d, want 2", got)
	}
}
