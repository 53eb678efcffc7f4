package network

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// command is one run of a command-line program that the network drives to
// completion: a Fabric CLI call (peer, osnadmin, configtxgen, cryptogen)
// or a grantledger tool. Each is a small struct whose Args builds the exact
// argument list, so that what the network asks of Fabric can be read (and
// tested) in one place rather than assembled from string slices in place.
type command interface {
	// Binary is the program: the name of a Fabric command, found in
	// Config.FabricBin, or the path of a program the network built.
	Binary() string
	// Args is the argument list, without the program.
	Args() []string
}

// run executes cmd with env added to a clean environment and returns its
// combined output; a failure carries the output, which is where Fabric
// says what went wrong.
func (n *Network) run(ctx context.Context, cmd command, env ...string) (string, error) {
	bin := cmd.Binary()
	if !filepath.IsAbs(bin) {
		bin = n.bin(bin)
	}
	args := cmd.Args()
	c := exec.CommandContext(ctx, bin, args...)
	c.Env = append(cleanEnviron(), env...)
	var out bytes.Buffer
	c.Stdout, c.Stderr = &out, &out
	if err := c.Run(); err != nil {
		return out.String(), fmt.Errorf("%s %s: %w: %s", filepath.Base(bin), strings.Join(args[:min(2, len(args))], " "), err, strings.TrimSpace(out.String()))
	}
	return out.String(), nil
}

// cryptogenGenerate is `cryptogen generate`: the crypto material of every
// organisation in a crypto-config file.
type cryptogenGenerate struct {
	Config string
	Output string
}

func (cryptogenGenerate) Binary() string { return "cryptogen" }

func (c cryptogenGenerate) Args() []string {
	return []string{"generate", "--config", c.Config, "--output", c.Output}
}

// configtxgenOutputBlock is `configtxgen -outputBlock`: a channel's genesis
// block from a profile of the configtx.yaml in FABRIC_CFG_PATH.
type configtxgenOutputBlock struct {
	Profile     string
	ChannelID   string
	OutputBlock string
}

func (configtxgenOutputBlock) Binary() string { return "configtxgen" }

func (c configtxgenOutputBlock) Args() []string {
	return []string{"-profile", c.Profile, "-channelID", c.ChannelID, "-outputBlock", c.OutputBlock}
}

// osnadminEndpoint is an orderer's channel participation API and the
// mutual-TLS material osnadmin presents to it.
type osnadminEndpoint struct {
	Address    string
	CAFile     string
	ClientCert string
	ClientKey  string
}

func (e osnadminEndpoint) args() []string {
	return []string{"-o", e.Address, "--ca-file", e.CAFile, "--client-cert", e.ClientCert, "--client-key", e.ClientKey}
}

// osnadminChannelList is `osnadmin channel list` for one channel: its
// status and height at the orderer, or a 404 when it has not joined.
type osnadminChannelList struct {
	ChannelID string
	Orderer   osnadminEndpoint
}

func (osnadminChannelList) Binary() string { return "osnadmin" }

func (c osnadminChannelList) Args() []string {
	return append([]string{"channel", "list", "--channelID", c.ChannelID}, c.Orderer.args()...)
}

// osnadminChannelJoin is `osnadmin channel join`: the orderer joins the
// channel from its genesis block.
type osnadminChannelJoin struct {
	ChannelID   string
	ConfigBlock string
	Orderer     osnadminEndpoint
}

func (osnadminChannelJoin) Binary() string { return "osnadmin" }

func (c osnadminChannelJoin) Args() []string {
	return append([]string{"channel", "join", "--channelID", c.ChannelID, "--config-block", c.ConfigBlock}, c.Orderer.args()...)
}

// peerCLI is embedded by every command of the peer CLI. They run with a
// peer admin's environment (Network.adminEnv), which names the peer.
type peerCLI struct{}

func (peerCLI) Binary() string { return "peer" }

// peerChannelGetInfo is `peer channel getinfo`: the channel's height at the
// peer; it fails when the peer has not joined.
type peerChannelGetInfo struct {
	peerCLI
	ChannelID string
}

func (c peerChannelGetInfo) Args() []string {
	return []string{"channel", "getinfo", "-c", c.ChannelID}
}

