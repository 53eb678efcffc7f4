// Command glevents follows the grantledger contract's chaincode events as
// one organisation's user and appends each event to a file as one JSON
// line, exactly once, however often it is stopped or killed:
//
//	glevents -org authority -output events.jsonl
//
// Each line holds the event's ledger position and what it says:
//
//	{"block":12,"txId":"…","name":"grant.approved","type":"grant","id":"G1","change":"approved","actor":"HealthMSP"}
//
// (plus "related" when the transaction changed other objects). The events
// follow ledger order, from the first block. A restarted glevents goes on
// where the previous one stopped; the checkpoint file (default: the output
// file's name + ".checkpoint") records how far it got.
//
// # Exactly once
//
// client.FollowEvents delivers one event at a time and moves the
// checkpoint past an event, durably, only when it is acknowledged. For each
// event glevents writes the line with one write, fsyncs the file, and only
// then acknowledges. A SIGKILL can therefore land
//
//   - before the write or in the middle of it: the file ends with nothing
//     or with a torn line (no '\n'). The event is not acknowledged, so it
//     is delivered again after a restart;
//   - after the fsync but before the checkpoint is synced: the line is in
//     the file and the event is delivered again after a restart;
//   - after the checkpoint is synced: the restarted follower starts after
//     the event.
//
// So the file always holds, in ledger order, every event up to the
// checkpoint and at most one more: its last line. On start glevents cuts
// any torn tail back to the last '\n' and reads the (block, txId) of the
// lines of the last line's block. Then it drops the delivered events the
// file already holds: those of earlier blocks, and those of that block
// whose transaction the file lists (a grantledger transaction emits at
// most one event, so (block, txId) names an event). Since the file holds a
// prefix of the ledger's events, the first event it does not hold is new,
// and so is every event after it. Dropped events are acknowledged like
// written ones. No event is lost (it is acknowledged only once its line is
// durable) and none is repeated (a redelivered event is recognised by its
// position).
//
// The same rule makes a lost checkpoint harmless: the follower starts again
// from the first block and glevents drops everything the file holds. The
// opposite is not true: a truncated or replaced output file with the old
// checkpoint misses the events in between; remove both to start over.
// glevents locks the output file, so that two followers cannot share it.
//
// # Configuration
//
// Settings come, in rising precedence, from the defaults, a JSON file
// (-config or GLEVENTS_CONFIG; its keys are the flag names), the
// environment (GLEVENTS_ + the flag name in upper case, '-' as '_') and the
// flags:
//
//	-profile      connection profile (GLEVENTS_PROFILE; default var/network.json)
//	-org          organisation, by MSP ID or short name (GLEVENTS_ORG; required)
//	-user         identity to follow as (GLEVENTS_USER; default User1)
//	-output       file the events are appended to (GLEVENTS_OUTPUT; required)
//	-checkpoint   checkpoint file (GLEVENTS_CHECKPOINT; default OUTPUT.checkpoint)
//	-log-level    debug, info, warn or error (GLEVENTS_LOG_LEVEL; default info)
//
// glevents runs until SIGINT or SIGTERM (exit status 0), or until it
// cannot write the output or the checkpoint (1); 2 means a bad setting.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	"github.com/grantledger/grantledger/client"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, err := loadConfig(args, os.LookupEnv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "glevents: %v\n", err)
		return 2
	}
	level, _ := parseLevel(cfg.LogLevel) // validated
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	log.Info("glevents starting", "config", cfg)
	if err := follow(ctx, cfg, log); err != nil {
		log.Error("glevents stopped", "err", err)
		return 1
	}
	log.Info("glevents stopped")
	return 0
}

// follow appends the contract's events to the output file until ctx ends.
func follow(ctx context.Context, cfg Config, log *slog.Logger) error {
	profile, err := client.LoadProfile(cfg.Profile)
	if err != nil {
		return err
	}
	out, err := openSink(cfg.Output)
	if err != nil {
		return err
	}
	defer out.Close()
	if out.discarded > 0 {
		log.Warn("removed the torn last line a killed glevents left", "output", cfg.Output, "bytes", out.discarded)
	}
	if p := out.resumed; p != nil {
		log.Info("resuming after the output's last line", "block", p.block, "txId", p.txID)
	}
	c, err := client.Connect(ctx, profile, cfg.Org, cfg.User)
	if err != nil {
		return err
	}
	defer c.Close()
	events, err := c.FollowEvents(ctx, cfg.Checkpoint)
	if err != nil {
		return err
	}
	return consume(ctx, events, out, client.Event.Ack, log)
}

