package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/grantledger/grantledger/api"
)

// Config is the whole configuration of `grantledger-api serve`. It is
// built in one place, loadConfig: defaults, then the config file, then the
// environment, then flags, then validation. docs/config.md documents every
// setting.
type Config struct {
	// Listen is the address to serve on; empty: the organisation's api
	// address in the profile, else 127.0.0.1:8080.
	Listen string
	// Profile is the connection profile (var/network.json).
	Profile string
	// Org is the organisation, by MSP ID or short name.
	Org string
	// Tokens is the hashed token file `grantledger-api tokens` writes.
	Tokens string
	// RequestTimeout bounds every request but the event stream.
	RequestTimeout time.Duration
	// MaxBodyBytes bounds request bodies.
	MaxBodyBytes int64
	// IdempotencyFile keeps the responses of POSTs with an
	// Idempotency-Key across restarts; empty: memory only.
	IdempotencyFile string
	// LogLevel is debug, info, warn or error.
	LogLevel string
	// ReadyTimeout bounds the ledger query of /readyz.
	ReadyTimeout time.Duration
	// ReadyUser is the identity /readyz queries as; empty: the first user
	// of the token file.
	ReadyUser string
	// ShutdownTimeout bounds the graceful shutdown.
	ShutdownTimeout time.Duration
}

// defaultConfig returns the defaults.
func defaultConfig() Config {
	return Config{
		Profile:         "var/network.json",
		RequestTimeout:  api.DefaultRequestTimeout,
		MaxBodyBytes:    api.DefaultMaxBodyBytes,
		LogLevel:        "info",
		ReadyTimeout:    api.DefaultReadyTimeout,
		ShutdownTimeout: 15 * time.Second,
	}
}

// setting is one configuration variable: its flag (also its key in the
// config file), its environment variable, how to set it from text and how
// to print it.
type setting struct {
	flag, env, usage string
	set              func(c *Config, v string) error
	get              func(c *Config) string
}

const envPrefix = "GRANTLEDGER_API_"

// settings lists every variable of Config.
func settings() []setting {
	str := func(dst func(*Config) *string) (func(*Config, string) error, func(*Config) string) {
		return func(c *Config, v string) error { *dst(c) = v; return nil },
			func(c *Config) string { return *dst(c) }
	}
	dur := func(dst func(*Config) *time.Duration) (func(*Config, string) error, func(*Config) string) {
		return func(c *Config, v string) error {
				d, err := time.ParseDuration(v)
				if err != nil {
					return fmt.Errorf("%q is not a duration such as 30s or 2m", v)
				}
				*dst(c) = d
				return nil
			},
			func(c *Config) string { return dst(c).String() }
	}
	s := func(flag, usage string, set func(*Config, string) error, get func(*Config) string) setting {
		return setting{flag: flag, env: envPrefix + strings.ToUpper(strings.ReplaceAll(flag, "-", "_")), usage: usage, set: set, get: get}
	}
	listenSet, listenGet := str(func(c *Config) *string { return &c.Listen })
	profileSet, profileGet := str(func(c *Config) *string { return &c.Profile })
	orgSet, orgGet := str(func(c *Config) *string { return &c.Org })
	tokensSet, tokensGet := str(func(c *Config) *string { return &c.Tokens })
	idemSet, idemGet := str(func(c *Config) *string { return &c.IdempotencyFile })
	levelSet, levelGet := str(func(c *Config) *string { return &c.LogLevel })
	userSet, userGet := str(func(c *Config) *string { return &c.ReadyUser })
	reqSet, reqGet := dur(func(c *Config) *time.Duration { return &c.RequestTimeout })
	readySet, readyGet := dur(func(c *Config) *time.Duration { return &c.ReadyTimeout })
	shutSet, shutGet := dur(func(c *Config) *time.Duration { return &c.ShutdownTimeout })
	return []setting{
		s("listen", "address to serve on (default: the org's api address in the profile, else 127.0.0.1:8080)", listenSet, listenGet),
		s("profile", "connection profile written by the network tooling", profileSet, profileGet),
		s("org", "organisation to serve, by MSP ID or short name (required)", orgSet, orgGet),
		s("tokens", "hashed token file written by `grantledger-api tokens` (required)", tokensSet, tokensGet),
		s("request-timeout", "deadline of every request but the event stream", reqSet, reqGet),
		s("max-body-bytes", "largest request body accepted", func(c *Config, v string) error {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return fmt.Errorf("%q is not a number of bytes", v)
			}
			c.MaxBodyBytes = n
			return nil
		}, func(c *Config) string { return strconv.FormatInt(c.MaxBodyBytes, 10) }),
		s("idempotency-file", "file keeping Idempotency-Key responses across restarts (default: memory only)", idemSet, idemGet),
		s("log-level", "debug, info, warn or error", levelSet, levelGet),
		s("ready-timeout", "deadline of the ledger query behind /readyz", readySet, readyGet),
		s("ready-user", "identity /readyz queries as (default: the first user of the token file)", userSet, userGet),
		s("shutdown-timeout", "how long a graceful shutdown waits for requests in flight", shutSet, shutGet),
	}
}

