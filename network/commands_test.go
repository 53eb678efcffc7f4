package network

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestCommandArgs pins every command's argument list to the one the
// network passed to Fabric before commands were typed values: a change here
// is a change of what the network asks of Fabric.
func TestCommandArgs(t *testing.T) {
	const policy = "OutOf(4, 'AuthorityMSP.peer', 'HealthMSP.peer', 'MarketMSP.peer', 'OperatorMSP.peer', 'PlatformMSP.peer', 'RegulatorMSP.peer')"
	def := chaincodeDefinition{ChannelID: "grantledger", Name: "grantledger", Version: "grantledger_0123456789ab",
		Sequence: 3, InitRequired: true, SignaturePolicy: policy}
	defArgs := []string{"-C", "grantledger", "-n", "grantledger", "-v", "grantledger_0123456789ab",
		"--sequence", "3", "--init-required", "--signature-policy", policy}
	orderer := ordererEndpoint{Address: "127.0.0.1:8050", CAFile: "/s/tlsca.pem"}
	ordererArgs := []string{"-o", "127.0.0.1:8050", "--tls", "--cafile", "/s/tlsca.pem"}
	peers := []peerEndpoint{{Address: "127.0.0.1:7051", TLSRootCert: "/a/ca.crt"}, {Address: "127.0.0.1:8051", TLSRootCert: "/h/ca.crt"}}
	peerArgs := []string{"--peerAddresses", "127.0.0.1:7051", "--tlsRootCertFiles", "/a/ca.crt",
		"--peerAddresses", "127.0.0.1:8051", "--tlsRootCertFiles", "/h/ca.crt"}
	admin := osnadminEndpoint{Address: "127.0.0.1:7053", CAFile: "/o/tls/ca.crt", ClientCert: "/o/tls/server.crt", ClientKey: "/o/tls/server.key"}
	adminArgs := []string{"-o", "127.0.0.1:7053", "--ca-file", "/o/tls/ca.crt", "--client-cert", "/o/tls/server.crt", "--client-key", "/o/tls/server.key"}
	cat := func(parts ...[]string) []string { return slices.Concat(parts...) }

	tests := []struct {
		name   string
		cmd    command
		binary string
		want   []string
	}{
		{"cryptogen generate", cryptogenGenerate{Config: "/s/config/crypto-config.yaml", Output: "/s/crypto.tmp"}, "cryptogen",
			[]string{"generate", "--config", "/s/config/crypto-config.yaml", "--output", "/s/crypto.tmp"}},
		{"configtxgen genesis block", configtxgenOutputBlock{Profile: "GrantLedgerChannel", ChannelID: "grantledger", OutputBlock: "/s/channel/grantledger.block.tmp"}, "configtxgen",
			[]string{"-profile", "GrantLedgerChannel", "-channelID", "grantledger", "-outputBlock", "/s/channel/grantledger.block.tmp"}},
		{"osnadmin channel list", osnadminChannelList{ChannelID: "grantledger", Orderer: admin}, "osnadmin",
			cat([]string{"channel", "list", "--channelID", "grantledger"}, adminArgs)},
		{"osnadmin channel join", osnadminChannelJoin{ChannelID: "grantledger", ConfigBlock: "/s/channel/grantledger.block", Orderer: admin}, "osnadmin",
			cat([]string{"channel", "join", "--channelID", "grantledger", "--config-block", "/s/channel/grantledger.block"}, adminArgs)},
		{"peer channel getinfo", peerChannelGetInfo{ChannelID: "grantledger"}, "peer",
			[]string{"channel", "getinfo", "-c", "grantledger"}},
		{"peer channel join", peerChannelJoin{BlockPath: "/s/channel/grantledger.block"}, "peer",
			[]string{"channel", "join", "-b", "/s/channel/grantledger.block"}},
		{"queryinstalled", chaincodeQueryInstalled{}, "peer",
			[]string{"lifecycle", "chaincode", "queryinstalled", "-O", "json"}},
		{"install", chaincodeInstall{PackageFile: "/s/chaincode/grantledger_0123456789ab.tar.gz"}, "peer",
			[]string{"lifecycle", "chaincode", "install", "/s/chaincode/grantledger_0123456789ab.tar.gz"}},
		{"querycommitted", chaincodeQueryCommitted{ChannelID: "grantledger", Name: "grantledger"}, "peer",
			[]string{"lifecycle", "chaincode", "querycommitted", "-C", "grantledger", "-n", "grantledger", "-O", "json"}},
		{"checkcommitreadiness", chaincodeCheckCommitReadiness{chaincodeDefinition: def}, "peer",
			cat([]string{"lifecycle", "chaincode", "checkcommitreadiness"}, defArgs, []string{"-O", "json"})},
		{"approveformyorg", chaincodeApproveForMyOrg{chaincodeDefinition: def, PackageID: "grantledger_0123456789ab:feed", Orderer: orderer}, "peer",
			cat([]string{"lifecycle", "chaincode", "approveformyorg"}, defArgs, []string{"--package-id", "grantledger_0123456789ab:feed"}, ordererArgs)},
		{"commit", chaincodeCommit{chaincodeDefinition: def, Orderer: orderer, Peers: peers}, "peer",
			cat([]string{"lifecycle", "chaincode", "commit"}, defArgs, ordererArgs, peerArgs)},
		{"approveformyorg with collections", chaincodeApproveForMyOrg{chaincodeDefinition: chaincodeDefinition{ChannelID: "c", Name: "n", Version: "v", Sequence: 2, SignaturePolicy: "P", CollectionsConfig: "/s/config/collections.json"}, PackageID: "l:feed", Orderer: orderer}, "peer",
			cat([]string{"lifecycle", "chaincode", "approveformyorg", "-C", "c", "-n", "n", "-v", "v", "--sequence", "2", "--signature-policy", "P", "--collections-config", "/s/config/collections.json", "--package-id", "l:feed"}, ordererArgs)},
		{"checkcommitreadiness with collections", chaincodeCheckCommitReadiness{chaincodeDefinition: chaincodeDefinition{ChannelID: "c", Name: "n", Version: "v", Sequence: 2, CollectionsConfig: "/s/config/collections.json"}}, "peer",
			[]string{"lifecycle", "chaincode", "checkcommitreadiness", "-C", "c", "-n", "n", "-v", "v", "--sequence", "2", "--collections-config", "/s/config/collections.json", "-O", "json"}},
		{"commit with collections", chaincodeCommit{chaincodeDefinition: chaincodeDefinition{ChannelID: "c", Name: "n", Version: "v", Sequence: 2, InitRequired: true, CollectionsConfig: "/s/config/collections.json"}, Orderer: orderer, Peers: peers}, "peer",
			cat([]string{"lifecycle", "chaincode", "commit", "-C", "c", "-n", "n", "-v", "v", "--sequence", "2", "--init-required", "--collections-config", "/s/config/collections.json"}, ordererArgs, peerArgs)},
		{"definition without init or policy", chaincodeCheckCommitReadiness{chaincodeDefinition: chaincodeDefinition{ChannelID: "c", Name: "n", Version: "v", Sequence: 1}}, "peer",
			[]string{"lifecycle", "chaincode", "checkcommitreadiness", "-C", "c", "-n", "n", "-v", "v", "--sequence", "1", "-O", "json"}},
		{"init invoke", chaincodeInvoke{ChannelID: "grantledger", Name: "grantledger", IsInit: true, WaitForEvent: true,
			Call: chaincodeCall{Function: "Bootstrap", Args: []string{"AuthorityMSP"}}, Orderer: orderer, Peers: peers}, "peer",
			cat([]string{"chaincode", "invoke", "-C", "grantledger", "-n", "grantledger", "--isInit", "--waitForEvent",
				"-c", `{"function":"Bootstrap","Args":["AuthorityMSP"]}`}, ordererArgs, peerArgs)},
		{"plain invoke", chaincodeInvoke{ChannelID: "grantledger", Name: "grantledger", Call: chaincodeCall{Function: "F"}, Orderer: orderer}, "peer",
			cat([]string{"chaincode", "invoke", "-C", "grantledger", "-n", "grantledger", "-c", `{"function":"F","Args":[]}`}, ordererArgs)},
		{"query without arguments", chaincodeQuery{ChannelID: "grantledger", Name: "grantledger", Call: chaincodeCall{Function: "GetConfig"}}, "peer",
			[]string{"chaincode", "query", "-C", "grantledger", "-n", "grantledger", "-c", `{"function":"GetConfig","Args":[]}`}},
		{"API tokens", apiTokens{Bin: "/s/bin/grantledger-api", Profile: "/s/network.json", Org: "HealthMSP", Hashed: "/s/api/health/tokens.json", Plain: "/s/api/health/tokens.env"}, "/s/bin/grantledger-api",
			[]string{"tokens", "-profile", "/s/network.json", "-org", "HealthMSP", "-hashed", "/s/api/health/tokens.json", "-plain", "/s/api/health/tokens.env"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.cmd.Binary(); got != tt.binary {
				t.Errorf("binary: got %q, want %q", got, tt.binary)
			}
			if got := tt.cmd.Args(); !slices.Equal(got, tt.want) {
				t.Errorf("args:\ngot  %q\nwant %q", got, tt.want)
			}
		})
	}
}

