//go:build e2e

// Package e2e holds the end-to-end tests: they drive a real grantledger
// network that scripts/test.sh brings up (and takes down) around them. They
// fail, not skip, when that network is missing.
package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"

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
