package main

import (
	"errors"
	"io"
	"log/slog"
	"math"
	"net"
	"net/url"
	"time"

	"github.com/grantledger/grantledger/api"
	"github.com/grantledger/grantledger/internal/config"
)

// Config is the whole configuration of `grantledger-api serve`, loaded by
// loadConfig (package internal/config): defaults, then the config file,
// then the environment, then flags, then validation. docs/config.md
// documents every setting, and why each default; the tags are the single
// description of each. The defaults of request-timeout, max-body-bytes,
// ready-timeout, the token limits and the idempotency bounds are the api
// package's Default… constants (a test holds them equal).
type Config struct {
	Listen                string        `flag:"listen" env:"GRANTLEDGER_API_LISTEN" usage:"address to serve on (default: the org's api address in the profile, else 127.0.0.1:8080)"`
	Profile               string        `flag:"profile" env:"GRANTLEDGER_API_PROFILE" default:"var/network.json" required:"true" usage:"connection profile written by the network tooling"`
	Org                   string        `flag:"org" env:"GRANTLEDGER_API_ORG" required:"true" usage:"organisation to serve, by MSP ID or short name (required)"`
	Tokens                string        `flag:"tokens" env:"GRANTLEDGER_API_TOKENS" required:"true" usage:"hashed token file written by 'grantledger-api tokens' (required)"`
	TLSCert               string        `flag:"tls-cert" env:"GRANTLEDGER_API_TLS_CERT" usage:"PEM certificate (chain) to serve HTTPS with, with -tls-key (default: plain HTTP)"`
	TLSKey                string        `flag:"tls-key" env:"GRANTLEDGER_API_TLS_KEY" usage:"PEM private key of -tls-cert"`
	RequestTimeout        time.Duration `flag:"request-timeout" env:"GRANTLEDGER_API_REQUEST_TIMEOUT" default:"30s" usage:"deadline of every request but the event stream"`
	ReadHeaderTimeout     time.Duration `flag:"read-header-timeout" env:"GRANTLEDGER_API_READ_HEADER_TIMEOUT" default:"10s" usage:"how long a client may take to send a request's headers"`
	ReadTimeout           time.Duration `flag:"read-timeout" env:"GRANTLEDGER_API_READ_TIMEOUT" default:"30s" usage:"how long a client may take to send a whole request, body included"`
	WriteTimeout          time.Duration `flag:"write-timeout" env:"GRANTLEDGER_API_WRITE_TIMEOUT" default:"1m" usage:"how long a request may take from its headers to the end of its answer (the event stream excepted); more than request-timeout"`
	IdleTimeout           time.Duration `flag:"idle-timeout" env:"GRANTLEDGER_API_IDLE_TIMEOUT" default:"2m" usage:"how long a kept-alive connection may wait for its next request"`
	MaxBodyBytes          int64         `flag:"max-body-bytes" env:"GRANTLEDGER_API_MAX_BODY_BYTES" default:"1048576" usage:"largest request body accepted"`
	TokenRate             float64       `flag:"token-rate" env:"GRANTLEDGER_API_TOKEN_RATE" default:"1000" usage:"requests a second one token may make on average; 0: no limit"`
	TokenBurst            int           `flag:"token-burst" env:"GRANTLEDGER_API_TOKEN_BURST" default:"2000" usage:"requests one token may make at once above its rate; 0: the rate"`
	TokenStreams          int           `flag:"token-streams" env:"GRANTLEDGER_API_TOKEN_STREAMS" default:"32" usage:"event streams one token may hold open; 0: no limit"`
	IdempotencyFile       string        `flag:"idempotency-file" env:"GRANTLEDGER_API_IDEMPOTENCY_FILE" usage:"bbolt file keeping Idempotency-Key answers and the transactions of their requests across restarts (default: none, nothing survives a restart)"`
	IdempotencyTTL        time.Duration `flag:"idempotency-ttl" env:"GRANTLEDGER_API_IDEMPOTENCY_TTL" default:"24h" usage:"how long a key answers repeats of its request"`
	IdempotencyMaxEntries int           `flag:"idempotency-max-entries" env:"GRANTLEDGER_API_IDEMPOTENCY_MAX_ENTRIES" default:"100000" usage:"most keys kept; beyond, the oldest are evicted"`
	LogLevel              config.Level  `flag:"log-level" env:"GRANTLEDGER_API_LOG_LEVEL" default:"info" usage:"debug, info, warn or error"`
	ReadyTimeout          time.Duration `flag:"ready-timeout" env:"GRANTLEDGER_API_READY_TIMEOUT" default:"3s" usage:"deadline of the ledger query behind /readyz"`
	ReadyUser             string        `flag:"ready-user" env:"GRANTLEDGER_API_READY_USER" usage:"identity /readyz queries as (default: the first user of the token file)"`
	PublicUser            string        `flag:"public-user" env:"GRANTLEDGER_API_PUBLIC_USER" usage:"identity the public disclosure (/v1/disclosure/..., no token) is read as (default: the ready user)"`
	PublicRate            float64       `flag:"public-rate" env:"GRANTLEDGER_API_PUBLIC_RATE" default:"10" usage:"requests a second one client address may make to the public disclosure on average; 0: no limit"`
	PublicBurst           int           `flag:"public-burst" env:"GRANTLEDGER_API_PUBLIC_BURST" default:"20" usage:"requests one client address may make to the public disclosure at once; 0: the rate"`
	ShutdownTimeout       time.Duration `flag:"shutdown-timeout" env:"GRANTLEDGER_API_SHUTDOWN_TIMEOUT" default:"15s" usage:"how long a graceful shutdown waits for requests in flight"`
	SchedulerInterval     time.Duration `flag:"scheduler-interval" env:"GRANTLEDGER_API_SCHEDULER_INTERVAL" default:"1m" usage:"how often the deadline scheduler records, as the ready user, the expiries and threshold notices that came due; 0: off"`
	AnchorURL             string        `flag:"anchor-url" env:"GRANTLEDGER_API_ANCHOR_URL" usage:"base URL of the organisation's anchoring service (glanchor), whose backlog GET /v1/anchoring/backlog reads with the caller's token; it must read this API's token file (default: none)"`
}

