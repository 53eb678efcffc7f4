package network

import (
	"context"
	"path/filepath"
)

// apiProcessPrefix starts the process name of every organisation's API.
const apiProcessPrefix = "api-"

func apiProcess(o *PeerOrg) string { return apiProcessPrefix + o.Name }

// startAPIs runs one grantledger API per organisation that has an address
// in the topology, each holding that organisation's identities, and waits
// until each answers /readyz (its peer answers a query).
func (n *Network) startAPIs(ctx context.Context) error {
	bin := n.builtBin("grantledger-api")
	if err := n.build(ctx, "the API", goBuild{Output: bin, Package: "./cmd/grantledger-api"}); err != nil {
		return err
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
		tokens := apiTokens{Bin: bin, Profile: n.ProfilePath(), Org: o.MSPID, Hashed: hashed, Plain: plain}
		if _, err := n.run(ctx, tokens); err != nil {
			return err
		}
		err = n.start(ctx, process{
			name: apiProcess(o),
			bin:  bin,
			// One deadline scheduler is enough, the authority's: the
			// contract decides whether an expiry or a notice is due, so
			// another organisation's scheduler would only submit the same
			// transactions again and see them refused; every member may
			// still run its own (-scheduler-interval).
			args: apiServe{Profile: n.ProfilePath(), Org: o.MSPID, Listen: o.API,
				Tokens: hashed, IdempotencyFile: filepath.Join(dir, "idempotency.db"), Scheduler: o.Role == "authority",
				AnchorURL: anchorURL(o)}.Args(),
			ready: "http://" + o.API + "/readyz",
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// anchorURL is the base URL of an organisation's anchoring service, which
// reads the same token file as its API (network/anchor.go), so that the
// API may ask it with its caller's token; "" when it runs none.
func anchorURL(o *PeerOrg) string {
	if o.Anchor == "" {
		return ""
	}
	return "http://" + o.Anchor
}