// TestProcessArgs pins the argument lists of the commands that run as
// processes (start) or as the Go toolchain (build) rather than through run.
func TestProcessArgs(t *testing.T) {
	tests := []struct {
		name string
		got  []string
		want []string
	}{
		{"API serve", apiServe{Profile: "/s/network.json", Org: "HealthMSP", Listen: "127.0.0.1:8102", Tokens: "/s/api/health/tokens.json", IdempotencyFile: "/s/api/health/idempotency.jsonl"}.Args(),
			[]string{"serve", "-profile", "/s/network.json", "-org", "HealthMSP", "-listen", "127.0.0.1:8102", "-tokens", "/s/api/health/tokens.json", "-idempotency-file", "/s/api/health/idempotency.jsonl", "-scheduler-interval", "0"}},
		{"API serve with the deadline scheduler", apiServe{Profile: "/s/network.json", Org: "AuthorityMSP", Listen: "127.0.0.1:8101", Tokens: "/s/api/authority/tokens.json", IdempotencyFile: "/s/api/authority/idempotency.db", Scheduler: true}.Args(),
			[]string{"serve", "-profile", "/s/network.json", "-org", "AuthorityMSP", "-listen", "127.0.0.1:8101", "-tokens", "/s/api/authority/tokens.json", "-idempotency-file", "/s/api/authority/idempotency.db"}},
		{"API serve with an anchoring service", apiServe{Profile: "/s/network.json", Org: "PlatformMSP", Listen: "127.0.0.1:8104", Tokens: "/s/api/platform/tokens.json", IdempotencyFile: "/s/api/platform/idempotency.db", AnchorURL: anchorURL(&PeerOrg{Anchor: "127.0.0.1:8110"})}.Args(),
			[]string{"serve", "-profile", "/s/network.json", "-org", "PlatformMSP", "-listen", "127.0.0.1:8104", "-tokens", "/s/api/platform/tokens.json", "-idempotency-file", "/s/api/platform/idempotency.db", "-scheduler-interval", "0", "-anchor-url", "http://127.0.0.1:8110"}},
		{"API serve without an anchoring service", apiServe{Profile: "/s/network.json", Org: "HealthMSP", Listen: "127.0.0.1:8102", Tokens: "/s/t.json", IdempotencyFile: "/s/i.db", AnchorURL: anchorURL(&PeerOrg{})}.Args(),
			[]string{"serve", "-profile", "/s/network.json", "-org", "HealthMSP", "-listen", "127.0.0.1:8102", "-tokens", "/s/t.json", "-idempotency-file", "/s/i.db", "-scheduler-interval", "0"}},
		{"go build", goBuild{Output: "/s/bin/grantledger-cc", Package: "./cmd/grantledger-cc"}.Args(),
			[]string{"build", "-trimpath", "-buildvcs=false", "-o", "/s/bin/grantledger-cc", "./cmd/grantledger-cc"}},
	}
	for _, tt := range tests {
		if !slices.Equal(tt.got, tt.want) {
			t.Errorf("%s:\ngot  %q\nwant %q", tt.name, tt.got, tt.want)
		}
	}
}

