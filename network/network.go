// Package network lays out and runs a grantledger Fabric network from a
// topology file: it generates crypto material and channel configuration,
// starts the orderers, peers and chaincode service as native processes
// (there is no container engine), joins them to the channel and deploys the
// contract as an external chaincode service. cmd/glnet is its command line.
package network

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
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

// Paths inside the state directory.

func (n *Network) cryptoDir() string { return filepath.Join(n.cfg.State, "crypto") }
func (n *Network) configDir() string { return filepath.Join(n.cfg.State, "config") }
func (n *Network) runDir() string    { return filepath.Join(n.cfg.State, "run") }
func (n *Network) nodesDir() string  { return filepath.Join(n.cfg.State, "nodes") }
func (n *Network) blockPath() string {
	return filepath.Join(n.cfg.State, "channel", n.topo.Channel+".block")
}

// LogDir is the one directory where every process of the network logs.
func (n *Network) LogDir() string { return filepath.Join(n.cfg.State, "logs") }

// ProfilePath is the connection profile that client/ and api/ load.
func (n *Network) ProfilePath() string { return filepath.Join(n.cfg.State, "network.json") }

func (n *Network) builderDir() string {
	return filepath.Join(n.cfg.Root, "network", "builders", "ccaas")
}

func (n *Network) ordererOrgDir() string {
	return filepath.Join(n.cryptoDir(), "ordererOrganizations", n.topo.ordererDomain())
}

func (n *Network) ordererDir(o Node) string {
	return filepath.Join(n.ordererOrgDir(), "orderers", n.topo.ordererFQDN(o))
}

func (n *Network) ordererTLSCA() string {
	return filepath.Join(n.ordererOrgDir(), "tlsca", "tlsca."+n.topo.ordererDomain()+"-cert.pem")
}

func (n *Network) orgDir(o *PeerOrg) string {
	return filepath.Join(n.cryptoDir(), "peerOrganizations", n.topo.orgDomain(o))
}

func (n *Network) peerDir(o *PeerOrg, p Node) string {
	return filepath.Join(n.orgDir(o), "peers", n.topo.peerFQDN(o, p))
}

func (n *Network) userDir(o *PeerOrg, user string) string {
	return filepath.Join(n.orgDir(o), "users", user+"@"+n.topo.orgDomain(o))
}

func (n *Network) chaincodeDomain() string { return "chaincode." + n.topo.Domain }

func (n *Network) chaincodeTLSDir() string {
	d := n.chaincodeDomain()
	return filepath.Join(n.cryptoDir(), "peerOrganizations", d, "peers", n.topo.Chaincode.Name+"."+d, "tls")
}

func (n *Network) bin(name string) string { return filepath.Join(n.cfg.FabricBin, name) }

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
	for i := range n.topo.Orgs {
		o := &n.topo.Orgs[i]
		for _, p := range o.Peers {
			if !isLocal(p.Host) {
				n.logf("%s lives on %s: start it there", n.topo.peerFQDN(o, p), p.Host)
				continue
			}
			if err := n.StartPeer(ctx, o.Name, p.Name); err != nil {
				return err
			}
		}
	}
	for i := range n.topo.Orgs {
		o := &n.topo.Orgs[i]
		for _, p := range o.Peers {
			if !isLocal(p.Host) {
				continue
			}
			if err := n.joinPeer(ctx, o, p); err != nil {
				return err
			}
		}
	}
	if err := n.Deploy(ctx); err != nil {
		return err
	}
	if err := n.startAPIs(ctx); err != nil {
		return err
	}
	n.logf("grantledger network is up: profile %s, logs %s, API tokens in %s", n.ProfilePath(), n.LogDir(), filepath.Join(n.cfg.State, "api", "<org>", "tokens.env"))
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

