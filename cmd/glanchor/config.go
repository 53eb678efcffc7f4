package main

import (
	"errors"
	"io"
	"log/slog"
	"net"
	"time"

	"github.com/grantledger/grantledger/internal/config"
	"github.com/grantledger/grantledger/ledger"
)

// Config is the whole configuration of glanchor, loaded by loadConfig
// (package internal/config): defaults, then the config file, then the
// environment, then flags, then validation. docs/config.md documents every
// setting; the tags are the single description of each. The defaults of
// batch-max, batch-wait, max-backlog, retain, request-timeout, max-body-bytes
// and ready-timeout are the anchor package's (a test holds them equal).
type Config struct {
	Listen          string        `flag:"listen" env:"GLANCHOR_LISTEN" default:"127.0.0.1:8110" usage:"address to serve on"`
	Profile         string        `flag:"profile" env:"GLANCHOR_PROFILE" default:"var/network.json" required:"true" usage:"connection profile written by the network tooling"`
	Org             string        `flag:"org" env:"GLANCHOR_ORG" required:"true" usage:"organisation the service acts for, by MSP ID or short name (required)"`
	User            string        `flag:"user" env:"GLANCHOR_USER" default:"User1" required:"true" usage:"the organisation's identity that submits batches and reads the ledger"`
	Tokens          string        `flag:"tokens" env:"GLANCHOR_TOKENS" required:"true" usage:"hashed token file written by 'grantledger-api tokens' (required)"`
	Store           string        `flag:"store" env:"GLANCHOR_STORE" required:"true" usage:"the durable log, a bbolt file (required)"`
	BatchMax        int           `flag:"batch-max" env:"GLANCHOR_BATCH_MAX" default:"500" usage:"most receipts per batch (1 to 500)"`
	BatchWait       time.Duration `flag:"batch-wait" env:"GLANCHOR_BATCH_WAIT" default:"200ms" usage:"how long the oldest pending receipt waits before a smaller batch is cut"`
	MaxBacklog      int           `flag:"max-backlog" env:"GLANCHOR_MAX_BACKLOG" default:"750" usage:"most receipts acknowledged and not yet anchored; a post beyond waits for batches to settle"`
	Retain          time.Duration `flag:"retain" env:"GLANCHOR_RETAIN" default:"24h" usage:"how long a settled batch stays in the log with its receipts' statuses and events (then only the ledger has them); 0 keeps them for ever"`
	RequestTimeout  time.Duration `flag:"request-timeout" env:"GLANCHOR_REQUEST_TIMEOUT" default:"30s" usage:"deadline of every request but the event stream"`
	MaxBodyBytes    int64         `flag:"max-body-bytes" env:"GLANCHOR_MAX_BODY_BYTES" default:"65536" usage:"largest request body accepted"`
	LogLevel        config.Level  `flag:"log-level" env:"GLANCHOR_LOG_LEVEL" default:"info" usage:"debug, info, warn or error"`
	ReadyTimeout    time.Duration `flag:"ready-timeout" env:"GLANCHOR_READY_TIMEOUT" default:"3s" usage:"deadline of the ledger query behind /readyz"`
	ShutdownTimeout time.Duration `flag:"shutdown-timeout" env:"GLANCHOR_SHUTDOWN_TIMEOUT" default:"15s" usage:"how long a graceful shutdown waits for requests in flight"`
}

// options say where glanchor reads its settings.
var options = config.Options{
	Command:  "glanchor",
	Usage:    "usage: glanchor [flags]\n\nServe the anchoring service: acknowledge signed usage receipts into a durable log\nand anchor them through the contract in batches, each exactly once.\n",
	FileFlag: "config",
	FileEnv:  "GLANCHOR_CONFIG",
}

// loadConfig builds the configuration from, in rising precedence: the
// defaults, the JSON config file (-config or GLANCHOR_CONFIG; keys are the
// flag names), the environment (GLANCHOR_*), the flags. Then it validates
// the result.
func loadConfig(args []string, lookupEnv func(string) (string, bool), stderr io.Writer) (Config, error) {
	var cfg Config
	opts := options
	opts.LookupEnv, opts.Output = lookupEnv, stderr
	_, err := config.Load(&cfg, args, opts)
	return cfg, err
}

// maxBatchWait bounds batch-wait: a receipt acknowledged and left waiting
// longer than this is a misconfiguration, not a trade-off.
const maxBatchWait = time.Minute

// Validate reports every setting that cannot work; config.Load adds where
// each value came from. Required settings are checked by their tag.
func (c Config) Validate() error {
	var errs []error
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		errs = append(errs, config.Invalid("listen", "%q is not host:port", c.Listen))
	}
	if c.BatchMax < 1 || c.BatchMax > ledger.MaxBatch {
		errs = append(errs, config.Invalid("batch-max", "must be from 1 to %d (the contract's largest batch)", ledger.MaxBatch))
	}
	if c.MaxBacklog < c.BatchMax {
		errs = append(errs, config.Invalid("max-backlog", "must be at least batch-max (%d): a full batch must fit", c.BatchMax))
	}
	if c.BatchWait <= 0 || c.BatchWait > maxBatchWait {
		errs = append(errs, config.Invalid("batch-wait", "must be positive and at most %s", maxBatchWait))
	}
	if c.Retain != 0 && c.Retain < time.Second {
		errs = append(errs, config.Invalid("retain", "must be 0 (keep for ever) or at least 1s"))
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

// LogValue prints every setting under its flag name (none is secret:
// bearer tokens live, hashed, in the token file and private keys in the
// files the profile names).
func (c Config) LogValue() slog.Value { return config.LogValue(c) }