// TestEndpoints checks what the network fills the commands with: the
// orderer when none runs here, and one endorsing peer per organisation.
func TestEndpoints(t *testing.T) {
	n := testNetwork(t)
	o := n.orderer()
	if want := n.topo.OrdererOrg.Nodes[0].Addr(); o.Address != want {
		t.Errorf("orderer with none running: got %s, want %s", o.Address, want)
	}
	if want := filepath.Join(n.cfg.State, "crypto", "ordererOrganizations", "orderer.grantledger.local", "tlsca", "tlsca.orderer.grantledger.local-cert.pem"); o.CAFile != want {
		t.Errorf("orderer CA: got %s, want %s", o.CAFile, want)
	}
	peers := n.endorsers()
	if len(peers) != len(n.topo.Orgs) {
		t.Fatalf("endorsers: got %d, want one per organisation (%d)", len(peers), len(n.topo.Orgs))
	}
	want := peerEndpoint{Address: "127.0.0.1:8051", TLSRootCert: filepath.Join(n.cfg.State, "crypto", "peerOrganizations", "health.grantledger.local", "peers", "peer0.health.grantledger.local", "tls", "ca.crt")}
	if peers[1] != want {
		t.Errorf("endorser of health: got %+v, want %+v", peers[1], want)
	}
}