// peerChannelJoin is `peer channel join` from the channel's genesis block.
type peerChannelJoin struct {
	peerCLI
	BlockPath string
}

func (c peerChannelJoin) Args() []string {
	return []string{"channel", "join", "-b", c.BlockPath}
}

// ordererEndpoint points the peer CLI at an orderer, over TLS.
type ordererEndpoint struct {
	Address string
	CAFile  string
}

func (e ordererEndpoint) args() []string {
	return []string{"-o", e.Address, "--tls", "--cafile", e.CAFile}
}

// peerEndpoint is a peer the CLI gathers an endorsement from.
type peerEndpoint struct {
	Address     string
	TLSRootCert string
}

func peerEndpointArgs(peers []peerEndpoint) []string {
	var args []string
	for _, p := range peers {
		args = append(args, "--peerAddresses", p.Address, "--tlsRootCertFiles", p.TLSRootCert)
	}
	return args
}

// chaincodeDefinition is the definition every organisation approves and
// one commits; approveformyorg, checkcommitreadiness and commit must be
// given the same one.
type chaincodeDefinition struct {
	ChannelID       string
	Name            string
	Version         string
	Sequence        int64
	InitRequired    bool
	SignaturePolicy string
	// CollectionsConfig is the private data collections config file; empty
	// means the definition has no collections.
	CollectionsConfig string
}

func (d chaincodeDefinition) args() []string {
	args := []string{"-C", d.ChannelID, "-n", d.Name, "-v", d.Version, "--sequence", strconv.FormatInt(d.Sequence, 10)}
	if d.InitRequired {
		args = append(args, "--init-required")
	}
	if d.SignaturePolicy != "" {
		args = append(args, "--signature-policy", d.SignaturePolicy)
	}
	if d.CollectionsConfig != "" {
		args = append(args, "--collections-config", d.CollectionsConfig)
	}
	return args
}

// chaincodeQueryInstalled is `peer lifecycle chaincode queryinstalled`, as JSON.
type chaincodeQueryInstalled struct{ peerCLI }

func (chaincodeQueryInstalled) Args() []string {
	return []string{"lifecycle", "chaincode", "queryinstalled", "-O", "json"}
}

// chaincodeInstall is `peer lifecycle chaincode install` of a package file.
type chaincodeInstall struct {
	peerCLI
	PackageFile string
}

func (c chaincodeInstall) Args() []string {
	return []string{"lifecycle", "chaincode", "install", c.PackageFile}
}

// chaincodeQueryCommitted is `peer lifecycle chaincode querycommitted` for
// one chaincode, as JSON.
type chaincodeQueryCommitted struct {
	peerCLI
	ChannelID string
	Name      string
}

func (c chaincodeQueryCommitted) Args() []string {
	return []string{"lifecycle", "chaincode", "querycommitted", "-C", c.ChannelID, "-n", c.Name, "-O", "json"}
}

// chaincodeCheckCommitReadiness is `peer lifecycle chaincode
// checkcommitreadiness`, as JSON: which organisations approved a definition.
type chaincodeCheckCommitReadiness struct {
	peerCLI
	chaincodeDefinition
}

func (c chaincodeCheckCommitReadiness) Args() []string {
	args := append([]string{"lifecycle", "chaincode", "checkcommitreadiness"}, c.chaincodeDefinition.args()...)
	return append(args, "-O", "json")
}

// chaincodeApproveForMyOrg is `peer lifecycle chaincode approveformyorg`:
// the admin's organisation approves a definition served by a package.
type chaincodeApproveForMyOrg struct {
	peerCLI
	chaincodeDefinition
	PackageID string
	Orderer   ordererEndpoint
}

func (c chaincodeApproveForMyOrg) Args() []string {
	args := append([]string{"lifecycle", "chaincode", "approveformyorg"}, c.chaincodeDefinition.args()...)
	args = append(args, "--package-id", c.PackageID)
	return append(args, c.Orderer.args()...)
}

// chaincodeCommit is `peer lifecycle chaincode commit`, endorsed by Peers.
type chaincodeCommit struct {
	peerCLI
	chaincodeDefinition
	Orderer ordererEndpoint
	Peers   []peerEndpoint
}

