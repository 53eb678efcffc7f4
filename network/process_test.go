package network

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func testNetwork(t *testing.T) *Network {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	n, err := New(Config{Root: root, State: t.TempDir(), Topology: filepath.Join(root, "test-network", "topology.json")})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestStartStopByPID runs a real process through start and stop: the PID
// file names it, stop ends exactly it, and a PID file whose program is
// another one is not taken for it.
func TestStartStopByPID(t *testing.T) {
	n := testNetwork(t)
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Fatalf("sleep: %v", err)
	}
	ctx := context.Background()
	if err := n.start(ctx, process{name: "sleeper", bin: sleep, args: []string{"60"}}); err != nil {
		t.Fatal(err)
	}
	// The child's command line is the parent's until it has called exec,
	// which may be a moment after Start returns on a loaded machine.
	pid, err := n.PID("sleeper")
	for deadline := time.Now().Add(5 * time.Second); err != nil && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
		pid, err = n.PID("sleeper")
	}
	if err != nil {
		t.Fatalf("PID after start: %v", err)
	}
	if !alive(pid, sleep) {
		t.Fatalf("pid %d is not running %s", pid, sleep)
	}
	if err := n.Stop("sleeper"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for alive(pid, "") && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if alive(pid, "") {
		t.Fatalf("pid %d still runs after stop", pid)
	}
	if _, err := n.PID("sleeper"); !errors.Is(err, ErrNotRunning) {
		t.Errorf("PID after stop: got %v, want ErrNotRunning", err)
	}

	// A PID file naming this test's own PID but another program.
	self := []byte(strconv.Itoa(os.Getpid()) + "\n/usr/bin/orderer\n")
	if err := os.WriteFile(n.pidFile("impostor"), self, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := n.PID("impostor"); !errors.Is(err, ErrNotRunning) {
		t.Errorf("a recycled PID running another program: got %v, want ErrNotRunning", err)
	}
}

func TestStartReportsEarlyExit(t *testing.T) {
	n := testNetwork(t)
	f, err := exec.LookPath("false")
	if err != nil {
		t.Fatalf("false: %v", err)
	}
	err = n.start(context.Background(), process{name: "quitter", bin: f, ready: "tcp://127.0.0.1:1"})
	if err == nil || !strings.Contains(err.Error(), "exited before it was ready") {
		t.Fatalf("got %v, want an error saying it exited before it was ready", err)
	}
}
