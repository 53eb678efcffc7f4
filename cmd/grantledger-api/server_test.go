package main

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/grantledger/grantledger/api"
	"github.com/grantledger/grantledger/client"
	"github.com/grantledger/grantledger/ledger"
)

// slowLedger is the part of the ledger the timeout tests use: WhoAmI and
// an event stream that never sends an event (the stream lives on its
// keep-alive comments), a dataset read that takes read, and a creation
// that counts its calls. Any other call panics (500).
type slowLedger struct {
	api.Ledger
	read    time.Duration
	creates *atomic.Int32
}

func (l slowLedger) WhoAmI(context.Context) (*ledger.Actor, error) {
	return &ledger.Actor{MSP: "AuthorityMSP", Role: ledger.RoleAuthority}, nil
}

func (l slowLedger) ChaincodeEvents(ctx context.Context, _ *uint64) (<-chan client.ChainEvent, error) {
	ch := make(chan client.ChainEvent)
	go func() {
		<-ctx.Done()
		close(ch)
	}()
	return ch, nil
}

func (l slowLedger) GetDataset(ctx context.Context, id string) (*ledger.Dataset, error) {
	select {
	case <-time.After(l.read):
		return &ledger.Dataset{ID: id}, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (l slowLedger) CreateDataset(_ context.Context, req ledger.DatasetRequest) (*ledger.Dataset, error) {
	l.creates.Add(1)
	return &ledger.Dataset{ID: req.ID}, nil
}

// startAPI serves the API over ledger l through newHTTPServer, with cfg's
// timeouts, on a free port, and returns its address and the bearer token
// of its one user.
func startAPI(t *testing.T, cfg Config, l api.Ledger) (addr, token string) {
	t.Helper()
	plain, file, err := api.IssueTokens("AuthorityMSP", []string{"Admin"}, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	auth, err := api.NewAuthenticator(file)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	srv, err := api.New(api.Options{
		Org: "AuthorityMSP", Tokens: auth, Logger: log, ReadyUser: "Admin",
		Identities:     api.NewPool([]string{"Admin"}, func(context.Context, string) (api.Ledger, error) { return l, nil }),
		RequestTimeout: cfg.RequestTimeout, WriteTimeout: cfg.WriteTimeout, Heartbeat: 50 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	hs, err := newHTTPServer(cfg, srv.Handler(), log)
	if err != nil {
		t.Fatal(err)
	}
	hs.RegisterOnShutdown(srv.StopStreams)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = serveHTTP(hs, ln, cfg.TLSCert != "") }()
	t.Cleanup(func() { _ = hs.Close() })
	return ln.Addr().String(), plain[0].Token
}

// timeoutConfig has short timeouts: headers within 150ms, the request
// within 300ms, its answer within 1s of its headers, and a deadline of
// 800ms.
func timeoutConfig() Config {
	cfg := defaultConfig()
	cfg.ReadHeaderTimeout, cfg.ReadTimeout = 150*time.Millisecond, 300*time.Millisecond
	cfg.RequestTimeout, cfg.WriteTimeout, cfg.IdleTimeout = 800*time.Millisecond, time.Second, time.Second
	return cfg
}

func TestTimeouts(t *testing.T) {
	cfg := timeoutConfig()
	creates := &atomic.Int32{}
	addr, token := startAPI(t, cfg, slowLedger{read: 500 * time.Millisecond, creates: creates})
	request := func(ctx context.Context, method, path string, body io.Reader) (*http.Response, error) {
		req, err := http.NewRequestWithContext(ctx, method, "http://"+addr+path, body)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "Bearer "+token)
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		return http.DefaultClient.Do(req)
	}

	t.Run("an event stream outlives the read and write timeouts", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		res, err := request(ctx, http.MethodGet, "/v1/events", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("status: got %d, want 200", res.StatusCode)
		}
		readStream(t, res.Body, cfg.WriteTimeout)
	})

	// net/http lifts the read deadline once the body is read: the read
	// timeout bounds the request's arrival, not its run.
	t.Run("a request longer than the read timeout still answers", func(t *testing.T) {
		res, err := request(t.Context(), http.MethodGet, "/v1/datasets/ds-1", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		if res.StatusCode != http.StatusOK {
			body, _ := io.ReadAll(res.Body)
			t.Errorf("a read of 500ms under a read timeout of 300ms: got %d %s, want 200", res.StatusCode, body)
		}
	})

	t.Run("a slow upload is cut by the read timeout", func(t *testing.T) {
		pr, pw := io.Pipe()
		go func() {
			// Half a body, then a byte every 100ms: the whole body
			// never comes within the read timeout.
			_, _ = pw.Write([]byte(`{"id":"ds-1","name":"`))
			for range 60 {
				time.Sleep(100 * time.Millisecond)
				if _, err := pw.Write([]byte("x")); err != nil {
					return
				}
			}
			_ = pw.Close()
		}()
		defer pw.Close()
		start := time.Now()
		res, err := request(t.Context(), http.MethodPost, "/v1/datasets", pr)
		if err == nil {
			res.Body.Close()
			if res.StatusCode < 400 || res.StatusCode >= 500 {
				t.Errorf("status: got %d, want the upload refused", res.StatusCode)
			}
		}
		if d := time.Since(start); d > 4*time.Second { // sent whole, it takes 6s
			t.Errorf("the upload ran %s: not cut by the read timeout (%s)", d, cfg.ReadTimeout)
		}
		if n := creates.Load(); n != 0 {
			t.Errorf("the ledger was called %d times for a body never received", n)
		}
	})

	t.Run("slow headers are cut by the read-header timeout", func(t *testing.T) {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if _, err := conn.Write([]byte("GET /healthz HTTP/1.1\r\nHost: x\r\n")); err != nil {
			t.Fatal(err)
		}
		_ = conn.SetReadDeadline(time.Now().Add(3 * time.Second))
		start := time.Now()
		_, err = io.ReadAll(conn) // the server closes the connection
		if d := time.Since(start); err != nil || d > 2*time.Second {
			t.Errorf("connection with unfinished headers: closed after %s (%v), want about %s", d, err, cfg.ReadHeaderTimeout)
		}
	})
}

// readStream reads an event stream for twice the write timeout and fails
// the test unless it stays open that long, its keep-alive comments coming
// well after the write timeout.
func readStream(t *testing.T, body io.Reader, writeTimeout time.Duration) {
	t.Helper()
	start := time.Now()
	lines := bufio.NewScanner(body)
	late := 0
	for time.Since(start) < 2*writeTimeout {
		if !lines.Scan() {
			t.Fatalf("the stream ended after %s (%v), before twice the write timeout (%s)", time.Since(start).Round(time.Millisecond), lines.Err(), writeTimeout)
		}
		if lines.Text() == ": keep-alive" && time.Since(start) > writeTimeout+writeTimeout/2 {
			late++
		}
	}
	if late == 0 {
		t.Errorf("no keep-alive after one and a half times the write timeout (%s)", writeTimeout)
	}
}

// writeCert writes a self-signed certificate for 127.0.0.1 and its key.
func writeCert(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "grantledger-api"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "api.pem"), filepath.Join(dir, "api.key")
	if err := errors.Join(os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600),
		os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}), 0o600)); err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

