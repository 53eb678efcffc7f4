package network

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
)

// The anchoring service (cmd/glanchor, package anchor): one per
// organisation that has an anchor address in the topology, which only a
// platform organisation may have. It authenticates with the organisation's
// API token file, submits as the organisation's User1 and keeps its log in
// AnchorDir.

// anchorProcessPrefix starts the process name of every anchoring service.
const anchorProcessPrefix = "anchor-"

func anchorProcess(o *PeerOrg) string { return anchorProcessPrefix + o.Name }

// anchorUser is the identity the anchoring service submits batches as.
const anchorUser = "User1"

// validateAnchor checks an organisation's anchor address: host:port, not
// used by anything else, and only on a platform organisation, whose
// receipts the contract accepts for any grant.
func (o *PeerOrg) validateAnchor(owner string, claim func(owner, host string, ports ...int) error) error {
	if o.Anchor == "" {
		return nil
	}
	if o.Role != "platform" {
		return fmt.Errorf("%s.anchor: the anchoring service submits receipts for every grant, which only a platform organisation may; %s is %s", owner, o.MSPID, o.Role)
	}
	host, port, err := splitHostPort(o.Anchor)
	if err != nil {
		return fmt.Errorf("%s.anchor: %w", owner, err)
	}
	return claim(owner+".anchor", host, port)
}

// AnchorDir is where an organisation's anchoring service keeps its log
// (anchor.db, a bbolt file).
func (n *Network) AnchorDir(org string) string { return filepath.Join(n.cfg.State, "anchor", org) }

// anchorOrgs are the organisations with an anchoring service.
func (n *Network) anchorOrgs() []*PeerOrg {
	var out []*PeerOrg
	for i := range n.topo.Orgs {
		if n.topo.Orgs[i].Anchor != "" {
			out = append(out, &n.topo.Orgs[i])
		}
	}
	return out
}

// anchorProcessNames lists the anchoring services the topology defines;
// local ones only when local is set.
func (n *Network) anchorProcessNames(local bool) []string {
	var names []string
	for _, o := range n.anchorOrgs() {
		if host, _, err := splitHostPort(o.Anchor); local && (err != nil || !isLocal(host)) {
			continue
		}
		names = append(names, anchorProcess(o))
	}
	return names
}

// startAnchors builds glanchor and starts the anchoring service of every
// organisation that has one on this host, after the APIs (whose token
// files it shares), and waits until each answers /readyz.
func (n *Network) startAnchors(ctx context.Context) error {
	orgs := n.anchorOrgs()
	if len(orgs) == 0 {
		return nil
	}
	if err := n.build(ctx, "the anchoring service", goBuild{Output: n.builtBin("glanchor"), Package: "./cmd/glanchor"}); err != nil {
		return err
	}
	for _, o := range orgs {
		host, _, err := splitHostPort(o.Anchor)
		if err != nil {
			return err
		}
		if !isLocal(host) {
			n.logf("the anchoring service of %s lives on %s: start it there", o.MSPID, host)
			continue
		}
		if err := n.startAnchor(ctx, o); err != nil {
			return err
		}
	}
	return nil
}

// StartAnchor starts an organisation's anchoring service (by its name or
// MSP ID) on the log it already has, and waits until it is ready; the
// end-to-end tests restart it after killing it. settings are more glanchor
// flags, after the topology's (a test shortening the retention); started
// again without them, the service is as the topology has it.
func (n *Network) StartAnchor(ctx context.Context, org string, settings ...string) error {
	o, ok := n.topo.Org(org)
	if !ok || o.Anchor == "" {
		return fmt.Errorf("the topology has no anchoring service of %q", org)
	}
	return n.startAnchor(ctx, o, settings...)
}

func (n *Network) startAnchor(ctx context.Context, o *PeerOrg, settings ...string) error {
	dir := n.AnchorDir(o.Name)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("start the anchoring service of %s: %w", o.MSPID, err)
	}
	// The tokens are the organisation's API tokens, issued once: the
	// trusted environment holds one of its organisation's tokens either way.
	hashed := filepath.Join(n.APIDir(o.Name), "tokens.json")
	tokens := apiTokens{Bin: n.builtBin("grantledger-api"), Profile: n.ProfilePath(), Org: o.MSPID, Hashed: hashed, Plain: filepath.Join(n.APIDir(o.Name), "tokens.env")}
	if _, err := os.Stat(hashed); err != nil {
		if err := n.build(ctx, "the API", goBuild{Output: tokens.Bin, Package: "./cmd/grantledger-api"}); err != nil {
			return err
		}
		if _, err := n.run(ctx, tokens); err != nil {
			return err
		}
	}
	return n.start(ctx, process{
		name: anchorProcess(o),
		bin:  n.builtBin("glanchor"),
		args: append(anchorServe{Profile: n.ProfilePath(), Org: o.MSPID, User: anchorUser, Listen: o.Anchor,
			Tokens: hashed, Store: filepath.Join(dir, "anchor.db")}.Args(), settings...),
		ready: "http://" + o.Anchor + "/readyz",
	})
}

// anchorServe is glanchor, the arguments of an organisation's anchoring
// service; the batch settings keep glanchor's defaults.
type anchorServe struct {
	Profile, Org, User, Listen, Tokens, Store string
}

func (c anchorServe) Args() []string {
	return []string{"-profile", c.Profile, "-org", c.Org, "-user", c.User, "-listen", c.Listen, "-tokens", c.Tokens, "-store", c.Store}
}
