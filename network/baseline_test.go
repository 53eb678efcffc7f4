package network

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestBaselineAddr: each organisation's baseline service sits next to its
// contract service (7999 → 8000), shifted with the topology, and never on
// an address the topology gives anything else.
func TestBaselineAddr(t *testing.T) {
	n := testNetwork(t)
	health, _ := n.topo.Org("health")
	if got, err := n.baselineAddr(health); err != nil || got != "127.0.0.1:9000" {
		t.Errorf("health's baseline: got %q, %v; want 127.0.0.1:9000", got, err)
	}
	if err := n.topo.Shift(40000); err != nil {
		t.Fatal(err)
	}
	if got, err := n.baselineAddr(health); err != nil || got != "127.0.0.1:49000" {
		t.Errorf("health's baseline at +40000: got %q, %v; want 127.0.0.1:49000", got, err)
	}
	// An API placed where the baseline would go is refused, by owner.
	health.API = "127.0.0.1:49000"
	if _, err := n.baselineAddr(health); err == nil || !strings.Contains(err.Error(), "api-health") {
		t.Errorf("baseline on the API's address: got %v, want a refusal naming api-health", err)
	}
}

// TestPackageBaseline: the package is a ccaas package whose
// connection.json names the baseline's address and the organisation's
// chaincode TLS material (mutual TLS), reproducible byte for byte.
func TestPackageBaseline(t *testing.T) {
	n := testNetwork(t)
	o, _ := n.topo.Org("market")
	if err := n.ensureChaincodeTLS(o); err != nil {
		t.Fatal(err)
	}
	path, id, err := n.packageService("baseline_0123", o, "127.0.0.1:10000")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(id, "baseline_0123:") {
		t.Errorf("package ID %q does not carry the label", id)
	}
	_, id2, err := n.packageService("baseline_0123", o, "127.0.0.1:10000")
	if err != nil || id2 != id {
		t.Errorf("the same package again: got ID %q (%v), want %q", id2, err, id)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var meta map[string]string
	if err := json.Unmarshal(untar(t, raw, "metadata.json"), &meta); err != nil || meta["type"] != "ccaas" {
		t.Fatalf("metadata.json: %v (%v)", meta, err)
	}
	conn := connectionOf(t, path)
	ca, _ := os.ReadFile(filepath.Join(n.chaincodeTLSDir(o), "ca.crt"))
	if conn.Address != "127.0.0.1:10000" || !conn.TLSRequired || !conn.ClientAuthRequired || conn.RootCert != string(ca) || conn.ClientKey == "" {
		t.Errorf("connection.json: got address %s, TLS %v/%v; want the baseline's address with the organisation's mutual TLS", conn.Address, conn.TLSRequired, conn.ClientAuthRequired)
	}
}

// TestDownStopsBaselines: Down stops the baseline services by their PID
// files, with the rest of the network.
func TestDownStopsBaselines(t *testing.T) {
	n := testNetwork(t)
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Fatalf("sleep: %v", err)
	}
	o, _ := n.topo.Org("regulator")
	name := baselineProcess(o)
	if err := n.start(context.Background(), process{name: name, bin: sleep, args: []string{"60"}}); err != nil {
		t.Fatal(err)
	}
	if got := n.baselineProcesses(); !slices.Equal(got, []string{name}) {
		t.Errorf("baseline processes: got %v, want [%s]", got, name)
	}
	if err := n.Down(); err != nil {
		t.Fatal(err)
	}
	if _, err := n.PID(name); err == nil {
		t.Errorf("%s still runs after Down", name)
	}
}