// generate writes crypto material and the channel's genesis block once;
// configuration derived from them is rewritten every time.
func (n *Network) generate(ctx context.Context) error {
	if _, err := os.Stat(n.cryptoDir()); errors.Is(err, os.ErrNotExist) {
		cc := filepath.Join(n.configDir(), "crypto-config.yaml")
		if err := n.writeCryptoConfig(cc); err != nil {
			return err
		}
		n.logf("generating crypto material")
		if _, err := n.run(ctx, nil, n.bin("cryptogen"), "generate", "--config", cc, "--output", n.cryptoDir()+".tmp"); err != nil {
			return err
		}
		if err := os.Rename(n.cryptoDir()+".tmp", n.cryptoDir()); err != nil {
			return err
		}
	}
	if _, err := os.Stat(n.blockPath()); errors.Is(err, os.ErrNotExist) {
		if err := n.writeConfigtx(filepath.Join(n.configDir(), "configtx.yaml")); err != nil {
			return err
		}
		n.logf("generating the genesis block of channel %s", n.topo.Channel)
		if err := os.MkdirAll(filepath.Dir(n.blockPath()), 0o755); err != nil {
			return err
		}
		env := []string{"FABRIC_CFG_PATH=" + n.configDir()}
		if _, err := n.run(ctx, env, n.bin("configtxgen"), "-profile", "GrantLedgerChannel", "-channelID", n.topo.Channel, "-outputBlock", n.blockPath()+".tmp"); err != nil {
			return err
		}
		if err := os.Rename(n.blockPath()+".tmp", n.blockPath()); err != nil {
			return err
		}
	}
	if err := n.writePeerCoreYAML(filepath.Join(n.configDir(), "peer")); err != nil {
		return err
	}
	return n.writeProfile()
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

func (n *Network) ordererProcess(o Node) process {
	dir := n.ordererDir(o)
	tls := filepath.Join(dir, "tls")
	data := filepath.Join(n.nodesDir(), n.topo.ordererFQDN(o))
	return process{
		name: n.topo.ordererFQDN(o),
		bin:  n.bin("orderer"),
		env: []string{
			"FABRIC_CFG_PATH=" + n.cfg.FabricConfig,
			"FABRIC_LOGGING_SPEC=INFO",
			"ORDERER_GENERAL_LISTENADDRESS=" + o.Host,
			"ORDERER_GENERAL_LISTENPORT=" + strconv.Itoa(o.Port),
			"ORDERER_GENERAL_LOCALMSPID=" + n.topo.OrdererOrg.MSPID,
			"ORDERER_GENERAL_LOCALMSPDIR=" + filepath.Join(dir, "msp"),
			"ORDERER_GENERAL_BOOTSTRAPMETHOD=none",
			"ORDERER_GENERAL_TLS_ENABLED=true",
			"ORDERER_GENERAL_TLS_PRIVATEKEY=" + filepath.Join(tls, "server.key"),
			"ORDERER_GENERAL_TLS_CERTIFICATE=" + filepath.Join(tls, "server.crt"),
			"ORDERER_GENERAL_TLS_ROOTCAS=[" + filepath.Join(tls, "ca.crt") + "]",
			"ORDERER_GENERAL_CLUSTER_CLIENTCERTIFICATE=" + filepath.Join(tls, "server.crt"),
			"ORDERER_GENERAL_CLUSTER_CLIENTPRIVATEKEY=" + filepath.Join(tls, "server.key"),
			"ORDERER_GENERAL_CLUSTER_ROOTCAS=[" + filepath.Join(tls, "ca.crt") + "]",
			"ORDERER_CHANNELPARTICIPATION_ENABLED=true",
			"ORDERER_ADMIN_LISTENADDRESS=" + o.AdminAddr(),
			"ORDERER_ADMIN_TLS_ENABLED=true",
			"ORDERER_ADMIN_TLS_PRIVATEKEY=" + filepath.Join(tls, "server.key"),
			"ORDERER_ADMIN_TLS_CERTIFICATE=" + filepath.Join(tls, "server.crt"),
			"ORDERER_ADMIN_TLS_ROOTCAS=[" + filepath.Join(tls, "ca.crt") + "]",
			"ORDERER_ADMIN_TLS_CLIENTAUTHREQUIRED=true",
			"ORDERER_ADMIN_TLS_CLIENTROOTCAS=[" + filepath.Join(tls, "ca.crt") + "]",
			"ORDERER_OPERATIONS_LISTENADDRESS=" + o.OperationsAddr(),
			"ORDERER_METRICS_PROVIDER=prometheus",
			"ORDERER_FILELEDGER_LOCATION=" + filepath.Join(data, "ledger"),
			"ORDERER_CONSENSUS_WALDIR=" + filepath.Join(data, "etcdraft", "wal"),
			"ORDERER_CONSENSUS_SNAPDIR=" + filepath.Join(data, "etcdraft", "snapshot"),
		},
		ready: "http://" + o.OperationsAddr() + "/healthz",
	}
}

func (n *Network) peerProcess(o *PeerOrg, p Node) process {
	dir := n.peerDir(o, p)
	tls := filepath.Join(dir, "tls")
	fqdn := n.topo.peerFQDN(o, p)
	data := filepath.Join(n.nodesDir(), fqdn)
	cc := p.Host + ":" + strconv.Itoa(p.ChaincodePort)
	return process{
		name: fqdn,
		bin:  n.bin("peer"),
		args: []string{"node", "start"},
		env: []string{
			"FABRIC_CFG_PATH=" + filepath.Join(n.configDir(), "peer"),
			"FABRIC_LOGGING_SPEC=INFO",
			"CORE_PEER_ID=" + fqdn,
			"CORE_PEER_ADDRESS=" + p.Addr(),
			"CORE_PEER_LISTENADDRESS=" + p.Addr(),
			"CORE_PEER_CHAINCODEADDRESS=" + cc,
			"CORE_PEER_CHAINCODELISTENADDRESS=" + cc,
			"CORE_PEER_GOSSIP_BOOTSTRAP=" + p.Addr(),
			"CORE_PEER_GOSSIP_EXTERNALENDPOINT=" + p.Addr(),
			// Peers first meet before they have joined the channel, and the
			// sample's 25 s reconnect interval then delays discovery (which
			// the Gateway needs to find endorsers) by as much; a dead peer
			// also leaves the membership view sooner.
			"CORE_PEER_GOSSIP_RECONNECTINTERVAL=2s",
			"CORE_PEER_GOSSIP_ALIVETIMEINTERVAL=2s",
			"CORE_PEER_GOSSIP_ALIVEEXPIRATIONTIMEOUT=10s",
			"CORE_PEER_LOCALMSPID=" + o.MSPID,
			"CORE_PEER_MSPCONFIGPATH=" + filepath.Join(dir, "msp"),
			"CORE_PEER_TLS_ENABLED=true",
			"CORE_PEER_TLS_CERT_FILE=" + filepath.Join(tls, "server.crt"),
			"CORE_PEER_TLS_KEY_FILE=" + filepath.Join(tls, "server.key"),
			"CORE_PEER_TLS_ROOTCERT_FILE=" + filepath.Join(tls, "ca.crt"),
			"CORE_PEER_FILESYSTEMPATH=" + data,
			"CORE_LEDGER_SNAPSHOTS_ROOTDIR=" + filepath.Join(data, "snapshots"),
			"CORE_OPERATIONS_LISTENADDRESS=" + p.OperationsAddr(),
			"CORE_METRICS_PROVIDER=prometheus",
			// The peer has no container engine to talk to.
			"CORE_VM_ENDPOINT=",
		},
		ready: "http://" + p.OperationsAddr() + "/healthz",
	}
}

// adminEnv is the environment of the peer CLI acting as org's admin on its peer.
func (n *Network) adminEnv(o *PeerOrg, p Node) []string {
	return []string{
		"FABRIC_CFG_PATH=" + filepath.Join(n.configDir(), "peer"),
		"FABRIC_LOGGING_SPEC=WARNING",
		"CORE_PEER_LOCALMSPID=" + o.MSPID,
		"CORE_PEER_MSPCONFIGPATH=" + filepath.Join(n.userDir(o, "Admin"), "msp"),
		"CORE_PEER_ADDRESS=" + p.Addr(),
		"CORE_PEER_TLS_ENABLED=true",
		"CORE_PEER_TLS_ROOTCERT_FILE=" + filepath.Join(n.peerDir(o, p), "tls", "ca.crt"),
	}
}

// ordererFlags points the peer CLI at a running orderer.
func (n *Network) ordererFlags() []string {
	addr := n.topo.OrdererOrg.Nodes[0].Addr()
	for _, o := range n.topo.OrdererOrg.Nodes {
		if _, ok := n.pid(n.topo.ordererFQDN(o)); ok {
			addr = o.Addr()
			break
		}
	}
	return []string{"-o", addr, "--tls", "--cafile", n.ordererTLSCA()}
}

func (n *Network) osnadmin(ctx context.Context, o Node, args ...string) (string, error) {
	admin := filepath.Join(n.ordererDir(o), "tls")
	full := append(args, "-o", o.AdminAddr(), "--ca-file", filepath.Join(admin, "ca.crt"),
		"--client-cert", filepath.Join(admin, "server.crt"), "--client-key", filepath.Join(admin, "server.key"))
	return n.run(ctx, nil, n.bin("osnadmin"), full...)
}

func (n *Network) joinOrderer(ctx context.Context, o Node) error {
	out, err := n.osnadmin(ctx, o, "channel", "list", "--channelID", n.topo.Channel)
	if err == nil && strings.Contains(out, "Status: 200") {
		return nil
	}
	n.logf("joining %s to channel %s", n.topo.ordererFQDN(o), n.topo.Channel)
	out, err = n.osnadmin(ctx, o, "channel", "join", "--channelID", n.topo.Channel, "--config-block", n.blockPath())
	if err != nil {
		return err
	}
	if !strings.Contains(out, "Status: 201") {
		return fmt.Errorf("join %s to %s: %s", n.topo.ordererFQDN(o), n.topo.Channel, out)
	}
	return nil
}

func (n *Network) joinPeer(ctx context.Context, o *PeerOrg, p Node) error {
	env := n.adminEnv(o, p)
	if _, err := n.run(ctx, env, n.bin("peer"), "channel", "getinfo", "-c", n.topo.Channel); err == nil {
		return nil
	}
	n.logf("joining %s to channel %s", n.topo.peerFQDN(o, p), n.topo.Channel)
	_, err := n.run(ctx, env, n.bin("peer"), "channel", "join", "-b", n.blockPath())
	return err
}

// run executes a Fabric command and returns its combined output; a failure
// carries the output, which is where Fabric says what went wrong.
func (n *Network) run(ctx context.Context, env []string, bin string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(cleanEnviron(), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("%s %s: %w: %s", filepath.Base(bin), strings.Join(args[:min(2, len(args))], " "), err, strings.TrimSpace(out.String()))
	}
	return out.String(), nil
}

// processNames lists every process the topology defines, in start order.
func (n *Network) processNames() []string {
	var names []string
	for _, o := range n.topo.OrdererOrg.Nodes {
		names = append(names, n.topo.ordererFQDN(o))
	}
	for i := range n.topo.Orgs {
		o := &n.topo.Orgs[i]
		for _, p := range o.Peers {
			names = append(names, n.topo.peerFQDN(o, p))
		}
	}
	names = append(names, chaincodeProcess)
	for i := range n.topo.Orgs {
		if n.topo.Orgs[i].API != "" {
			names = append(names, apiProcess(&n.topo.Orgs[i]))
		}
	}
	return names
}

// allRunning reports whether every local node and the chaincode service run.
func (n *Network) allRunning() bool {
	var names []string
	for _, o := range n.topo.OrdererOrg.Nodes {
		if isLocal(o.Host) {
			names = append(names, n.topo.ordererFQDN(o))
		}
	}
	for i := range n.topo.Orgs {
		o := &n.topo.Orgs[i]
		for _, p := range o.Peers {
			if isLocal(p.Host) {
				names = append(names, n.topo.peerFQDN(o, p))
			}
		}
	}
	names = append(names, chaincodeProcess)
	for i := range n.topo.Orgs {
		o := &n.topo.Orgs[i]
		if host, _, err := splitHostPort(o.API); err == nil && isLocal(host) {
			names = append(names, apiProcess(o))
		}
	}
	for _, name := range names {
		if _, ok := n.pid(name); !ok {
			return false
		}
	}
	return true
}

// Down stops exactly the processes this network started, by their PIDs,
// APIs first and orderers last.
func (n *Network) Down() error {
	names := n.processNames()
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
	case strings.HasPrefix(name, "api-"):
		return 0
	case name == chaincodeProcess:
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

// NodeStatus is one process as Status reports it.
type NodeStatus struct {
	Name    string `json:"name"`
	PID     int    `json:"pid,omitempty"`
	Running bool   `json:"running"`
	// Height is the channel's block height at the node, for orderers and
	// peers that answer.
	Height uint64 `json:"height,omitempty"`
	Detail string `json:"detail,omitempty"`
}

// Status lists every process of the network with its block height.
func (n *Network) Status(ctx context.Context) []NodeStatus {
	var out []NodeStatus
	for _, o := range n.topo.OrdererOrg.Nodes {
		s := n.status(n.topo.ordererFQDN(o))
		if s.Running {
			s.Height, s.Detail = n.ordererHeight(ctx, o)
		}
		out = append(out, s)
	}
	for i := range n.topo.Orgs {
		o := &n.topo.Orgs[i]
		for _, p := range o.Peers {
			s := n.status(n.topo.peerFQDN(o, p))
			if s.Running {
				h, err := n.PeerHeight(ctx, o.Name, p.Name)
				if err != nil {
					s.Detail = err.Error()
				}
				s.Height = h
			}
			out = append(out, s)
		}
	}
	for _, name := range n.processNames() {
		if name == chaincodeProcess || strings.HasPrefix(name, "api-") {
			out = append(out, n.status(name))
		}
	}
	return out
}

func (n *Network) status(name string) NodeStatus {
	pid, ok := n.pid(name)
	return NodeStatus{Name: name, PID: pid, Running: ok}
}

func (n *Network) ordererHeight(ctx context.Context, o Node) (uint64, string) {
	out, err := n.osnadmin(ctx, o, "channel", "list", "--channelID", n.topo.Channel)
	if err != nil {
		return 0, "channel not joined"
	}
	return parseHeight(out)
}

// PeerHeight is the channel's block height at a peer.
func (n *Network) PeerHeight(ctx context.Context, org, peer string) (uint64, error) {
	o, ok := n.topo.Org(org)
	if !ok {
		return 0, fmt.Errorf("no organisation %q", org)
	}
	for _, p := range o.Peers {
		if p.Name != peer {
			continue
		}
		out, err := n.run(ctx, n.adminEnv(o, p), n.bin("peer"), "channel", "getinfo", "-c", n.topo.Channel)
		if err != nil {
			return 0, err
		}
		h, detail := parseHeight(out)
		if detail != "" {
			return 0, errors.New(detail)
		}
		return h, nil
	}
	return 0, fmt.Errorf("no peer %q in %s", peer, org)
}

// parseHeight finds `"height":N` in the JSON that osnadmin and the peer
// CLI print.
func parseHeight(out string) (uint64, string) {
	i := strings.Index(out, `"height":`)
	if i < 0 {
		return 0, "no height in: " + strings.TrimSpace(out)
	}
	rest := strings.TrimLeft(out[i+len(`"height":`):], " ")
	end := strings.IndexFunc(rest, func(r rune) bool { return r < '0' || r > '9' })
	if end < 0 {
		end = len(rest)
	}
	h, err := strconv.ParseUint(rest[:end], 10, 64)
	if err != nil {
		return 0, "malformed height in: " + strings.TrimSpace(out)
	}
	return h, ""
}
