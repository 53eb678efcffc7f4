package main

import (
	"errors"
	"io"
	"log/slog"
	"net"
	"time"

	"github.com/grantledger/grantledger/internal/config"
)

// Config is the whole configuration of `grantledger-api serve`, loaded by
// loadConfig (package internal/config): defaults, then the config file,
// then the environment, then flags, then validation. docs/config.md
// documents every setting; the tags are the single description of each.
// The defaults of request-timeout, max-body-bytes and ready-timeout are
// api.DefaultRequestTimeout, api.DefaultMaxBodyBytes and
// api.DefaultReadyTimeout (a test holds them equal).
type Config struct {
	Listen          string        `flag:"listen" env:"GRANTLEDGER_API_LISTEN" usage:"address to serve on (default: the org's api address in the profile, else 127.0.0.1:8080)"`
	Profile         string        `flag:"profile" env:"GRANTLEDGER_API_PROFILE" default:"var/network.json" required:"true" usage:"connection profile written by the network tooling"`
	Org             string        `flag:"org" env:"GRANTLEDGER_API_ORG" required:"true" usage:"organisation to serve, by MSP ID or short name (required)"`
	Tokens          string        `flag:"tokens" env:"GRANTLEDGER_API_TOKENS" required:"true" usage:"hashed token file written by 'grantledger-api tokens' (required)"`
	RequestTimeout  time.Duration `flag:"request-timeout" env:"GRANTLEDGER_API_REQUEST_TIMEOUT" default:"30s" usage:"deadline of every request but the event stream"`
	MaxBodyBytes    int64         `flag:"max-body-bytes" env:"GRANTLEDGER_API_MAX_BODY_BYTES" default:"1048576" usage:"largest request body accepted"`
	IdempotencyFile string        `flag:"idempotency-file" env:"GRANTLEDGER_API_IDEMPOTENCY_FILE" usage:"file keeping Idempotency-Key responses across restarts (default: memory only)"`
	LogLevel        config.Level  `flag:"log-level" env:"GRANTLEDGER_API_LOG_LEVEL" default:"info" usage:"debug, info, warn or error"`
	ReadyTimeout    time.Duration `flag:"ready-timeout" env:"GRANTLEDGER_API_READY_TIMEOUT" default:"3s" usage:"deadline of the ledger query behind /readyz"`
	ReadyUser       string        `flag:"ready-user" env:"GRANTLEDGER_API_READY_USER" usage:"identity /readyz queries as (default: the first user of the token file)"`
	ShutdownTimeout time.Duration `flag:"shutdown-timeout" env:"GRANTLEDGER_API_SHUTDOWN_TIMEOUT" default:"15s" usage:"how long a graceful shutdown waits for requests in flight"`
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
	}{{"request-timeout", c.RequestTimeout}, {"ready-timeout", c.ReadyTimeout}, {"shutdown-timeout", c.ShutdownTimeout}} {
		if d.d <= 0 {
			errs = append(errs, config.Invalid(d.name, "must be positive"))
		}
	}
	if c.MaxBodyBytes < 1024 {
		errs = append(errs, config.Invalid("max-body-bytes", "must be at least 1024"))
	}
	return errors.Join(errs...)
}

// LogValue prints every setting under its flag name, secret ones as "***"
// (none is secret: bearer tokens live, hashed, in the token file and
// private keys in the files the profile names).
func (c Config) LogValue() slog.Value { return config.LogValue(c) }
