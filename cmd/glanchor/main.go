// Command glanchor is the anchoring service the platform organisation runs
// (package anchor): the trusted environment posts signed usage receipts to
// it, it acknowledges each (202) once it is fsynced in a local bbolt log,
// and anchors them through the contract in batches, each exactly once
// however often it is killed. docs/anchoring.md describes its HTTP API,
// docs/config.md its settings.
//
//	glanchor -org platform -tokens var/api/platform/tokens.json -store var/anchor/platform/anchor.db
//
// Exit status: 0 after SIGINT or SIGTERM, 1 when serving fails (profile,
// token file, store, listen address, the log failing while it runs), 2 for
// a bad configuration.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/grantledger/grantledger/anchor"
	"github.com/grantledger/grantledger/api"
	"github.com/grantledger/grantledger/client"
	"github.com/grantledger/grantledger/internal/config"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, err := loadConfig(args, os.LookupEnv, stderr)
	if err != nil {
		return config.ExitCode(err, stderr, "glanchor")
	}
	if err := serve(ctx, cfg, stdout); err != nil {
		fmt.Fprintf(stderr, "glanchor: %v\n", err)
		return 1
	}
	return 0
}

// serve runs the service until ctx ends, then shuts down gracefully: the
// HTTP server first (event streams ended at once), then the batcher and the
// view, then the log. A batch on its way stays open in the log and is
// settled by the next run.
func serve(ctx context.Context, cfg Config, stdout io.Writer) error {
	log := slog.New(slog.NewJSONHandler(stdout, &slog.HandlerOptions{Level: cfg.LogLevel}))
	log.Info("starting glanchor", "config", cfg)

	profile, err := client.LoadProfile(cfg.Profile)
	if err != nil {
		return err
	}
	org, err := profile.Org(cfg.Org)
	if err != nil {
		return err
	}
	if _, err := org.User(cfg.User); err != nil {
		return fmt.Errorf("user: %w", err)
	}
	auth, err := api.LoadAuthenticator(cfg.Tokens)
	if err != nil {
		return err
	}
	if auth.Org() != org.MSPID {
		return fmt.Errorf("token file %s was issued for %s, not %s", cfg.Tokens, auth.Org(), org.MSPID)
	}

	store, err := anchor.OpenLog(cfg.Store)
	if err != nil {
		return err
	}
	defer func() {
		if err := store.Close(); err != nil {
			log.Error("close the log", "error", err.Error())
		}
	}()
	c, err := client.Connect(ctx, profile, org.MSPID, cfg.User)
	if err != nil {
		return err
	}
	defer func() {
		if err := c.Close(); err != nil {
			log.Error("close the gateway", "error", err.Error())
		}
	}()

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m, err := anchor.NewMetrics(reg)
	if err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	view := anchor.NewView(c, time.Now, log)
	batcher, err := anchor.NewBatcher(store, c, anchor.BatcherOptions{
		MaxBatch: cfg.BatchMax, MaxWait: cfg.BatchWait, Logger: log, Metrics: m,
	})
	if err != nil {
		return err
	}
	// Retention: settled batches leave the log after cfg.Retain (the
	// ledger keeps what matters of them); none with 0.
	var pruner *anchor.Pruner
	if cfg.Retain > 0 {
		if pruner, err = anchor.NewPruner(store, cfg.Retain, time.Now, log, m); err != nil {
			return err
		}
	}
	gin.SetMode(gin.ReleaseMode)
	srv, err := anchor.NewServer(anchor.Options{
		Org: org.MSPID, Log: store, View: view, Tokens: auth, Logger: log, Metrics: m, Gatherer: reg,
		Ready: func(ctx context.Context) (string, error) {
			cfg, err := c.GetConfig(ctx)
			if err != nil {
				return "", err
			}
			return cfg.AuthorityMSP, nil
		},
		RequestTimeout: cfg.RequestTimeout, MaxBodyBytes: cfg.MaxBodyBytes, ReadyTimeout: cfg.ReadyTimeout,
		MaxBacklog: cfg.MaxBacklog, Retain: cfg.Retain,
	})
	if err != nil {
		return err
	}

	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", cfg.Listen)
	if err != nil {
		return err
	}
	// The batcher and the view run until the server stops; the batcher
	// failing (the log cannot be written) stops the server.
	work, stopWork := context.WithCancel(context.Background())
	defer stopWork()
	var wg sync.WaitGroup
	batched := make(chan error, 1)
	wg.Go(func() { view.Run(work) })
	wg.Go(func() { batched <- batcher.Run(work) })
	if pruner != nil {
		wg.Go(func() { pruner.Run(work) })
	}

	hs := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	hs.RegisterOnShutdown(srv.StopStreams)
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	log.Info("listening", "address", ln.Addr().String(), "org", org.MSPID, "user", cfg.User, "store", cfg.Store, "storeId", store.StoreID())

	var failed error
	select {
	case err := <-served:
		failed = fmt.Errorf("serve: %w", err)
	case err := <-batched:
		if err == nil {
			err = errors.New("stopped")
		}
		failed = fmt.Errorf("batcher: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down", "timeout", cfg.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil && failed == nil {
		failed = fmt.Errorf("shutdown: %w", err)
	}
	stopWork()
	wg.Wait()
	log.Info("stopped")
	return failed
}
