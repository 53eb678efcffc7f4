// Package network lays out and runs a grantledger Fabric network from a
// topology file: it generates crypto material and channel configuration,
// starts the orderers, peers and chaincode service as native processes
// (there is no container engine), joins them to the channel and deploys the
// contract as an external chaincode service. cmd/glnet is its command line.
package network

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
)

// Config says where the network's pieces are. The zero value is not
// usable: cmd/glnet fills it from flags and environment.
type Config struct {
	// Root is the repository root (builders, chaincode source).
	Root string
	// State is the directory for everything generated: crypto, ledgers,
	// logs, PID files, the connection profile.
	State string
	// Topology is the topology file.
	Topology string
	// FabricBin holds peer, orderer, configtxgen, cryptogen and osnadmin.
	FabricBin string
	// FabricConfig holds Fabric's sample core.yaml and orderer.yaml.
	FabricConfig string
	// PortOffset shifts every port of the topology.
	PortOffset int
	// Out receives progress lines; nil discards them.
	Out io.Writer
}

// Network is a grantledger network described by a topology.
type Network struct {
	cfg  Config
	topo *Topology
}

// ErrNotRunning is returned for operations on a node that is not running.
var ErrNotRunning = errors.New("not running")

// New loads the topology and returns the network it describes.
func New(cfg Config) (*Network, error) {
	if cfg.Root == "" || cfg.State == "" || cfg.Topology == "" {
		return nil, errors.New("network: root, state and topology are required")
	}
	t, err := LoadTopology(cfg.Topology)
	if err != nil {
		return nil, err
	}
	if err := t.Shift(cfg.PortOffset); err != nil {
		return nil, err
	}
	for _, p := range []*string{&cfg.Root, &cfg.State, &cfg.FabricBin, &cfg.FabricConfig} {
		if *p == "" {
			continue
		}
		abs, err := filepath.Abs(*p)
		if err != nil {
			return nil, err
		}
		*p = abs
	}
	if cfg.Out == nil {
		cfg.Out = io.Discard
	}
	return &Network{cfg: cfg, topo: t}, nil
}

// Topology is the (shifted) topology the network runs.
func (n *Network) Topology() *Topology { return n.topo }

func (n *Network) logf(format string, args ...any) {
	fmt.Fprintf(n.cfg.Out, format+"\n", args...)
}
