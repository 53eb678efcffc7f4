// Command glnet runs a grantledger Fabric network on this machine from a
// topology file: up, down, status, clean and deploy. The Makefile wraps it.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"text/tabwriter"

	"github.com/grantledger/grantledger/internal/config"
	"github.com/grantledger/grantledger/network"
)

const usage = `usage: glnet [flags] COMMAND

Commands:
  up       bring the network from nothing (or from stopped) to ready; says so and changes nothing if it is up
  down     stop every process the network started, by PID
  status   list the processes and each node's block height
  deploy   build the contract and deploy it: the next sequence if it changed, nothing if not
  clean    stop the network and remove all generated state
  stop N   stop one process by the name status shows (for failure drills)

`

// Config is glnet's whole configuration, loaded by loadConfig (package
// internal/config): flags over environment over defaults; glnet has no
// config file.
type Config struct {
	Root       string `flag:"root" env:"GRANTLEDGER_ROOT" required:"true" usage:"repository root (default: the working directory)"`
	State      string `flag:"state" env:"GLNET_STATE" usage:"state directory (default: ROOT/var)"`
	Topology   string `flag:"topology" env:"GLNET_TOPOLOGY" usage:"topology file (default: ROOT/test-network/topology.json)"`
	Fabric     string `flag:"fabric" env:"GRANTLEDGER_FABRIC" required:"true" usage:"directory holding Fabric's bin/ and config/, as scripts/fabric-bins.sh prints it (required)"`
	PortOffset int    `flag:"port-offset" env:"GLNET_PORT_OFFSET" default:"0" usage:"added to every port of the topology"`
	JSON       bool   `flag:"json" usage:"status as JSON"`
}

// Complete derives the state directory and the topology from the root.
func (c *Config) Complete() {
	if c.State == "" {
		c.State = filepath.Join(c.Root, "var")
	}
	if c.Topology == "" {
		c.Topology = filepath.Join(c.Root, "test-network", "topology.json")
	}
}

// loadConfig loads the configuration and returns the command line after
// the flags (COMMAND [ARG]).
func loadConfig(args []string, lookupEnv func(string) (string, bool), stderr io.Writer) (Config, []string, error) {
	var cfg Config
	cfg.Root, _ = os.Getwd()
	rest, err := config.Load(&cfg, args, config.Options{
		Command:   "glnet",
		Usage:     usage,
		Args:      true,
		LookupEnv: lookupEnv,
		Output:    stderr,
	})
	return cfg, rest, err
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, rest, err := loadConfig(args, os.LookupEnv, stderr)
	if err != nil {
		return config.ExitCode(err, stderr, "glnet")
	}
	if len(rest) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	n, err := network.New(network.Config{
		Root:         cfg.Root,
		State:        cfg.State,
		Topology:     cfg.Topology,
		FabricBin:    filepath.Join(cfg.Fabric, "bin"),
		FabricConfig: filepath.Join(cfg.Fabric, "config"),
		PortOffset:   cfg.PortOffset,
		Out:          stdout,
	})
	if err != nil {
		fmt.Fprintln(stderr, "glnet:", err)
		return 1
	}
	switch cmd := rest[0]; cmd {
	case "up":
		err = n.Up(ctx)
	case "down":
		err = n.Down()
	case "deploy":
		err = n.Deploy(ctx)
	case "clean":
		err = n.Clean()
	case "status":
		err = printStatus(stdout, n.Status(ctx), cfg.JSON)
	case "stop":
		if len(rest) != 2 {
			fmt.Fprintln(stderr, "glnet: stop takes one process name")
			return 2
		}
		err = n.Stop(rest[1])
	default:
		fmt.Fprintf(stderr, "glnet: unknown command %q\n%s", cmd, usage)
		return 2
	}
	if err != nil {
		fmt.Fprintln(stderr, "glnet:", err)
		return 1
	}
	return 0
}

func printStatus(w io.Writer, st []network.NodeStatus, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(st)
	}
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PROCESS\tPID\tSTATE\tHEIGHT\tDETAIL")
	for _, s := range st {
		state, pid, height := "stopped", "-", "-"
		if s.Running {
			state, pid = "running", strconv.Itoa(s.PID)
		}
		if s.Height > 0 {
			height = strconv.FormatUint(s.Height, 10)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", s.Name, pid, state, height, s.Detail)
	}
	return tw.Flush()
}