// recorder is a command whose program writes its arguments and
// environment, one per line, to the file named by its first argument.
type recorder struct{ args []string }

func (recorder) Binary() string   { return "record" }
func (r recorder) Args() []string { return r.args }

// TestRun runs a fake Fabric command through run: it is found in
// FabricBin, gets exactly its arguments and the given environment, not the
// caller's Fabric settings, and its failure carries its output.
func TestRun(t *testing.T) {
	n := testNetwork(t)
	n.cfg.FabricBin = t.TempDir()
	script := "#!/bin/sh\nout=$1; shift\nfor a in \"$@\"; do echo \"arg $a\"; done > \"$out\"\nenv | sed 's/^/env /' >> \"$out\"\necho 'Error: it went wrong'\nexit $FAIL\n"
	if err := os.WriteFile(filepath.Join(n.cfg.FabricBin, "record"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CORE_PEER_ADDRESS", "elsewhere:7051")
	log := filepath.Join(t.TempDir(), "log")

	out, err := n.run(context.Background(), recorder{args: []string{log, "channel", "with space"}}, "FAIL=0", "FABRIC_CFG_PATH=/cfg")
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if want := "Error: it went wrong\n"; out != want {
		t.Errorf("output: got %q, want %q", out, want)
	}
	raw, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(raw), "\n")
	if got, want := lines[:2], []string{"arg channel", "arg with space"}; !slices.Equal(got, want) {
		t.Errorf("args: got %q, want %q", got, want)
	}
	if !slices.Contains(lines, "env FABRIC_CFG_PATH=/cfg") {
		t.Errorf("environment lacks FABRIC_CFG_PATH=/cfg: %q", lines)
	}
	if slices.Contains(lines, "env CORE_PEER_ADDRESS=elsewhere:7051") {
		t.Errorf("the caller's CORE_PEER_ADDRESS reached the command")
	}

	_, err = n.run(context.Background(), recorder{args: []string{log, "lifecycle", "chaincode", "commit"}}, "FAIL=1")
	if err == nil || !strings.Contains(err.Error(), "record "+log+" lifecycle: exit status 1: Error: it went wrong") {
		t.Errorf("failure: got %v, want the program, two arguments, the exit status and the output", err)
	}
}