func TestServeTLS(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, pool := writeCert(t, dir)
	// A TLS handshake takes round trips: timeouts a loaded machine meets.
	cfg := timeoutConfig()
	cfg.ReadHeaderTimeout, cfg.ReadTimeout = 5*time.Second, 5*time.Second
	cfg.TLSCert, cfg.TLSKey = certFile, keyFile
	addr, token := startAPI(t, cfg, slowLedger{read: time.Millisecond, creates: &atomic.Int32{}})
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true}}
	for _, path := range []string{"/healthz", "/v1/datasets/ds-1"} {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, "https://"+addr+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := hc.Do(req)
		if err != nil {
			t.Fatalf("GET %s over TLS: %v", path, err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK || res.TLS == nil {
			t.Errorf("GET %s over TLS: got %d (TLS %v), want 200 over TLS", path, res.StatusCode, res.TLS != nil)
		}
	}
	t.Run("an event stream over HTTP/2 outlives the write timeout", func(t *testing.T) {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, "https://"+addr+"/v1/events", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		if res.ProtoMajor != 2 {
			t.Errorf("protocol: got %s, want HTTP/2", res.Proto)
		}
		readStream(t, res.Body, cfg.WriteTimeout)
	})
	res, err := http.Get("http://" + addr + "/healthz")
	if err == nil {
		res.Body.Close()
		if res.StatusCode == http.StatusOK {
			t.Error("plain HTTP to the TLS server answered 200")
		}
	}
}

func TestServeRefusesABadCertificate(t *testing.T) {
	dir := t.TempDir()
	certFile, _, _ := writeCert(t, dir)
	_, otherKey, _ := writeCert(t, t.TempDir())
	profile := writeProfile(t, dir)
	hashed := filepath.Join(dir, "t.json")
	if code := run(context.Background(), []string{"tokens", "-profile", profile, "-org", "authority", "-hashed", hashed, "-plain", filepath.Join(dir, "t.env")}, io.Discard, io.Discard); code != 0 {
		t.Fatalf("tokens: exit %d", code)
	}
	for _, tc := range []struct{ name, cert, key, want string }{
		{"missing file", filepath.Join(dir, "none.pem"), filepath.Join(dir, "none.key"), "no such file"},
		{"key of another certificate", certFile, otherKey, "private key does not match public key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stderr strings.Builder
			code := run(context.Background(), []string{"-profile", profile, "-org", "authority", "-tokens", hashed, "-listen", "127.0.0.1:0",
				"-tls-cert", tc.cert, "-tls-key", tc.key}, io.Discard, &stderr)
			if code != 1 || !strings.Contains(stderr.String(), "TLS certificate") || !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("got exit %d, stderr %q; want 1 naming the certificate and %q", code, stderr.String(), tc.want)
			}
		})
	}
}
