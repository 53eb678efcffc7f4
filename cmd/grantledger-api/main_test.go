package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grantledger/grantledger/api"
	"github.com/grantledger/grantledger/internal/config"
)

// defaultConfig is what the tags must give: the api package's defaults.
func defaultConfig() Config {
	return Config{
		Profile:               "var/network.json",
		RequestTimeout:        api.DefaultRequestTimeout,
		ReadHeaderTimeout:     10 * time.Second,
		ReadTimeout:           30 * time.Second,
		WriteTimeout:          time.Minute,
		IdleTimeout:           2 * time.Minute,
		MaxBodyBytes:          api.DefaultMaxBodyBytes,
		TokenRate:             api.DefaultTokenRate,
		TokenBurst:            api.DefaultTokenBurst,
		TokenStreams:          api.DefaultTokenStreams,
		PublicRate:            api.DefaultPublicRate,
		PublicBurst:           api.DefaultPublicBurst,
		IdempotencyTTL:        api.IdempotencyTTL,
		IdempotencyMaxEntries: api.DefaultIdempotencyMaxEntries,
		LogLevel:              config.Level(slog.LevelInfo),
		ReadyTimeout:          api.DefaultReadyTimeout,
		ShutdownTimeout:       15 * time.Second,
		SchedulerInterval:     api.DefaultSchedulerInterval,
	}
}