func (c chaincodeCommit) Args() []string {
	args := append([]string{"lifecycle", "chaincode", "commit"}, c.chaincodeDefinition.args()...)
	args = append(args, c.Orderer.args()...)
	return append(args, peerEndpointArgs(c.Peers)...)
}

// chaincodeCall is a contract function and its arguments, as the peer CLI
// takes them in -c.
type chaincodeCall struct {
	Function string
	Args     []string
}

func (c chaincodeCall) json() string {
	args := c.Args
	if args == nil {
		args = []string{} // "Args":[] — the peer CLI rejects null
	}
	// Strings always marshal.
	raw, _ := json.Marshal(struct {
		Function string   `json:"function"`
		Args     []string `json:"Args"`
	}{c.Function, args})
	return string(raw)
}

// chaincodeInvoke is `peer chaincode invoke`, endorsed by Peers and sent to
// the orderer; WaitForEvent waits until the transaction commits.
type chaincodeInvoke struct {
	peerCLI
	ChannelID    string
	Name         string
	IsInit       bool
	WaitForEvent bool
	Call         chaincodeCall
	Orderer      ordererEndpoint
	Peers        []peerEndpoint
}

func (c chaincodeInvoke) Args() []string {
	args := []string{"chaincode", "invoke", "-C", c.ChannelID, "-n", c.Name}
	if c.IsInit {
		args = append(args, "--isInit")
	}
	if c.WaitForEvent {
		args = append(args, "--waitForEvent")
	}
	args = append(args, "-c", c.Call.json())
	args = append(args, c.Orderer.args()...)
	return append(args, peerEndpointArgs(c.Peers)...)
}

// chaincodeQuery is `peer chaincode query` on the admin's own peer.
type chaincodeQuery struct {
	peerCLI
	ChannelID string
	Name      string
	Call      chaincodeCall
}

func (c chaincodeQuery) Args() []string {
	return []string{"chaincode", "query", "-C", c.ChannelID, "-n", c.Name, "-c", c.Call.json()}
}

// apiTokens is `grantledger-api tokens`: it issues an organisation's bearer
// tokens once, writing their hashes and the tokens themselves.
type apiTokens struct {
	Bin     string
	Profile string
	Org     string
	Hashed  string
	Plain   string
}

func (c apiTokens) Binary() string { return c.Bin }

func (c apiTokens) Args() []string {
	return []string{"tokens", "-profile", c.Profile, "-org", c.Org, "-hashed", c.Hashed, "-plain", c.Plain}
}

// apiServe is `grantledger-api serve`, the arguments of an organisation's
// API process.
type apiServe struct {
	Profile         string
	Org             string
	Listen          string
	Tokens          string
	IdempotencyFile string
	// Scheduler keeps the API's deadline scheduler at its default
	// interval; false turns it off.
	Scheduler bool
	// AnchorURL is the organisation's anchoring service, whose backlog
	// the API reads for the portal; "": it runs none.
	AnchorURL string
}

func (c apiServe) Args() []string {
	args := []string{"serve", "-profile", c.Profile, "-org", c.Org, "-listen", c.Listen,
		"-tokens", c.Tokens, "-idempotency-file", c.IdempotencyFile}
	if !c.Scheduler {
		args = append(args, "-scheduler-interval", "0")
	}
	if c.AnchorURL != "" {
		args = append(args, "-anchor-url", c.AnchorURL)
	}
	return args
}

// goBuild is `go build` of one of the repository's commands, reproducible
// (no paths or VCS stamps in the binary) so that the chaincode's package
// label changes exactly when its code does.
type goBuild struct {
	Output  string
	Package string
}

func (c goBuild) Args() []string {
	return []string{"build", "-trimpath", "-buildvcs=false", "-o", c.Output, c.Package}
}

// build runs b in the repository root. Unlike run it keeps the caller's
// whole environment: the Go toolchain's own settings (GOPATH, GOCACHE,
// GOFLAGS, …) must reach it.
func (n *Network) build(ctx context.Context, what string, b goBuild) error {
	cmd := exec.CommandContext(ctx, "go", b.Args()...)
	cmd.Dir = n.cfg.Root
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build %s: %w: %s", what, err, out)
	}
	return nil
}
