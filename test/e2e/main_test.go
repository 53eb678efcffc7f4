//go:build e2e

// Package e2e holds the end-to-end tests: they drive a real grantledger
// network that scripts/test.sh brings up (and takes down) around them. They
// fail, not skip, when that network is missing.
package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/grantledger/grantledger/client"
	"github.com/grantledger/grantledger/network"
)

// env is what every test shares: the network under test and its profile.
type env struct {
	net     *network.Network
	profile *client.Profile
}

var shared *env

func TestMain(m *testing.M) {
	e, err := setup()
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		os.Exit(1)
	}
	shared = e
	os.Exit(m.Run())
}

func setup() (*env, error) {
	need := func(name string) (string, error) {
		v := os.Getenv(name)
		if v == "" {
			return "", fmt.Errorf("%s is not set: run the end-to-end tests through scripts/test.sh e2e", name)
		}
		return v, nil
	}
	root, err := need("GRANTLEDGER_ROOT")
	if err != nil {
		return nil, err
	}
	fabric, err := need("GRANTLEDGER_FABRIC")
	if err != nil {
		return nil, err
	}
	state, err := need("GLNET_STATE")
	if err != nil {
		return nil, err
	}
	offset, _ := strconv.Atoi(os.Getenv("GLNET_PORT_OFFSET"))
	topology := os.Getenv("GLNET_TOPOLOGY")
	if topology == "" {
		topology = filepath.Join(root, "test-network", "topology.json")
	}
	n, err := network.New(network.Config{
		Root:         root,
		State:        state,
		Topology:     topology,
		FabricBin:    filepath.Join(fabric, "bin"),
		FabricConfig: filepath.Join(fabric, "config"),
		PortOffset:   offset,
		Out:          os.Stderr,
	})
	if err != nil {
		return nil, err
	}
	p, err := client.LoadProfile(n.ProfilePath())
	if err != nil {
		return nil, fmt.Errorf("the network under test has no profile (is it up?): %w", err)
	}
	return &env{net: n, profile: p}, nil
}

// connect opens a gateway connection for org's user and closes it with the test.
func connect(t *testing.T, org, user string) *client.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := client.Connect(ctx, shared.profile, org, user)
	if err != nil {
		t.Fatalf("connect %s/%s: %v", org, user, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// eventually polls cond until it holds or the timeout passes.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: still not true after %s: %v", what, timeout, err)
		}
		time.Sleep(250 * time.Millisecond)
	}
}