// serveOptions say where `grantledger-api serve` reads its settings.
var serveOptions = config.Options{
	Command:  "grantledger-api serve",
	Usage:    "usage: grantledger-api [serve] [flags]\n\nServe one organisation's grantledger REST API.\n",
	FileFlag: "config",
	FileEnv:  "GRANTLEDGER_API_CONFIG",
}

// loadConfig builds the configuration from, in rising precedence: the
// defaults, the JSON config file (-config or GRANTLEDGER_API_CONFIG; keys
// are the flag names), the environment (GRANTLEDGER_API_*), the flags.
// Then it validates the result.
func loadConfig(args []string, lookupEnv func(string) (string, bool), stderr io.Writer) (Config, error) {
	var cfg Config
	opts := serveOptions
	opts.LookupEnv, opts.Output = lookupEnv, stderr
	_, err := config.Load(&cfg, args, opts)
	return cfg, err
}

// Validate reports every setting that cannot work; config.Load adds where
// each value came from. Required settings are checked by their tag.
func (c Config) Validate() error {
	var errs []error
	if c.Listen != "" {
		if _, _, err := net.SplitHostPort(c.Listen); err != nil {
			errs = append(errs, config.Invalid("listen", "%q is not host:port", c.Listen))
		}
	}
	for _, d := range []struct {
		name string
		d    time.Duration
	}{
		{"request-timeout", c.RequestTimeout}, {"read-header-timeout", c.ReadHeaderTimeout}, {"read-timeout", c.ReadTimeout},
		{"write-timeout", c.WriteTimeout}, {"idle-timeout", c.IdleTimeout}, {"idempotency-ttl", c.IdempotencyTTL},
		{"ready-timeout", c.ReadyTimeout}, {"shutdown-timeout", c.ShutdownTimeout},
	} {
		if d.d <= 0 {
			errs = append(errs, config.Invalid(d.name, "must be positive"))
		}
	}
	if c.ReadHeaderTimeout > c.ReadTimeout && c.ReadTimeout > 0 {
		// The read timeout counts from the same moment and covers the
		// headers too: a longer header timeout would never apply.
		errs = append(errs, config.Invalid("read-header-timeout", "%s is longer than read-timeout %s, which covers the headers too", c.ReadHeaderTimeout, c.ReadTimeout))
	}
	if c.WriteTimeout <= c.RequestTimeout && c.RequestTimeout > 0 {
		// The write deadline counts from the end of the headers: a
		// request that uses its whole deadline must still have time to
		// answer (504 at worst).
		errs = append(errs, config.Invalid("write-timeout", "%s must be longer than request-timeout %s, or answers at the deadline are cut", c.WriteTimeout, c.RequestTimeout))
	}
	switch {
	case c.TLSCert != "" && c.TLSKey == "":
		errs = append(errs, config.Invalid("tls-key", "is required with tls-cert: set both to serve HTTPS, or neither for plain HTTP"))
	case c.TLSKey != "" && c.TLSCert == "":
		errs = append(errs, config.Invalid("tls-cert", "is required with tls-key: set both to serve HTTPS, or neither for plain HTTP"))
	}
	if c.MaxBodyBytes < 1024 {
		errs = append(errs, config.Invalid("max-body-bytes", "must be at least 1024"))
	}
	for _, r := range []struct {
		name string
		r    float64
	}{{"token-rate", c.TokenRate}, {"public-rate", c.PublicRate}} {
		if r.r < 0 || math.IsNaN(r.r) || math.IsInf(r.r, 0) {
			errs = append(errs, config.Invalid(r.name, "must be a number of requests a second, 0 (no limit) or more"))
		}
	}
	for _, n := range []struct {
		name string
		n    int
	}{{"token-burst", c.TokenBurst}, {"token-streams", c.TokenStreams}, {"public-burst", c.PublicBurst}} {
		if n.n < 0 {
			errs = append(errs, config.Invalid(n.name, "must be 0 or more"))
		}
	}
	if c.SchedulerInterval < 0 || (c.SchedulerInterval > 0 && c.SchedulerInterval < time.Second) {
		errs = append(errs, config.Invalid("scheduler-interval", "must be 0 (off) or at least 1s"))
	}
	if c.IdempotencyMaxEntries < 1 {
		errs = append(errs, config.Invalid("idempotency-max-entries", "must be at least 1"))
	}
	if c.AnchorURL != "" {
		// The callers' tokens are sent there: a base URL of a host, no more.
		u, err := url.Parse(c.AnchorURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
			errs = append(errs, config.Invalid("anchor-url", "%q is not an http or https base URL such as http://127.0.0.1:8110", c.AnchorURL))
		}
	}
	return errors.Join(errs...)
}

// Limits are the per-token limits the settings give.
func (c Config) Limits() api.Limits {
	return api.Limits{Rate: c.TokenRate, Burst: c.TokenBurst, Streams: c.TokenStreams}
}

// PublicLimits are the per-address limits of the public disclosure the
// settings give.
func (c Config) PublicLimits() api.PublicLimits {
	return api.PublicLimits{Rate: c.PublicRate, Burst: c.PublicBurst}
}

// LogValue prints every setting under its flag name, secret ones as "***"
// (none is secret: bearer tokens live, hashed, in the token file, and
// private keys in the files the profile and -tls-key name).
func (c Config) LogValue() slog.Value { return config.LogValue(c) }