// loadConfig builds the configuration from, in rising precedence: the
// defaults, the JSON config file (-config or GRANTLEDGER_API_CONFIG; keys
// are the flag names), the environment (GRANTLEDGER_API_*), the flags.
// Then it validates the result.
func loadConfig(args []string, lookupEnv func(string) (string, bool), stderr io.Writer) (Config, error) {
	cfg := defaultConfig()
	all := settings()
	fs := flag.NewFlagSet("grantledger-api serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configFile := fs.String("config", "", "JSON config file whose keys are the flag names (env "+envPrefix+"CONFIG)")
	values := map[string]*string{}
	for _, st := range all {
		values[st.flag] = fs.String(st.flag, st.get(&cfg), st.usage+" (env "+st.env+")")
	}
	fs.Usage = func() {
		fmt.Fprint(stderr, "usage: grantledger-api [serve] [flags]\n\nServe one organisation's grantledger REST API.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	path := *configFile
	if path == "" {
		path, _ = lookupEnv(envPrefix + "CONFIG")
	}
	if path != "" {
		if err := applyFile(&cfg, all, path); err != nil {
			return cfg, err
		}
	}
	for _, st := range all {
		if v, ok := lookupEnv(st.env); ok {
			if err := st.set(&cfg, v); err != nil {
				return cfg, fmt.Errorf("%s: %w", st.env, err)
			}
		}
	}
	var flagErr error
	fs.Visit(func(f *flag.Flag) {
		for _, st := range all {
			if st.flag == f.Name && flagErr == nil {
				if err := st.set(&cfg, *values[f.Name]); err != nil {
					flagErr = fmt.Errorf("-%s: %w", f.Name, err)
				}
			}
		}
	})
	if flagErr != nil {
		return cfg, flagErr
	}
	return cfg, cfg.validate()
}

// applyFile sets the variables a JSON config file names. Values may be
// strings or numbers; unknown keys are refused.
func applyFile(cfg *Config, all []setting, path string) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config file: %w", err)
	}
	var file map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&file); err != nil {
		return fmt.Errorf("config file %s: %w", path, err)
	}
	for key, value := range file {
		i := indexOf(all, key)
		if i < 0 {
			return fmt.Errorf("config file %s: unknown key %q", path, key)
		}
		var text string
		if err := json.Unmarshal(value, &text); err != nil {
			var n json.Number
			if err := json.Unmarshal(value, &n); err != nil {
				return fmt.Errorf("config file %s: %s must be a string or a number", path, key)
			}
			text = n.String()
		}
		if err := all[i].set(cfg, text); err != nil {
			return fmt.Errorf("config file %s: %s: %w", path, key, err)
		}
	}
	return nil
}

func indexOf(all []setting, flag string) int {
	for i, st := range all {
		if st.flag == flag {
			return i
		}
	}
	return -1
}

// validate reports the first setting that cannot work.
func (c Config) validate() error {
	var errs []error
	if c.Org == "" {
		errs = append(errs, errors.New("org is required (-org or "+envPrefix+"ORG)"))
	}
	if c.Tokens == "" {
		errs = append(errs, errors.New("tokens is required (-tokens or "+envPrefix+"TOKENS): the hashed file `grantledger-api tokens` writes"))
	}
	if c.Profile == "" {
		errs = append(errs, errors.New("profile is required"))
	}
	if c.Listen != "" {
		if _, _, err := net.SplitHostPort(c.Listen); err != nil {
			errs = append(errs, fmt.Errorf("listen %q is not host:port", c.Listen))
		}
	}
	if c.RequestTimeout <= 0 {
		errs = append(errs, errors.New("request-timeout must be positive"))
	}
	if c.ReadyTimeout <= 0 {
		errs = append(errs, errors.New("ready-timeout must be positive"))
	}
	if c.ShutdownTimeout <= 0 {
		errs = append(errs, errors.New("shutdown-timeout must be positive"))
	}
	if c.MaxBodyBytes < 1024 {
		errs = append(errs, errors.New("max-body-bytes must be at least 1024"))
	}
	if _, err := parseLevel(c.LogLevel); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func parseLevel(s string) (slog.Level, error) {
	switch s {
	case "debug":
		return slog.LevelDebug, nil
	case "info":
		return slog.LevelInfo, nil
	case "warn":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("log-level %q is not one of debug, info, warn, error", s)
}

// LogValue prints every setting under its flag name. No setting holds a
// secret: tokens live in files, hashed, and keys in the profile's files,
// so nothing needs redacting; a secret setting added later must be
// printed as "[redacted]" here.
func (c Config) LogValue() slog.Value {
	var attrs []slog.Attr
	for _, st := range settings() {
		attrs = append(attrs, slog.String(st.flag, st.get(&c)))
	}
	return slog.GroupValue(attrs...)
}
