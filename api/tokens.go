package api

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// tokenPrefix starts every bearer token, so that a leaked one is easy to
// recognise in logs and by secret scanners.
const tokenPrefix = "glt_"

// TokenFile is the file of hashed bearer tokens an API server loads: one
// token per user of the organisation. It holds no secret: a token is 32
// random bytes and only its SHA-256 is stored.
type TokenFile struct {
	// Org is the organisation's MSP ID.
	Org string `json:"org"`
	// Tokens maps users to the hashes of their tokens.
	Tokens []HashedToken `json:"tokens"`
}

// HashedToken is one user's token, hashed.
type HashedToken struct {
	User string `json:"user"`
	// SHA256 is the lower-case hex SHA-256 of the whole token string.
	SHA256 string `json:"sha256"`
}

// PlainToken is one user's token in the clear, as issued.
type PlainToken struct {
	User  string
	Token string
}

// Authenticator maps bearer tokens to the users of one organisation.
type Authenticator struct {
	org    string
	users  []string
	hashes [][sha256.Size]byte
}

// NewAuthenticator checks a token file and prepares its lookups.
func NewAuthenticator(f TokenFile) (*Authenticator, error) {
	if f.Org == "" {
		return nil, errors.New("token file: org is empty")
	}
	if len(f.Tokens) == 0 {
		return nil, errors.New("token file: no tokens")
	}
	a := &Authenticator{org: f.Org}
	for i, t := range f.Tokens {
		if t.User == "" {
			return nil, fmt.Errorf("token file: tokens[%d].user is empty", i)
		}
		if slices.Contains(a.users, t.User) {
			return nil, fmt.Errorf("token file: user %s appears twice", t.User)
		}
		raw, err := hex.DecodeString(t.SHA256)
		if err != nil || len(raw) != sha256.Size {
			return nil, fmt.Errorf("token file: tokens[%d].sha256 is not 64 hex characters", i)
		}
		a.users = append(a.users, t.User)
		a.hashes = append(a.hashes, [sha256.Size]byte(raw))
	}
	return a, nil
}

// LoadAuthenticator reads a token file.
func LoadAuthenticator(path string) (*Authenticator, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load tokens: %w", err)
	}
	var f TokenFile
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("load tokens %s: %w", path, err)
	}
	a, err := NewAuthenticator(f)
	if err != nil {
		return nil, fmt.Errorf("load tokens %s: %w", path, err)
	}
	return a, nil
}

// Org returns the MSP ID the tokens were issued for.
func (a *Authenticator) Org() string { return a.org }

// Users returns the users that hold a token, in file order.
func (a *Authenticator) Users() []string { return slices.Clone(a.users) }

// User returns the user a token belongs to. The token is hashed and the
// hash compared with every stored hash in constant time, whatever matches,
// so neither the comparison nor the position of a match leaks through
// timing.
func (a *Authenticator) User(token string) (string, bool) {
	sum := sha256.Sum256([]byte(token))
	found := -1
	for i := range a.hashes {
		if subtle.ConstantTimeCompare(sum[:], a.hashes[i][:]) == 1 {
			found = i
		}
	}
	if found < 0 {
		return "", false
	}
	return a.users[found], true
}

// IssueTokens makes one new random token per user: 32 bytes from random,
// base64url-encoded behind the "glt_" prefix. It returns the tokens and the
// token file of their hashes.
func IssueTokens(org string, users []string, random io.Reader) ([]PlainToken, TokenFile, error) {
	if org == "" {
		return nil, TokenFile{}, errors.New("issue tokens: org is empty")
	}
	if len(users) == 0 {
		return nil, TokenFile{}, fmt.Errorf("issue tokens: organisation %s has no users", org)
	}
	file := TokenFile{Org: org}
	plain := make([]PlainToken, 0, len(users))
	for _, u := range users {
		if u == "" || strings.ContainsAny(u, "=\n\r") {
			return nil, TokenFile{}, fmt.Errorf("issue tokens: user name %q cannot be written to the plain file", u)
		}
		var secret [32]byte
		if _, err := io.ReadFull(random, secret[:]); err != nil {
			return nil, TokenFile{}, fmt.Errorf("issue tokens: random: %w", err)
		}
		token := tokenPrefix + base64.RawURLEncoding.EncodeToString(secret[:])
		sum := sha256.Sum256([]byte(token))
		plain = append(plain, PlainToken{User: u, Token: token})
		file.Tokens = append(file.Tokens, HashedToken{User: u, SHA256: hex.EncodeToString(sum[:])})
	}
	return plain, file, nil
}

// EnsureTokens makes sure that hashedPath and plainPath hold tokens for
// exactly these users of org. When both files exist and agree with each
// other and with the users, they are kept (so that running `make up` again
// does not invalidate tokens already handed out) unless rotate is set;
// otherwise new tokens are issued and both files written, mode 0600, each
// by an atomic rename. It reports whether new tokens were issued.
func EnsureTokens(hashedPath, plainPath, org string, users []string, rotate bool) (bool, error) {
	if !rotate && tokensMatch(hashedPath, plainPath, org, users) {
		return false, nil
	}
	plain, file, err := IssueTokens(org, users, rand.Reader)
	if err != nil {
		return false, err
	}
	hashed, err := json.MarshalIndent(file, "", "  ")
	if err != nil {
		return false, fmt.Errorf("issue tokens: %w", err)
	}
	if err := writeFileAtomic(hashedPath, append(hashed, '\n')); err != nil {
		return false, fmt.Errorf("issue tokens: %w", err)
	}
	if err := writeFileAtomic(plainPath, FormatPlainTokens(plain)); err != nil {
		return false, fmt.Errorf("issue tokens: %w", err)
	}
	return true, nil
}

// tokensMatch reports whether both files exist and hold tokens for exactly
// these users of org, the plain tokens hashing to the stored hashes.
func tokensMatch(hashedPath, plainPath, org string, users []string) bool {
	a, err := LoadAuthenticator(hashedPath)
	if err != nil || a.Org() != org {
		return false
	}
	raw, err := os.ReadFile(plainPath)
	if err != nil {
		return false
	}
	plain, err := ParsePlainTokens(raw)
	if err != nil || len(plain) != len(users) || len(a.Users()) != len(users) {
		return false
	}
	for _, p := range plain {
		u, ok := a.User(p.Token)
		if !ok || u != p.User || !slices.Contains(users, u) {
			return false
		}
	}
	return true
}

// FormatPlainTokens writes tokens as the plain file's lines "USER=token".
func FormatPlainTokens(tokens []PlainToken) []byte {
	var b bytes.Buffer
	for _, t := range tokens {
		fmt.Fprintf(&b, "%s=%s\n", t.User, t.Token)
	}
	return b.Bytes()
}

// ParsePlainTokens reads the plain file's lines "USER=token"; blank lines
// and lines starting with # are skipped.
func ParsePlainTokens(raw []byte) ([]PlainToken, error) {
	var out []PlainToken
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		user, token, ok := strings.Cut(line, "=")
		if !ok || user == "" || token == "" {
			return nil, fmt.Errorf("plain tokens: line %d is not USER=token", n)
		}
		out = append(out, PlainToken{User: user, Token: token})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("plain tokens: %w", err)
	}
	return out, nil
}

// writeFileAtomic writes data to a temporary file beside path, mode 0600,
// syncs it and renames it over path.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if _, err := os.Stat(tmp); err == nil {
			_ = os.Remove(tmp)
		}
	}()
	if err := f.Chmod(0o600); err != nil {
		_ = f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := f.Write(data); err != nil {
		_ = f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
