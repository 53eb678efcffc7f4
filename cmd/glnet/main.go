// Command glnet runs a grantledger Fabric network on this machine from a
// topology file: up, down, status, clean and deploy. The Makefile wraps it.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"text/tabwriter"

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

Flags (each also read from the environment variable shown):
`

// config is glnet's whole configuration: flags over environment over defaults.
type config struct {
	root, state, topology, fabric string
	portOffset                    int
	asJSON                        bool
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, rest, err := parse(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if len(rest) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	n, err := network.New(network.Config{
		Root:         cfg.root,
		State:        cfg.state,
		Topology:     cfg.topology,
		FabricBin:    filepath.Join(cfg.fabric, "bin"),
		FabricConfig: filepath.Join(cfg.fabric, "config"),
		PortOffset:   cfg.portOffset,
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
		err = printStatus(stdout, n.Status(ctx), cfg.asJSON)
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

func parse(args []string, stderr io.Writer) (config, []string, error) {
	wd, _ := os.Getwd()
	fs := flag.NewFlagSet("glnet", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage); fs.PrintDefaults() }
	var cfg config
	fs.StringVar(&cfg.root, "root", envOr("GRANTLEDGER_ROOT", wd), "repository root (GRANTLEDGER_ROOT)")
	fs.StringVar(&cfg.state, "state", os.Getenv("GLNET_STATE"), "state directory; default ROOT/var (GLNET_STATE)")
	fs.StringVar(&cfg.topology, "topology", os.Getenv("GLNET_TOPOLOGY"), "topology file; default ROOT/test-network/topology.json (GLNET_TOPOLOGY)")
	fs.StringVar(&cfg.fabric, "fabric", os.Getenv("GRANTLEDGER_FABRIC"), "directory holding Fabric's bin/ and config/, as scripts/fabric-bins.sh prints it (GRANTLEDGER_FABRIC)")
	offset, err := strconv.Atoi(envOr("GLNET_PORT_OFFSET", "0"))
	if err != nil {
		fmt.Fprintln(stderr, "glnet: GLNET_PORT_OFFSET is not a number")
		return cfg, nil, err
	}
	fs.IntVar(&cfg.portOffset, "port-offset", offset, "added to every port of the topology (GLNET_PORT_OFFSET)")
	fs.BoolVar(&cfg.asJSON, "json", false, "status as JSON")
	if err := fs.Parse(args); err != nil {
		return cfg, nil, err
	}
	if cfg.state == "" {
		cfg.state = filepath.Join(cfg.root, "var")
	}
	if cfg.topology == "" {
		cfg.topology = filepath.Join(cfg.root, "test-network", "topology.json")
	}
	if cfg.fabric == "" {
		fmt.Fprintln(stderr, "glnet: -fabric (or GRANTLEDGER_FABRIC) is required: the directory scripts/fabric-bins.sh prints")
		return cfg, nil, errors.New("no fabric directory")
	}
	return cfg, fs.Args(), nil
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

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
