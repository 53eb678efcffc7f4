package network

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func defaultTopology(t *testing.T) *Topology {
	t.Helper()
	topo, err := LoadTopology(filepath.Join("..", "test-network", "topology.json"))
	if err != nil {
		t.Fatalf("load the default topology: %v", err)
	}
	return topo
}

func TestDefaultTopology(t *testing.T) {
	topo := defaultTopology(t)
	if got, want := len(topo.OrdererOrg.Nodes), 3; got != want {
		t.Errorf("orderers: got %d, want %d", got, want)
	}
	want := map[string]string{"AuthorityMSP": "authority", "HealthMSP": "provider", "MarketMSP": "provider",
		"OperatorMSP": "operator", "PlatformMSP": "platform", "RegulatorMSP": "regulator", "ExchangeMSP": "exchange"}
	if got := len(topo.Orgs); got != len(want) {
		t.Fatalf("organisations: got %d, want %d", got, len(want))
	}
	for _, o := range topo.Orgs {
		if want[o.MSPID] != o.Role {
			t.Errorf("%s role: got %q, want %q", o.MSPID, o.Role, want[o.MSPID])
		}
		if len(o.Peers) != 1 || o.Users < 2 {
			t.Errorf("%s: got %d peers and %d users, want 1 peer and at least 2 users", o.MSPID, len(o.Peers), o.Users)
		}
	}
}

func TestTopologyValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Topology)
		want   string // part of the error; empty: valid
	}{
		{"default", func(*Topology) {}, ""},
		{"bad channel", func(t *Topology) { t.Channel = "Grant Ledger" }, "channel"},
		{"bad batch timeout", func(t *Topology) { t.BatchTimeout = "soon" }, "batchTimeout"},
		{"zero batch size", func(t *Topology) { t.BatchMaxMessages = 0 }, "batchMaxMessages"},
		{"the shared chaincode address of earlier versions", func(t *Topology) { t.Chaincode.Address = "127.0.0.1:7999" }, "orgs[].chaincode"},
		{"chaincode address without port", func(t *Topology) { t.Orgs[1].Chaincode = "127.0.0.1" }, "orgs[1].chaincode"},
		{"two organisations share a chaincode service", func(t *Topology) { t.Orgs[2].Chaincode = t.Orgs[1].Chaincode }, "also used by orgs[1].chaincode"},
		{"chaincode service on a peer's port", func(t *Topology) { t.Orgs[0].Chaincode = t.Orgs[3].Peers[0].Addr() }, "also used by"},
		{"default chaincode address", func(t *Topology) {
			for i := range t.Orgs {
				t.Orgs[i].Chaincode = ""
			}
		}, ""},
		{"default chaincode address out of range", func(t *Topology) { t.Orgs[0].Chaincode = ""; t.Orgs[0].Peers[0].Port = 65000 }, "orgs[0].chaincode"},
		{"no orderers", func(t *Topology) { t.OrdererOrg.Nodes = nil }, "ordererOrg.nodes"},
		{"no orgs", func(t *Topology) { t.Orgs = nil }, "orgs is empty"},
		{"unknown role", func(t *Topology) { t.Orgs[0].Role = "king" }, "orgs[0].role"},
		{"duplicate MSP ID", func(t *Topology) { t.Orgs[1].MSPID = t.Orgs[0].MSPID }, "used twice"},
		{"no users", func(t *Topology) { t.Orgs[2].Users = 0 }, "orgs[2].users"},
		{"no peers", func(t *Topology) { t.Orgs[3].Peers = nil }, "orgs[3].peers"},
		{"port clash", func(t *Topology) { t.Orgs[1].Peers[0].Port = t.Orgs[0].Peers[0].Port }, "also used by"},
		{"api clashes with a peer", func(t *Topology) { t.Orgs[0].API = t.Orgs[0].Peers[0].Addr() }, "also used by"},
		{"port out of range", func(t *Topology) { t.OrdererOrg.Nodes[0].AdminPort = 70000 }, "out of range"},
		{"empty host", func(t *Topology) { t.OrdererOrg.Nodes[1].Host = "" }, "host is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			topo := defaultTopology(t)
			tt.change(topo)
			err := topo.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("got error %v, want none", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("got error %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}

func TestLoadTopologyRefusesUnknownFields(t *testing.T) {
	path := filepath.Join(t.TempDir(), "topology.json")
	if err := os.WriteFile(path, []byte(`{"channel":"grantledger","orderers":3}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadTopology(path); err == nil || !strings.Contains(err.Error(), "orderers") {
		t.Fatalf("got error %v, want one naming the unknown field", err)
	}
}

func TestShiftMovesEveryPort(t *testing.T) {
	topo := defaultTopology(t)
	before := defaultTopology(t)
	if err := topo.Shift(20000); err != nil {
		t.Fatal(err)
	}
	if got, want := topo.OrdererOrg.Nodes[2].AdminPort, before.OrdererOrg.Nodes[2].AdminPort+20000; got != want {
		t.Errorf("orderer admin port: got %d, want %d", got, want)
	}
	p, bp := topo.Orgs[5].Peers[0], before.Orgs[5].Peers[0]
	if p.Port != bp.Port+20000 || p.ChaincodePort != bp.ChaincodePort+20000 || p.OperationsPort != bp.OperationsPort+20000 {
		t.Errorf("peer ports: got %d/%d/%d, want each of %d/%d/%d plus 20000", p.Port, p.ChaincodePort, p.OperationsPort, bp.Port, bp.ChaincodePort, bp.OperationsPort)
	}
	if got, want := topo.Orgs[0].API, "127.0.0.1:28101"; got != want {
		t.Errorf("api: got %s, want %s", got, want)
	}
	for i, want := range []string{"127.0.0.1:27999", "127.0.0.1:28999", "127.0.0.1:29999", "127.0.0.1:30999", "127.0.0.1:31999", "127.0.0.1:32999"} {
		if got := topo.Orgs[i].ChaincodeAddr(); got != want {
			t.Errorf("%s chaincode address: got %s, want %s", topo.Orgs[i].Name, got, want)
		}
	}
	// A default address follows the shifted peer port.
	topo = defaultTopology(t)
	topo.Orgs[2].Chaincode = ""
	if err := topo.Shift(20000); err != nil {
		t.Fatal(err)
	}
	if got, want := topo.Orgs[2].ChaincodeAddr(), "127.0.0.1:29999"; got != want {
		t.Errorf("default chaincode address after the shift: got %s, want %s", got, want)
	}
	if err := topo.Shift(60000); err == nil {
		t.Error("shifting ports past 65535: got no error")
	}
}

// TestChaincodeAddresses: every organisation of both shipped topologies has
// a chaincode service of its own, at the address the default would give.
func TestChaincodeAddresses(t *testing.T) {
	for _, path := range []string{filepath.Join("..", "test-network", "topology.json"), filepath.Join("..", "test", "e2e", "topology.json")} {
		topo, err := LoadTopology(path)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for i := range topo.Orgs {
			o := &topo.Orgs[i]
			addr := o.ChaincodeAddr()
			if o.Chaincode == "" || seen[addr] {
				t.Errorf("%s %s: chaincode %q (resolved %s): want an address of its own", path, o.Name, o.Chaincode, addr)
			}
			seen[addr] = true
			def := *o
			def.Chaincode = ""
			if def.ChaincodeAddr() != addr {
				t.Errorf("%s %s: chaincode %s differs from the default %s", path, o.Name, addr, def.ChaincodeAddr())
			}
		}
	}
}

func TestMajorityPolicy(t *testing.T) {
	tests := []struct {
		orgs int
		want string
	}{
		{1, "OutOf(1, 'O0MSP.peer')"},
		{2, "OutOf(2, 'O0MSP.peer', 'O1MSP.peer')"},
		{6, "OutOf(4, "},
		{7, "OutOf(4, "},
	}
	for _, tt := range tests {
		var orgs []PeerOrg
		for i := 0; i < tt.orgs; i++ {
			orgs = append(orgs, PeerOrg{MSPID: "O" + string(rune('0'+i)) + "MSP"})
		}
		if got := majorityPolicy(orgs); !strings.HasPrefix(got, tt.want) {
			t.Errorf("%d organisations: got %s, want a policy starting %s", tt.orgs, got, tt.want)
		}
	}
}

func TestParseHeight(t *testing.T) {
	tests := []struct {
		name, out string
		want      uint64
		ok        bool
	}{
		{"peer CLI", `Blockchain info: {"height":12,"currentBlockHash":"x"}`, 12, true},
		{"osnadmin", "Status: 200\n{\n\t\"name\": \"grantledger\",\n\t\"height\": 7\n}", 7, true},
		{"no height", "Status: 404", 0, false},
		{"garbage", `{"height":"x"}`, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, detail := parseHeight(tt.out)
			if got != tt.want || (detail == "") != tt.ok {
				t.Errorf("got %d (%q), want %d (ok=%v)", got, detail, tt.want, tt.ok)
			}
		})
	}
}

func TestTarGzIsReproducible(t *testing.T) {
	files := map[string][]byte{"b.json": []byte("b"), "a.json": []byte("a")}
	one, err := tarGz(files)
	if err != nil {
		t.Fatal(err)
	}
	two, err := tarGz(map[string][]byte{"a.json": []byte("a"), "b.json": []byte("b")})
	if err != nil {
		t.Fatal(err)
	}
	if string(one) != string(two) {
		t.Error("the same files archived twice give different bytes, so a package ID would change")
	}
	three, err := tarGz(map[string][]byte{"a.json": []byte("A"), "b.json": []byte("b")})
	if err != nil {
		t.Fatal(err)
	}
	if string(one) == string(three) {
		t.Error("different contents give the same archive")
	}
}