func TestLoadConfig(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "api.json")
	if err := os.WriteFile(file, []byte(`{"org":"from-file","listen":"127.0.0.1:9001","request-timeout":"10s","max-body-bytes":4096}`), 0o600); err != nil {
		t.Fatal(err)
	}
	base := func(c *Config) { c.Tokens = "t.json" }
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		want    func(*Config)
		wantErr string
	}{
		{name: "defaults", args: []string{"-org", "authority", "-tokens", "t.json"},
			want: func(c *Config) { c.Org = "authority" }},
		{name: "file over defaults", args: []string{"-config", file, "-tokens", "t.json"},
			want: func(c *Config) {
				c.Org, c.Listen, c.RequestTimeout, c.MaxBodyBytes = "from-file", "127.0.0.1:9001", 10*time.Second, 4096
			}},
		{name: "config file from the environment", env: map[string]string{"GRANTLEDGER_API_CONFIG": file, "GRANTLEDGER_API_TOKENS": "t.json"},
			want: func(c *Config) {
				c.Org, c.Listen, c.RequestTimeout, c.MaxBodyBytes = "from-file", "127.0.0.1:9001", 10*time.Second, 4096
			}},
		{name: "environment over file", args: []string{"-config", file},
			env: map[string]string{"GRANTLEDGER_API_ORG": "from-env", "GRANTLEDGER_API_TOKENS": "t.json", "GRANTLEDGER_API_REQUEST_TIMEOUT": "5s", "GRANTLEDGER_API_LOG_LEVEL": "debug"},
			want: func(c *Config) {
				c.Org, c.Listen, c.RequestTimeout, c.MaxBodyBytes, c.LogLevel = "from-env", "127.0.0.1:9001", 5*time.Second, 4096, config.Level(slog.LevelDebug)
			}},
		{name: "flags over environment", args: []string{"-config", file, "-org", "from-flag", "-idempotency-file", "k.db"},
			env: map[string]string{"GRANTLEDGER_API_ORG": "from-env", "GRANTLEDGER_API_TOKENS": "t.json"},
			want: func(c *Config) {
				c.Org, c.Listen, c.RequestTimeout, c.MaxBodyBytes, c.IdempotencyFile = "from-flag", "127.0.0.1:9001", 10*time.Second, 4096, "k.db"
			}},
		{name: "serve is the default command's flags", args: []string{"-org", "a", "-tokens", "t.json", "-ready-user", "User2", "-ready-timeout", "1s", "-shutdown-timeout", "3s"},
			want: func(c *Config) {
				c.Org, c.ReadyUser, c.ReadyTimeout, c.ShutdownTimeout = "a", "User2", time.Second, 3*time.Second
			}},
		{name: "limits, timeouts and TLS", args: []string{"-org", "a", "-tokens", "t.json", "-tls-cert", "c.pem", "-tls-key", "k.pem",
			"-read-header-timeout", "2s", "-read-timeout", "5s", "-write-timeout", "45s", "-idle-timeout", "90s",
			"-token-rate", "12.5", "-token-burst", "25", "-token-streams", "0", "-idempotency-ttl", "1h", "-idempotency-max-entries", "10"},
			want: func(c *Config) {
				c.Org, c.TLSCert, c.TLSKey = "a", "c.pem", "k.pem"
				c.ReadHeaderTimeout, c.ReadTimeout, c.WriteTimeout, c.IdleTimeout = 2*time.Second, 5*time.Second, 45*time.Second, 90*time.Second
				c.TokenRate, c.TokenBurst, c.TokenStreams, c.IdempotencyTTL, c.IdempotencyMaxEntries = 12.5, 25, 0, time.Hour, 10
			}},
		{name: "limits from the environment", args: []string{"-org", "a", "-tokens", "t.json"},
			env: map[string]string{"GRANTLEDGER_API_TOKEN_RATE": "0", "GRANTLEDGER_API_WRITE_TIMEOUT": "2m", "GRANTLEDGER_API_TLS_CERT": "c.pem", "GRANTLEDGER_API_TLS_KEY": "k.pem"},
			want: func(c *Config) {
				c.Org, c.TokenRate, c.WriteTimeout, c.TLSCert, c.TLSKey = "a", 0, 2*time.Minute, "c.pem", "k.pem"
			}},
		{name: "the public disclosure's identity and limits", args: []string{"-org", "a", "-tokens", "t.json", "-public-user", "User2", "-public-rate", "2.5"},
			env: map[string]string{"GRANTLEDGER_API_PUBLIC_BURST": "5"},
			want: func(c *Config) {
				c.Org, c.PublicUser, c.PublicRate, c.PublicBurst = "a", "User2", 2.5, 5
			}},
		{name: "the anchoring service", args: []string{"-org", "a", "-tokens", "t.json", "-anchor-url", "http://127.0.0.1:8110"},
			want: func(c *Config) { c.Org, c.AnchorURL = "a", "http://127.0.0.1:8110" }},
		{name: "the anchoring service from the environment", args: []string{"-org", "a", "-tokens", "t.json"},
			env:  map[string]string{"GRANTLEDGER_API_ANCHOR_URL": "https://anchor.platform.example:8110/"},
			want: func(c *Config) { c.Org, c.AnchorURL = "a", "https://anchor.platform.example:8110/" }},
		{name: "an anchoring service without a scheme", args: []string{"-org", "a", "-tokens", "t", "-anchor-url", "127.0.0.1:8110"}, wantErr: "anchor-url"},
		{name: "an anchoring service with credentials", args: []string{"-org", "a", "-tokens", "t", "-anchor-url", "http://u:p@127.0.0.1:8110"}, wantErr: "is not an http or https base URL"},
		{name: "an anchoring service of another scheme", args: []string{"-org", "a", "-tokens", "t", "-anchor-url", "ftp://127.0.0.1:8110"}, wantErr: "is not an http or https base URL"},
		{name: "negative public rate", args: []string{"-org", "a", "-tokens", "t", "-public-rate", "-1"}, wantErr: "public-rate must be"},
		{name: "negative public burst", args: []string{"-org", "a", "-tokens", "t", "-public-burst", "-1"}, wantErr: "public-burst must be 0 or more"},
		{name: "a scheduler interval under a second", args: []string{"-org", "a", "-tokens", "t", "-scheduler-interval", "500ms"}, wantErr: "scheduler-interval must be 0 (off) or at least 1s"},
		{name: "a certificate without its key", args: []string{"-org", "a", "-tokens", "t", "-tls-cert", "c.pem"}, wantErr: "tls-key is required with tls-cert"},
		{name: "a key without its certificate", args: []string{"-org", "a", "-tokens", "t"}, env: map[string]string{"GRANTLEDGER_API_TLS_KEY": "k.pem"}, wantErr: "tls-cert is required with tls-key"},
		{name: "write timeout within the request deadline", args: []string{"-org", "a", "-tokens", "t", "-write-timeout", "30s"}, wantErr: "write-timeout 30s must be longer than request-timeout 30s"},
		{name: "header timeout over the read timeout", args: []string{"-org", "a", "-tokens", "t", "-read-header-timeout", "40s"}, wantErr: "read-header-timeout 40s is longer than read-timeout 30s"},
		{name: "zero idle timeout", args: []string{"-org", "a", "-tokens", "t", "-idle-timeout", "0"}, wantErr: "idle-timeout must be positive"},
		{name: "negative rate", args: []string{"-org", "a", "-tokens", "t", "-token-rate", "-1"}, wantErr: "token-rate must be"},
		{name: "rate not a number", args: []string{"-org", "a", "-tokens", "t", "-token-rate", "NaN"}, wantErr: "token-rate must be"},
		{name: "negative streams", args: []string{"-org", "a", "-tokens", "t", "-token-streams", "-2"}, wantErr: "token-streams must be 0 or more"},
		{name: "no idempotency entries", args: []string{"-org", "a", "-tokens", "t", "-idempotency-max-entries", "0"}, wantErr: "idempotency-max-entries must be at least 1"},
		{name: "org required", args: []string{"-tokens", "t.json"}, wantErr: "org is required"},
		{name: "tokens required", args: []string{"-org", "a"}, wantErr: "tokens is required"},
		{name: "bad duration", args: []string{"-org", "a", "-tokens", "t", "-request-timeout", "soon"}, wantErr: "-request-timeout"},
		{name: "bad duration in env", args: []string{"-org", "a", "-tokens", "t"}, env: map[string]string{"GRANTLEDGER_API_READY_TIMEOUT": "x"}, wantErr: "GRANTLEDGER_API_READY_TIMEOUT"},
		{name: "zero timeout", args: []string{"-org", "a", "-tokens", "t", "-request-timeout", "0s"}, wantErr: "request-timeout must be positive"},
		{name: "tiny body limit", args: []string{"-org", "a", "-tokens", "t", "-max-body-bytes", "10"}, wantErr: "max-body-bytes"},
		{name: "bad log level", args: []string{"-org", "a", "-tokens", "t", "-log-level", "loud"}, wantErr: "log-level"},
		{name: "bad listen", args: []string{"-org", "a", "-tokens", "t", "-listen", "8080"}, wantErr: "host:port"},
		{name: "missing config file", args: []string{"-config", filepath.Join(dir, "none.json")}, wantErr: "config file"},
		{name: "stray argument", args: []string{"-org", "a", "-tokens", "t", "extra"}, wantErr: "unexpected argument"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lookup := func(k string) (string, bool) {
				v, ok := tt.env[k]
				return v, ok
			}
			got, err := loadConfig(tt.args, lookup, io.Discard)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error: got %v, want one mentioning %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("loadConfig: %v", err)
			}
			want := defaultConfig()
			base(&want)
			tt.want(&want)
			if got != want {
				t.Errorf("config:\n got %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestUnknownConfigFileKey(t *testing.T) {
	file := filepath.Join(t.TempDir(), "api.json")
	if err := os.WriteFile(file, []byte(`{"org":"a","tokens":"t","listn":"x"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := loadConfig([]string{"-config", file}, func(string) (string, bool) { return "", false }, io.Discard)
	if err == nil || !strings.Contains(err.Error(), `unknown key "listn"`) {
		t.Errorf("error: got %v, want the unknown key named", err)
	}
}

func TestConfigHelp(t *testing.T) {
	var stderr bytes.Buffer
	_, err := loadConfig([]string{"-h"}, func(string) (string, bool) { return "", false }, &stderr)
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("error: got %v, want flag.ErrHelp", err)
	}
	for _, st := range config.Describe(Config{}) {
		if !strings.Contains(stderr.String(), st.Env) || !strings.Contains(stderr.String(), "-"+st.Flag) {
			t.Errorf("help does not name -%s and %s", st.Flag, st.Env)
		}
	}
}

func TestConfigDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/config.md")
	if err != nil {
		t.Fatalf("docs/config.md: %v", err)
	}
	if err := config.CheckDoc(doc, "## `grantledger-api serve` (the default command)", serveOptions, config.Describe(Config{})); err != nil {
		t.Error(err)
	}
	if err := config.CheckDoc(doc, "## `grantledger-api tokens`", config.Options{}, config.Describe(tokensConfig{})); err != nil {
		t.Error(err)
	}
	if err := config.CheckDoc(doc, "## `grantledger-api openapi`", config.Options{}, config.Describe(openapiConfig{})); err != nil {
		t.Error(err)
	}
}

// writeProfile writes a profile of one organisation whose peer nobody
// listens on, with a real TLS root certificate and dummy user files.
func writeProfile(t *testing.T, dir string) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "tlsca"}, NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	ca := filepath.Join(dir, "tlsca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	user := func(name string) map[string]string {
		return map[string]string{"name": name, "cert": filepath.Join(dir, name+".pem"), "key": filepath.Join(dir, name+".key")}
	}
	profile := map[string]any{
		"channel": "grantledger", "chaincode": "grantledger",
		"orgs": []any{map[string]any{
			"mspId": "AuthorityMSP", "name": "authority", "role": "authority",
			"peer":  map[string]string{"name": "peer0", "address": "127.0.0.1:1", "tlsRootCert": ca},
			"users": []any{user("Admin"), user("User1"), user("User2")},
		}},
	}
	raw, _ := json.Marshal(profile)
	path := filepath.Join(dir, "network.json")
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestTokensCommand(t *testing.T) {
	dir := t.TempDir()
	profile := writeProfile(t, dir)
	hashed, plain := filepath.Join(dir, "authority.tokens.json"), filepath.Join(dir, "authority.tokens.env")
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantOutput string
	}{
		{name: "issues", args: []string{"tokens", "-profile", profile, "-org", "authority", "-hashed", hashed, "-plain", plain}, wantOutput: "issued new tokens of 3 users of AuthorityMSP"},
		{name: "keeps", args: []string{"tokens", "-profile", profile, "-org", "AuthorityMSP", "-hashed", hashed, "-plain", plain}, wantOutput: "kept the tokens"},
		{name: "rotates", args: []string{"tokens", "-profile", profile, "-org", "authority", "-hashed", hashed, "-plain", plain, "-rotate"}, wantOutput: "issued new tokens"},
		{name: "unknown org", args: []string{"tokens", "-profile", profile, "-org", "nobody", "-hashed", hashed, "-plain", plain}, wantCode: 1},
		{name: "missing flags", args: []string{"tokens", "-profile", profile}, wantCode: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(context.Background(), tt.args, &stdout, &stderr); code != tt.wantCode {
				t.Fatalf("exit code: got %d, want %d; stderr %s", code, tt.wantCode, stderr.String())
			}
			if !strings.Contains(stdout.String(), tt.wantOutput) {
				t.Errorf("output: got %q, want %q in it", stdout.String(), tt.wantOutput)
			}
		})
	}
	raw, err := os.ReadFile(plain)
	if err != nil {
		t.Fatal(err)
	}
	tokens, err := api.ParsePlainTokens(raw)
	if err != nil || len(tokens) != 3 || tokens[0].User != "Admin" {
		t.Errorf("plain tokens: got %v, %v; want Admin, User1, User2", tokens, err)
	}
}

// lockedBuffer is a bytes.Buffer safe for the server's and the test's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestServe(t *testing.T) {
	dir := t.TempDir()
	profile := writeProfile(t, dir)
	hashed, plain := filepath.Join(dir, "t.json"), filepath.Join(dir, "t.env")
	if code := run(context.Background(), []string{"tokens", "-profile", profile, "-org", "authority", "-hashed", hashed, "-plain", plain}, io.Discard, io.Discard); code != 0 {
		t.Fatalf("tokens: exit %d", code)
	}
	raw, _ := os.ReadFile(plain)
	tokens, _ := api.ParsePlainTokens(raw)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stdout, stderr := &lockedBuffer{}, &lockedBuffer{}
	exited := make(chan int, 1)
	go func() {
		exited <- run(ctx, []string{"serve", "-profile", profile, "-org", "authority", "-tokens", hashed,
			"-listen", "127.0.0.1:0", "-ready-timeout", "500ms", "-idempotency-file", filepath.Join(dir, "keys.db")}, stdout, stderr)
	}()
	addr := ""
	for deadline := time.Now().Add(10 * time.Second); addr == "" && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		sc := bufio.NewScanner(strings.NewReader(stdout.String()))
		for sc.Scan() {
			var line struct {
				Msg     string `json:"msg"`
				Address string `json:"address"`
			}
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "listening" {
				addr = line.Address
			}
		}
		select {
		case code := <-exited:
			t.Fatalf("serve exited with %d: %s %s", code, stdout.String(), stderr.String())
		default:
		}
	}
	if addr == "" {
		t.Fatalf("serve did not report its address: %s", stdout.String())
	}
	if !strings.Contains(stdout.String(), `"config":{"listen":"127.0.0.1:0"`) {
		t.Errorf("start-up log lacks the configuration: %s", stdout.String())
	}

	get := func(path, token string) int {
		req, _ := http.NewRequest(http.MethodGet, "http://"+addr+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		_ = resp.Body.Close()
		return resp.StatusCode
	}
	for _, tc := range []struct {
		path, token string
		want        int
	}{
		{"/healthz", "", 200},
		{"/readyz", "", 503}, // nobody answers at the peer's address
		{"/v1/me", "", 401},
		{"/v1/me", "glt_wrong", 401},
		{"/v1/openapi.json", "", 200},
		{"/metrics", "", 200},
		{"/v1/me", tokens[1].Token, 500}, // User1's key file does not exist
		{"/public", "", 200},
		{"/v1/disclosure/grants", "", 500}, // no token needed; the public identity's (Admin's) key file does not exist
	} {
		if got := get(tc.path, tc.token); got != tc.want {
			t.Errorf("GET %s: got %d, want %d", tc.path, got, tc.want)
		}
	}

	cancel()
	select {
	case code := <-exited:
		if code != 0 {
			t.Errorf("exit code after shutdown: got %d, want 0; stderr %s", code, stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop")
	}
	if !strings.Contains(stdout.String(), `"msg":"stopped"`) {
		t.Errorf("log lacks the stop: %s", stdout.String())
	}
}

func TestServeRefusesTokensOfAnotherOrg(t *testing.T) {
	dir := t.TempDir()
	profile := writeProfile(t, dir)
	_, file, err := api.IssueTokens("HealthMSP", []string{"Admin"}, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(file)
	hashed := filepath.Join(dir, "health.json")
	if err := os.WriteFile(hashed, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	code := run(context.Background(), []string{"-profile", profile, "-org", "authority", "-tokens", hashed, "-listen", "127.0.0.1:0"}, io.Discard, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "issued for HealthMSP, not AuthorityMSP") {
		t.Errorf("got exit %d, stderr %q; want 1 naming both organisations", code, stderr.String())
	}
}

func TestServeRefusesAnUnknownPublicUser(t *testing.T) {
	dir := t.TempDir()
	profile := writeProfile(t, dir)
	hashed := filepath.Join(dir, "t.json")
	if code := run(context.Background(), []string{"tokens", "-profile", profile, "-org", "authority", "-hashed", hashed, "-plain", filepath.Join(dir, "t.env")}, io.Discard, io.Discard); code != 0 {
		t.Fatalf("tokens: exit %d", code)
	}
	var stderr bytes.Buffer
	code := run(context.Background(), []string{"-profile", profile, "-org", "authority", "-tokens", hashed, "-listen", "127.0.0.1:0", "-public-user", "Nobody"}, io.Discard, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "public user Nobody has no token") {
		t.Errorf("got exit %d, stderr %q; want 1 naming the public user", code, stderr.String())
	}
}

func TestRunUsage(t *testing.T) {
	var stdout bytes.Buffer
	if code := run(context.Background(), []string{"help"}, &stdout, io.Discard); code != 0 || !strings.Contains(stdout.String(), "tokens") {
		t.Errorf("help: got %d %q", code, stdout.String())
	}
	if code := run(context.Background(), []string{"-no-such-flag"}, io.Discard, io.Discard); code != 2 {
		t.Errorf("bad flag: got exit %d, want 2", code)
	}
}

// TestOpenAPICommand: `grantledger-api openapi` prints the document alone
// on stdout (no router debug lines), for the organisation asked.
func TestOpenAPICommand(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"openapi", "-org", "HealthMSP"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d, stderr %s", code, stderr.String())
	}
	var doc struct {
		OpenAPI string `json:"openapi"`
		Info    struct {
			Description string `json:"description"`
		} `json:"info"`
		Paths map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &doc); err != nil {
		t.Fatalf("stdout is not the document: %v; %.200s", err, stdout.String())
	}
	if doc.OpenAPI == "" || len(doc.Paths) < 50 || !strings.Contains(doc.Info.Description, "HealthMSP") {
		t.Errorf("document: openapi %q, %d paths, description %q", doc.OpenAPI, len(doc.Paths), doc.Info.Description)
	}
	if _, ok := doc.Paths["/v1/docs"]; !ok {
		t.Errorf("document lacks /v1/docs")
	}
}
