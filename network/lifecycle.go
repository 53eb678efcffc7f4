package network

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Up brings the network from whatever state it is in to ready: material
// generated once, every node running and joined, the chaincode committed
// and answering. On a network that is already up it says so and changes
// nothing.
func (n *Network) Up(ctx context.Context) error {
	if n.allRunning() {
		if err := n.chaincodeAnswers(ctx); err == nil {
			n.logf("grantledger network is already up (%d orderers, %d peers); nothing changed", len(n.topo.OrdererOrg.Nodes), len(n.topo.Orgs))
			return nil
		}
	}
	if err := n.checkTools(); err != nil {
		return err
	}
	if err := n.generate(ctx); err != nil {
		return err
	}
	for _, o := range n.topo.OrdererOrg.Nodes {
		if !isLocal(o.Host) {
			n.logf("%s lives on %s: start it there", n.topo.ordererFQDN(o), o.Host)
			continue
		}
		if err := n.StartOrderer(ctx, o.Name); err != nil {
			return err
		}
	}
	for _, o := range n.topo.OrdererOrg.Nodes {
		if !isLocal(o.Host) {
			continue
		}
		if err := n.joinOrderer(ctx, o); err != nil {
			return err
		}
	}
	for o, p := range n.topo.peers() {
		if !isLocal(p.Host) {
			n.logf("%s lives on %s: start it there", n.topo.peerFQDN(o, p), p.Host)
			continue
		}
		if err := n.StartPeer(ctx, o.Name, p.Name); err != nil {
			return err
		}
	}
	for o, p := range n.topo.peers() {
		if !isLocal(p.Host) {
			continue
		}
		if err := n.joinPeer(ctx, o, p); err != nil {
			return err
		}
	}
	if err := n.Deploy(ctx); err != nil {
		return err
	}
	if err := n.startAPIs(ctx); err != nil {
		return err
	}
	if err := n.startAnchors(ctx); err != nil {
		return err
	}
	n.logf("grantledger network is up: profile %s, logs %s, API tokens in %s", n.ProfilePath(), n.LogDir(), filepath.Join(n.APIDir("<org>"), "tokens.env"))
	return nil
}

func (n *Network) checkTools() error {
	for _, b := range []string{"peer", "orderer", "configtxgen", "cryptogen", "osnadmin"} {
		if _, err := os.Stat(n.bin(b)); err != nil {
			return fmt.Errorf("the Fabric command %s is not in %s (run scripts/fabric-bins.sh): %w", b, n.cfg.FabricBin, err)
		}
	}
	if _, err := os.Stat(filepath.Join(n.cfg.FabricConfig, "core.yaml")); err != nil {
		return fmt.Errorf("the Fabric sample configuration is not in %s: %w", n.cfg.FabricConfig, err)
	}
	return nil
}

// StartOrderer starts one orderer node and waits for its health check.
func (n *Network) StartOrderer(ctx context.Context, name string) error {
	for _, o := range n.topo.OrdererOrg.Nodes {
		if o.Name == name {
			return n.start(ctx, n.ordererProcess(o))
		}
	}
	return fmt.Errorf("no orderer %q in the topology", name)
}

// StartPeer starts one peer and waits for its health check.
func (n *Network) StartPeer(ctx context.Context, org, name string) error {
	o, ok := n.topo.Org(org)
	if !ok {
		return fmt.Errorf("no organisation %q in the topology", org)
	}
	for _, p := range o.Peers {
		if p.Name == name {
			return n.start(ctx, n.peerProcess(o, p))
		}
	}
	return fmt.Errorf("no peer %q in organisation %s", name, org)
}

// Stop ends one process of the network by its name (as Status lists it).
func (n *Network) Stop(name string) error {
	if _, ok := n.pid(name); !ok {
		return fmt.Errorf("stop %s: %w", name, ErrNotRunning)
	}
	return n.stop(name)
}

// PID returns the PID of a running process of the network.
func (n *Network) PID(name string) (int, error) {
	pid, ok := n.pid(name)
	if !ok {
		return 0, fmt.Errorf("%s: %w", name, ErrNotRunning)
	}
	return pid, nil
}

// processNames lists every process the topology defines, in start order.
func (n *Network) processNames() []string {
	var names []string
	for _, o := range n.topo.OrdererOrg.Nodes {
		names = append(names, n.topo.ordererFQDN(o))
	}
	for o, p := range n.topo.peers() {
		names = append(names, n.topo.peerFQDN(o, p))
	}
	for i := range n.topo.Orgs {
		names = append(names, chaincodeProcess(&n.topo.Orgs[i]))
	}
	for i := range n.topo.Orgs {
		if n.topo.Orgs[i].API != "" {
			names = append(names, apiProcess(&n.topo.Orgs[i]))
		}
	}
	return append(names, n.anchorProcessNames(false)...)
}

// allRunning reports whether every local node, chaincode service and API runs.
func (n *Network) allRunning() bool {
	var names []string
	for _, o := range n.topo.OrdererOrg.Nodes {
		if isLocal(o.Host) {
			names = append(names, n.topo.ordererFQDN(o))
		}
	}
	for o, p := range n.topo.peers() {
		if isLocal(p.Host) {
			names = append(names, n.topo.peerFQDN(o, p))
		}
	}
	for i := range n.topo.Orgs {
		o := &n.topo.Orgs[i]
		if host, _, err := splitHostPort(o.ChaincodeAddr()); err == nil && isLocal(host) {
			names = append(names, chaincodeProcess(o))
		}
		if host, _, err := splitHostPort(o.API); err == nil && isLocal(host) {
			names = append(names, apiProcess(o))
		}
	}
	names = append(names, n.anchorProcessNames(true)...)
	for _, name := range names {
		if _, ok := n.pid(name); !ok {
			return false
		}
	}
	return true
}

// Down stops exactly the processes this network started, by their PIDs,
// APIs first and orderers last (and the one shared chaincode service of
// earlier versions, if it still runs, and the bench's baseline services).
func (n *Network) Down() error {
	names := append(n.processNames(), legacyChaincodeProcess)
	names = append(names, n.baselineProcesses()...)
	sort.SliceStable(names, func(i, j int) bool { return stopRank(names[i]) < stopRank(names[j]) })
	var errs []error
	for _, name := range names {
		if err := n.stop(name); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func stopRank(name string) int {
	switch {
	case strings.HasPrefix(name, apiProcessPrefix), strings.HasPrefix(name, anchorProcessPrefix):
		return 0
	case name == legacyChaincodeProcess || strings.HasPrefix(name, chaincodeProcessPrefix):
		return 2
	case strings.HasPrefix(name, "orderer"):
		return 3
	default:
		return 1
	}
}

// Clean stops the network and removes everything it generated.
func (n *Network) Clean() error {
	if err := n.Down(); err != nil {
		return err
	}
	n.logf("removing %s", n.cfg.State)
	return os.RemoveAll(n.cfg.State)
}
