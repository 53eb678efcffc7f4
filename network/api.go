package network

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
)

// APIDir is where an organisation's API keeps its files: tokens.json (the
// hashed bearer tokens it accepts), tokens.env (the tokens themselves, one
// USER=token line per identity, for local tools and the demo) and its
// idempotency store.
func (n *Network) APIDir(org string) string { return filepath.Join(n.cfg.State, "api", org) }

// startAPIs runs one grantledger API per organisation that has an address
// in the topology, each holding that organisation's identities, and waits
// until each answers /readyz (its peer answers a query).
func (n *Network) startAPIs(ctx context.Context) error {
	bin := filepath.Join(n.cfg.State, "bin", "grantledger-api")
	build := exec.CommandContext(ctx, "go", "build", "-trimpath", "-buildvcs=false", "-o", bin, "./cmd/grantledger-api")
	build.Dir = n.cfg.Root
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("build the API: %w: %s", err, out)
	}
	for i := range n.topo.Orgs {
		o := &n.topo.Orgs[i]
		if o.API == "" {
			continue
		}
		host, _, err := splitHostPort(o.API)
		if err != nil {
			return err
		}
		if !isLocal(host) {
			n.logf("the API of %s lives on %s: start it there", o.MSPID, host)
			continue
		}
		dir := n.APIDir(o.Name)
		hashed, plain := filepath.Join(dir, "tokens.json"), filepath.Join(dir, "tokens.env")
		// Issues tokens once; later runs keep the ones already handed out.
		if _, err := n.run(ctx, nil, bin, "tokens", "-profile", n.ProfilePath(), "-org", o.MSPID, "-hashed", hashed, "-plain", plain); err != nil {
			return err
		}
		err = n.start(ctx, process{
			name: apiProcess(o),
			bin:  bin,
			args: []string{"serve", "-profile", n.ProfilePath(), "-org", o.MSPID, "-listen", o.API,
				"-tokens", hashed, "-idempotency-file", filepath.Join(dir, "idempotency.jsonl")},
			ready: "http://" + o.API + "/readyz",
		})
		if err != nil {
			return err
		}
	}
	return nil
}
