//go:build e2e

package e2e

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/grantledger/grantledger/network"
)

// The network's processes and their faults: every organisation's gateway
// answers; the network commits with an orderer killed or a peer stopped,
// which catch up once restarted; and it goes down leaving nothing running
// and comes up again on the same crypto material and ledgers.
//
// These tests kill, stop and restart the network's processes, so they run
// after every other test but the operator's exit (withdrawal_test.go):
// go test runs the tests of a package in the order of their files' names.
// Each leaves the network whole again.

// TestGatewayAnswersForEveryOrg queries the contract through the Fabric
// Gateway of each organisation's own peer, as each organisation's user.
func TestGatewayAnswersForEveryOrg(t *testing.T) {
	for _, org := range shared.profile.Orgs {
		t.Run(org.Name, func(t *testing.T) {
			c := connect(t, org.MSPID, "User1")
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			cfg, err := c.GetConfig(ctx)
			if err != nil {
				t.Fatalf("GetConfig through %s: %v", org.Peer.Address, err)
			}
			if got, want := cfg.AuthorityMSP, "AuthorityMSP"; got != want {
				t.Errorf("authority: got %s, want %s", got, want)
			}
		})
	}
}

// submitBootstrap commits one transaction (the authority's idempotent
// bootstrap) and returns the error of the submission.
func submitBootstrap(t *testing.T) error {
	t.Helper()
	c := connect(t, "AuthorityMSP", "Admin")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	return c.Bootstrap(ctx, "AuthorityMSP")
}

// TestOrdererDownTransactionsCommit kills one of the three Raft orderers:
// the other two keep a quorum, so transactions still commit; the killed one
// catches up once restarted.
func TestOrdererDownTransactionsCommit(t *testing.T) {
	victim := shared.net.Topology().OrdererOrg.Nodes[0]
	name := victim.Name + ".orderer." + shared.net.Topology().Domain
	pid, err := shared.net.PID(name)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatalf("kill %s (pid %d): %v", name, pid, err)
	}
	eventually(t, 10*time.Second, name+" exits", func() error {
		if _, err := shared.net.PID(name); !errors.Is(err, network.ErrNotRunning) {
			return fmt.Errorf("still running")
		}
		return nil
	})
	t.Cleanup(func() {
		if err := shared.net.StartOrderer(context.Background(), victim.Name); err != nil {
			t.Errorf("restart %s: %v", name, err)
		}
	})
	before := peerHeight(t, "authority", "peer0")
	for i := 0; i < 3; i++ {
		if err := submitBootstrap(t); err != nil {
			t.Fatalf("transaction %d with %s down: %v", i, name, err)
		}
	}
	if after := peerHeight(t, "authority", "peer0"); after < before+3 {
		t.Errorf("height after 3 transactions with an orderer down: got %d, want at least %d", after, before+3)
	}
}

// TestPeerRestartCatchesUp stops a provider's peer, commits transactions
// without it (a majority of organisations still endorses), starts it again
// and waits for it to reach the others' height.
func TestPeerRestartCatchesUp(t *testing.T) {
	name := "peer0.health." + shared.net.Topology().Domain
	if err := shared.net.Stop(name); err != nil {
		t.Fatal(err)
	}
	restarted := false
	t.Cleanup(func() {
		if !restarted {
			_ = shared.net.StartPeer(context.Background(), "health", "peer0")
		}
	})
	for i := 0; i < 3; i++ {
		if err := submitBootstrap(t); err != nil {
			t.Fatalf("transaction %d with %s down: %v", i, name, err)
		}
	}
	target := peerHeight(t, "authority", "peer0")
	if err := shared.net.StartPeer(context.Background(), "health", "peer0"); err != nil {
		t.Fatal(err)
	}
	restarted = true
	eventually(t, 60*time.Second, name+" catches up to height "+fmt.Sprint(target), func() error {
		// Right after a start the peer may not accept connections yet:
		// an error is a reason to ask again, not a failure.
		h, err := shared.net.PeerHeight(t.Context(), "health", "peer0")
		if err != nil {
			return err
		}
		if h < target {
			return fmt.Errorf("height %d", h)
		}
		return nil
	})
}

// TestDownLeavesNothingAndUpReusesState stops the whole network, checks
// that none of its processes survive, and brings it up again on the same
// crypto material and ledgers.
func TestDownLeavesNothingAndUpReusesState(t *testing.T) {
	st := shared.net.Status(context.Background())
	var pids []int
	for _, s := range st {
		if s.Running {
			pids = append(pids, s.PID)
		}
	}
	if len(pids) < 10 {
		t.Fatalf("running processes before down: got %d, want at least 10 (3 orderers, 6 peers, chaincode)", len(pids))
	}
	before := peerHeight(t, "authority", "peer0")
	cert := filepath.Join(filepath.Dir(shared.profile.Orgs[0].Peer.TLSRootCert), "server.crt")
	certBefore, err := os.ReadFile(cert)
	if err != nil {
		t.Fatal(err)
	}
	if err := shared.net.Down(); err != nil {
		t.Fatalf("down: %v", err)
	}
	for _, pid := range pids {
		if processRuns(pid) {
			t.Errorf("pid %d still running after down", pid)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := shared.net.Up(ctx); err != nil {
		t.Fatalf("up again: %v", err)
	}
	certAfter, err := os.ReadFile(cert)
	if err != nil {
		t.Fatal(err)
	}
	if string(certAfter) != string(certBefore) {
		t.Error("up after down generated new crypto material instead of reusing it")
	}
	if after := peerHeight(t, "authority", "peer0"); after < before {
		t.Errorf("height after down/up: got %d, want at least %d (ledger reused)", after, before)
	}
	TestGatewayAnswersForEveryOrg(t)
}

// processRuns reports whether pid is a process that has not exited: a
// zombie (exited, not yet reaped by whichever process adopted it) does not run.
func processRuns(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	i := strings.LastIndexByte(string(stat), ')')
	return i > 0 && i+2 < len(stat) && stat[i+2] != 'Z'
}
