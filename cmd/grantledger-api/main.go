// Command grantledger-api serves one organisation's grantledger REST API
// (package api) over its Fabric identities, and issues the bearer tokens
// that map callers to those identities.
//
//	grantledger-api [serve] [flags]        serve the API (docs/config.md)
//	grantledger-api tokens -profile P -org O -hashed OUT.json -plain OUT.env [-rotate]
//	grantledger-api openapi [-org MSPID]   print the OpenAPI document
package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/grantledger/grantledger/api"
	"github.com/grantledger/grantledger/client"
	"github.com/grantledger/grantledger/internal/config"
)

const usage = `usage: grantledger-api [COMMAND] [flags]

Commands:
  serve    serve one organisation's REST API (the default); see serve -h
  tokens   issue one bearer token per user of an organisation; see tokens -h
  openapi  print the OpenAPI document GET /v1/openapi.json serves; see openapi -h
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 {
		switch args[0] {
		case "serve", "tokens", "openapi":
			cmd, args = args[0], args[1:]
		case "help", "-h", "-help", "--help":
			fmt.Fprint(stdout, usage)
			return 0
		}
	}
	switch cmd {
	case "tokens":
		return tokens(args, stdout, stderr)
	case "openapi":
		return openapi(args, stdout, stderr)
	}
	cfg, err := loadConfig(args, os.LookupEnv, stderr)
	if err != nil {
		return config.ExitCode(err, stderr, "grantledger-api")
	}
	if err := serve(ctx, cfg, stdout); err != nil {
		fmt.Fprintf(stderr, "grantledger-api: %v\n", err)
		return 1
	}
	return 0
}

// tokensConfig is the configuration of `grantledger-api tokens`: flags
// only (package internal/config), as it is a tool the network tooling runs.
type tokensConfig struct {
	Profile string `flag:"profile" default:"var/network.json" required:"true" usage:"connection profile"`
	Org     string `flag:"org" required:"true" usage:"organisation, by MSP ID or short name (required)"`
	Hashed  string `flag:"hashed" required:"true" usage:"hashed token file the server loads (required)"`
	Plain   string `flag:"plain" required:"true" usage:"plain token file, lines USER=token, mode 0600 (required)"`
	Rotate  bool   `flag:"rotate" usage:"issue new tokens even when both files already hold valid ones"`
}

const tokensUsage = `usage: grantledger-api tokens -profile P -org O -hashed OUT.json -plain OUT.env [-rotate]

Issues one random bearer token per user of the organisation (Admin, User1, ...)
and writes the SHA-256 hashes to the hashed file, which the server loads, and the
tokens to the plain file, for local tooling. When both files already hold tokens
for exactly these users, they are kept (unless -rotate).
`

// tokens issues (or keeps) the bearer tokens of an organisation's users.
func tokens(args []string, stdout, stderr io.Writer) int {
	var cfg tokensConfig
	if _, err := config.Load(&cfg, args, config.Options{Command: "grantledger-api tokens", Usage: tokensUsage, Output: stderr}); err != nil {
		return config.ExitCode(err, stderr, "grantledger-api tokens")
	}
	profile, err := client.LoadProfile(cfg.Profile)
	if err != nil {
		fmt.Fprintf(stderr, "grantledger-api tokens: %v\n", err)
		return 1
	}
	o, err := profile.Org(cfg.Org)
	if err != nil {
		fmt.Fprintf(stderr, "grantledger-api tokens: %v\n", err)
		return 1
	}
	users := make([]string, len(o.Users))
	for i, u := range o.Users {
		users[i] = u.Name
	}
	issued, err := api.EnsureTokens(cfg.Hashed, cfg.Plain, o.MSPID, users, cfg.Rotate)
	if err != nil {
		fmt.Fprintf(stderr, "grantledger-api tokens: %v\n", err)
		return 1
	}
	verb := "kept the tokens"
	if issued {
		verb = "issued new tokens"
	}
	fmt.Fprintf(stdout, "%s of %d users of %s: hashes in %s, tokens in %s\n", verb, len(users), o.MSPID, cfg.Hashed, cfg.Plain)
	return 0
}

// openapiConfig is the configuration of `grantledger-api openapi`: flags only.
type openapiConfig struct {
	Org string `flag:"org" default:"OrgMSP" usage:"MSP ID of the organisation the document describes (its description names it)"`
}

const openapiUsage = `usage: grantledger-api openapi [-org MSPID]