// consume writes each event to out, then acknowledges it with ack, until
// the events end. Events out already holds are acknowledged unwritten.
func consume(ctx context.Context, events <-chan client.Event, out *sink, ack func(client.Event) error, log *slog.Logger) error {
	for ev := range events {
		written, err := out.add(newRecord(ev))
		if err != nil {
			return err // not acknowledged: delivered again after a restart
		}
		if !written {
			log.Info("skipped redelivered event already in the output", "block", ev.BlockNumber, "txId", ev.TransactionID)
		}
		if err := ack(ev); err != nil {
			if errors.Is(err, client.ErrFollowerStopped) && ctx.Err() != nil {
				return nil // stopping: the line is written, the restart will drop it
			}
			return fmt.Errorf("acknowledge event %s in block %d: %w", ev.TransactionID, ev.BlockNumber, err)
		}
		log.Debug("event", "block", ev.BlockNumber, "txId", ev.TransactionID, "name", ev.Name)
	}
	return nil
}

// Config is glevents' whole configuration; the package doc lists the
// settings. loadConfig builds it.
type Config struct {
	Profile    string
	Org        string
	User       string
	Output     string
	Checkpoint string
	LogLevel   string
}

func defaultConfig() Config {
	return Config{Profile: "var/network.json", User: "User1", LogLevel: "info"}
}

const envPrefix = "GLEVENTS_"

// setting is one variable of Config: its flag (and key in the config
// file), its usage and its field.
type setting struct {
	flag, usage string
	field       func(c *Config) *string
}

func (s setting) env() string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(s.flag, "-", "_"))
}

func settings() []setting {
	return []setting{
		{"profile", "connection profile written by the network tooling", func(c *Config) *string { return &c.Profile }},
		{"org", "organisation, by MSP ID or short name (required)", func(c *Config) *string { return &c.Org }},
		{"user", "identity of the organisation to follow as", func(c *Config) *string { return &c.User }},
		{"output", "file the events are appended to, one JSON line each (required)", func(c *Config) *string { return &c.Output }},
		{"checkpoint", "checkpoint file (default: OUTPUT.checkpoint)", func(c *Config) *string { return &c.Checkpoint }},
		{"log-level", "debug, info, warn or error", func(c *Config) *string { return &c.LogLevel }},
	}
}

// loadConfig builds the configuration from, in rising precedence, the
// defaults, the JSON config file, the environment and the flags, and
// validates it.
func loadConfig(args []string, lookupEnv func(string) (string, bool), stderr io.Writer) (Config, error) {
	cfg := defaultConfig()
	all := settings()
	fs := flag.NewFlagSet("glevents", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configFile := fs.String("config", "", "JSON config file whose keys are the flag names (env "+envPrefix+"CONFIG)")
	values := make(map[string]*string, len(all))
	for _, st := range all {
		values[st.flag] = fs.String(st.flag, *st.field(&cfg), st.usage+" (env "+st.env()+")")
	}
	fs.Usage = func() {
		fmt.Fprint(stderr, "usage: glevents -org ORG -output FILE [flags]\n\nAppend the grantledger contract's chaincode events to FILE, one JSON line each, exactly once.\n\nFlags:\n")
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
		if v, ok := lookupEnv(st.env()); ok {
			*st.field(&cfg) = v
		}
	}
	fs.Visit(func(f *flag.Flag) {
		for _, st := range all {
			if st.flag == f.Name {
				*st.field(&cfg) = *values[f.Name]
			}
		}
	})
	if cfg.Checkpoint == "" && cfg.Output != "" {
		cfg.Checkpoint = cfg.Output + ".checkpoint"
	}
	return cfg, cfg.validate()
}

// applyFile sets the variables a JSON config file names; unknown keys and
// values other than strings are refused.
func applyFile(cfg *Config, all []setting, path string) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config file: %w", err)
	}
	var file map[string]string
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&file); err != nil {
		return fmt.Errorf("config file %s: %w", path, err)
	}
	keys := make([]string, 0, len(file))
	for k := range file {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		found := false
		for _, st := range all {
			if st.flag == k {
				*st.field(cfg) = file[k]
				found = true
			}
		}
		if !found {
			return fmt.Errorf("config file %s: unknown key %q", path, k)
		}
	}
	return nil
}

// validate reports every setting that cannot work.
func (c Config) validate() error {
	var errs []error
	if c.Profile == "" {
		errs = append(errs, errors.New("profile is required (-profile or "+envPrefix+"PROFILE)"))
	}
	if c.Org == "" {
		errs = append(errs, errors.New("org is required (-org or "+envPrefix+"ORG)"))
	}
	if c.User == "" {
		errs = append(errs, errors.New("user is required (-user or "+envPrefix+"USER)"))
	}
	if c.Output == "" {
		errs = append(errs, errors.New("output is required (-output or "+envPrefix+"OUTPUT)"))
	}
	if c.Output != "" && c.Checkpoint == c.Output {
		errs = append(errs, errors.New("checkpoint and output must be different files"))
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

// LogValue prints every setting under its flag name. None is a secret
// (keys stay in the profile's files); a secret added later must be printed
// as "[redacted]" here.
func (c Config) LogValue() slog.Value {
	var attrs []slog.Attr
	for _, st := range settings() {
		attrs = append(attrs, slog.String(st.flag, *st.field(&c)))
	}
	return slog.GroupValue(attrs...)
}
