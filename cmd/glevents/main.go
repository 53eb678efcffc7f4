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
// flags, read by package internal/config (docs/config.md):
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
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/grantledger/grantledger/client"
	"github.com/grantledger/grantledger/internal/config"
	"github.com/grantledger/grantledger/ledger"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, err := loadConfig(args, os.LookupEnv, stderr)
	if err != nil {
		return config.ExitCode(err, stderr, "glevents")
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
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
	// Events pass only to whom may read their objects: glevents follows
	// as one identity and writes only what that identity may read.
	me, err := c.WhoAmI(ctx)
	if err != nil {
		return err
	}
	events, err := c.FollowEvents(ctx, cfg.Checkpoint)
	if err != nil {
		return err
	}
	return consume(ctx, readableBy(me, func() (*ledger.Actor, error) { return c.WhoAmI(ctx) }, events), out, client.Event.Ack, log)
}

// readableBy passes on the events whose objects me may read, with only
// the related objects it may read, and acknowledges the others unwritten.
func readableBy(me *ledger.Actor, whoAmI func() (*ledger.Actor, error), events <-chan client.Event) <-chan filtered {
	out := make(chan filtered)
	go func() {
		defer close(out)
		for ev := range events {
			readable := ledger.Readable(ev.Audience, *me)
			if whoAmI != nil && (ev.Type == "participant" || ev.Type == "expert" || ev.Type == "config") {
				// The follower's organisation or identity may just have
				// been registered: from here on it reads as the ledger
				// now says it is.
				if now, err := whoAmI(); err == nil && now != nil {
					me = now
				}
			}
			if !readable {
				out <- filtered{Event: ev, hidden: true}
				continue
			}
			ev.Related = ledger.ReadableRelated(ev.Related, *me)
			out <- filtered{Event: ev}
		}
	}()
	return out
}

// filtered is an event, or the place of one its reader may not read.
type filtered struct {
	client.Event
	hidden bool
}

// consume writes each event to out, then acknowledges it with ack, until
// the events end. Events out already holds are acknowledged unwritten.
func consume(ctx context.Context, events <-chan filtered, out *sink, ack func(client.Event) error, log *slog.Logger) error {
	for f := range events {
		ev := f.Event
		if f.hidden {
			// Acknowledged so that the checkpoint moves past it; nothing
			// of it is written.
			if err := ack(ev); err != nil && !(errors.Is(err, client.ErrFollowerStopped) && ctx.Err() != nil) {
				return fmt.Errorf("acknowledge event %s in block %d: %w", ev.TransactionID, ev.BlockNumber, err)
			}
			continue
		}
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

// Config is glevents' whole configuration, loaded by loadConfig (package
// internal/config); the package doc lists the settings, the tags describe
// them.
type Config struct {
	Profile    string       `flag:"profile" env:"GLEVENTS_PROFILE" default:"var/network.json" required:"true" usage:"connection profile written by the network tooling"`
	Org        string       `flag:"org" env:"GLEVENTS_ORG" required:"true" usage:"organisation, by MSP ID or short name (required)"`
	User       string       `flag:"user" env:"GLEVENTS_USER" default:"User1" required:"true" usage:"identity of the organisation to follow as"`
	Output     string       `flag:"output" env:"GLEVENTS_OUTPUT" required:"true" usage:"file the events are appended to, one JSON line each (required)"`
	Checkpoint string       `flag:"checkpoint" env:"GLEVENTS_CHECKPOINT" usage:"checkpoint file (default: OUTPUT.checkpoint)"`
	LogLevel   config.Level `flag:"log-level" env:"GLEVENTS_LOG_LEVEL" default:"info" usage:"debug, info, warn or error"`
}

// options say where glevents reads its settings.
var options = config.Options{
	Command:  "glevents",
	Usage:    "usage: glevents -org ORG -output FILE [flags]\n\nAppend the grantledger contract's chaincode events to FILE, one JSON line each, exactly once.\n",
	FileFlag: "config",
	FileEnv:  "GLEVENTS_CONFIG",
}

// loadConfig builds the configuration from, in rising precedence, the
// defaults, the JSON config file, the environment and the flags, and
// validates it.
func loadConfig(args []string, lookupEnv func(string) (string, bool), stderr io.Writer) (cfg Config, err error) {
	opts := options
	opts.LookupEnv, opts.Output = lookupEnv, stderr
	_, err = config.Load(&cfg, args, opts)
	return cfg, err
}

// Complete derives the checkpoint from the output when none is set.
func (c *Config) Complete() {
	if c.Checkpoint == "" && c.Output != "" {
		c.Checkpoint = c.Output + ".checkpoint"
	}
}

// Validate reports what the required tags do not cover.
func (c Config) Validate() error {
	if c.Output != "" && c.Checkpoint == c.Output {
		return config.Invalid("checkpoint", "must be a different file from output")
	}
	return nil
}

// LogValue prints every setting under its flag name, secret ones as "***"
// (none is: keys stay in the profile's files).
func (c Config) LogValue() slog.Value { return config.LogValue(c) }