Prints the OpenAPI 3 document the API serves at GET /v1/openapi.json, built
from the route table alone: no profile, network or tokens needed. The lint
step (scripts/test.sh lint) checks it with Redocly CLI.
`

// openapi prints the OpenAPI document.
func openapi(args []string, stdout, stderr io.Writer) int {
	var cfg openapiConfig
	if _, err := config.Load(&cfg, args, config.Options{Command: "grantledger-api openapi", Usage: openapiUsage, Output: stderr}); err != nil {
		return config.ExitCode(err, stderr, "grantledger-api openapi")
	}
	gin.SetMode(gin.ReleaseMode) // gin's debug lines go to stdout, where the document goes
	doc, err := api.Document(cfg.Org)
	if err != nil {
		fmt.Fprintf(stderr, "grantledger-api openapi: %v\n", err)
		return 1
	}
	if _, err := fmt.Fprintf(stdout, "%s\n", doc); err != nil {
		fmt.Fprintf(stderr, "grantledger-api openapi: %v\n", err)
		return 1
	}
	return 0
}

// serve runs the API until ctx ends, then shuts down gracefully.
func serve(ctx context.Context, cfg Config, stdout io.Writer) error {
	log := slog.New(slog.NewJSONHandler(stdout, &slog.HandlerOptions{Level: cfg.LogLevel}))
	log.Info("starting grantledger-api", "config", cfg)

	profile, err := client.LoadProfile(cfg.Profile)
	if err != nil {
		return err
	}
	org, err := profile.Org(cfg.Org)
	if err != nil {
		return err
	}
	auth, err := api.LoadAuthenticator(cfg.Tokens)
	if err != nil {
		return err
	}
	if auth.Org() != org.MSPID {
		return fmt.Errorf("token file %s was issued for %s, not %s", cfg.Tokens, auth.Org(), org.MSPID)
	}
	for _, u := range auth.Users() {
		if _, err := org.User(u); err != nil {
			return fmt.Errorf("token file %s: %w", cfg.Tokens, err)
		}
	}
	readyUser := cfg.ReadyUser
	if readyUser == "" {
		readyUser = auth.Users()[0]
	}
	publicUser := cfg.PublicUser
	if publicUser == "" {
		publicUser = readyUser
	}
	if !slices.Contains(auth.Users(), publicUser) {
		return fmt.Errorf("public user %s has no token in %s: the public disclosure is read as one of the users the API connects (%s)", publicUser, cfg.Tokens, strings.Join(auth.Users(), ", "))
	}
	listen := cfg.Listen
	if listen == "" {
		listen = org.API
	}
	if listen == "" {
		listen = "127.0.0.1:8080"
	}

	keys, err := api.OpenIdempotencyStore(cfg.IdempotencyFile, api.StoreOptions{TTL: cfg.IdempotencyTTL, MaxEntries: cfg.IdempotencyMaxEntries})
	if err != nil {
		return err
	}
	defer closeLogged(log, "idempotency store", keys)
	if cfg.IdempotencyFile == "" {
		log.Warn("idempotency keys live as long as the process: a restart forgets them, and cannot resume the requests it cut (set GRANTLEDGER_API_IDEMPOTENCY_FILE)")
	}

	// One gRPC connection to the organisation's peer, shared by one
	// Gateway per user, each connected on the user's first request.
	conn, err := client.Dial(org.Peer)
	if err != nil {
		return err
	}
	defer closeLogged(log, "peer connection", conn)
	pool := api.NewPool(auth.Users(), func(ctx context.Context, user string) (api.Ledger, error) {
		c, err := client.Connect(ctx, profile, org.MSPID, user, client.WithConnection(conn))
		if err != nil {
			return nil, err
		}
		return c, nil
	})
	defer closeLogged(log, "gateways", pool)

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	gin.SetMode(gin.ReleaseMode)
	srv, err := api.New(api.Options{
		Org: org.MSPID, Identities: pool, Tokens: auth, Idempotency: keys, Logger: log, Registry: reg,
		RequestTimeout: cfg.RequestTimeout, WriteTimeout: cfg.WriteTimeout, MaxBodyBytes: cfg.MaxBodyBytes,
		ReadyTimeout: cfg.ReadyTimeout, ReadyUser: readyUser, Limits: cfg.Limits(),
		PublicUser: publicUser, Public: cfg.PublicLimits(),
		AnchorURL: cfg.AnchorURL,
	})
	if err != nil {
		return err
	}
	hs, err := newHTTPServer(cfg, srv.Handler(), log)
	if err != nil {
		return err
	}
	hs.RegisterOnShutdown(srv.StopStreams)

	if cfg.SchedulerInterval > 0 {
		sched, err := api.NewScheduler(api.SchedulerOptions{
			Ledger:   func(ctx context.Context) (api.SchedulerLedger, error) { return pool.As(ctx, readyUser) },
			Interval: cfg.SchedulerInterval, Timeout: cfg.RequestTimeout, Logger: log.With("component", "scheduler"), Registry: reg,
		})
		if err != nil {
			return err
		}
		// The scheduler ends with ctx, before the pool it uses is closed.
		sctx, stopScheduler := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); sched.Run(sctx) }()
		defer func() { stopScheduler(); <-done }()
		log.Info("deadline scheduler on", "interval", cfg.SchedulerInterval.String(), "user", readyUser)
	}

	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", listen)
	if err != nil {
		return err
	}
	served := make(chan error, 1)
	go func() { served <- serveHTTP(hs, ln, cfg.TLSCert != "") }()
	log.Info("listening", "address", ln.Addr().String(), "tls", cfg.TLSCert != "", "org", org.MSPID, "users", auth.Users())

	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down", "timeout", cfg.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}

// newHTTPServer is the HTTP server of the API: its timeouts, and its TLS
// certificate when the configuration names one (loaded here, so that a
// bad certificate stops the start, not the first client).
//
// The timeouts bound what a client may hold of the server: the headers
// within ReadHeaderTimeout, the whole request within ReadTimeout, the
// request from its headers to the end of its answer within WriteTimeout,
// an idle kept-alive connection IdleTimeout. net/http lifts the read
// deadline once the body is read; the api package exempts the event
// stream, which may stay open for hours, from the write deadline as a
// whole and applies it to each of its writes instead.
func newHTTPServer(cfg Config, h http.Handler, log *slog.Logger) (*http.Server, error) {
	hs := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		ReadTimeout:       cfg.ReadTimeout,
		WriteTimeout:      cfg.WriteTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	if cfg.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
		if err != nil {
			return nil, fmt.Errorf("TLS certificate %s with key %s: %w", cfg.TLSCert, cfg.TLSKey, err)
		}
		hs.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	return hs, nil
}

// serveHTTP serves on ln, over TLS with the certificate newHTTPServer
// loaded when useTLS (HTTP/2 offered then, as net/http does).
func serveHTTP(hs *http.Server, ln net.Listener, useTLS bool) error {
	if useTLS {
		return hs.ServeTLS(ln, "", "")
	}
	return hs.Serve(ln)
}

func closeLogged(log *slog.Logger, what string, c io.Closer) {
	if err := c.Close(); err != nil {
		log.Error("close "+what, "error", err.Error())
	}
}
