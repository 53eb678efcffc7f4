package network

import (
	"context"
	"slices"
	"strings"
	"testing"
)

func TestAnchorTopology(t *testing.T) {
	platform := func(topo *Topology) *PeerOrg {
		o, ok := topo.Org("PlatformMSP")
		if !ok {
			t.Fatal("the default topology has no PlatformMSP")
		}
		return o
	}
	if got := platform(defaultTopology(t)).Anchor; got != "127.0.0.1:8110" {
		t.Fatalf("the default topology's anchoring service: got %q, want 127.0.0.1:8110", got)
	}
	tests := []struct {
		name   string
		change func(*Topology)
		want   string // part of the error; empty: valid
	}{
		{"none at all", func(topo *Topology) { platform(topo).Anchor = "" }, ""},
		{"not a platform", func(topo *Topology) { topo.Orgs[3].Anchor = "127.0.0.1:8111" }, "orgs[3].anchor: the anchoring service submits receipts for every grant"},
		{"no port", func(topo *Topology) { platform(topo).Anchor = "127.0.0.1" }, "orgs[4].anchor"},
		{"on the API's address", func(topo *Topology) { p := platform(topo); p.Anchor = p.API }, "orgs[4].anchor: address 127.0.0.1:8105 is also used by orgs[4].api"},
		{"on a peer", func(topo *Topology) { platform(topo).Anchor = topo.Orgs[0].Peers[0].Addr() }, "also used by orgs[0].peers[0]"},
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
	topo := defaultTopology(t)
	if err := topo.Shift(35000); err != nil {
		t.Fatal(err)
	}
	if got := platform(topo).Anchor; got != "127.0.0.1:43110" {
		t.Errorf("anchor after a shift of 35000: got %s, want 127.0.0.1:43110", got)
	}
}

func TestAnchorServeArgs(t *testing.T) {
	got := anchorServe{Profile: "/s/network.json", Org: "PlatformMSP", User: "User1", Listen: "127.0.0.1:8110",
		Tokens: "/s/api/platform/tokens.json", Store: "/s/anchor/platform/anchor.db"}.Args()
	want := []string{"-profile", "/s/network.json", "-org", "PlatformMSP", "-user", "User1", "-listen", "127.0.0.1:8110",
		"-tokens", "/s/api/platform/tokens.json", "-store", "/s/anchor/platform/anchor.db"}
	if !slices.Equal(got, want) {
		t.Errorf("glanchor arguments:\ngot  %q\nwant %q", got, want)
	}
}

// TestAnchorProcess: the platform's anchoring service is one of the
// network's processes: started by up, listed by status, stopped by down
// with the APIs, before the nodes it talks to.
func TestAnchorProcess(t *testing.T) {
	n := testNetwork(t)
	names := n.processNames()
	if !slices.Contains(names, "anchor-platform") {
		t.Fatalf("process names %v lack anchor-platform", names)
	}
	if got := n.anchorProcessNames(true); !slices.Equal(got, []string{"anchor-platform"}) {
		t.Errorf("local anchoring services: got %v, want [anchor-platform]", got)
	}
	var listed []string
	for _, s := range n.Status(context.Background()) {
		listed = append(listed, s.Name)
	}
	if !slices.Contains(listed, "anchor-platform") {
		t.Errorf("status lists %v, without anchor-platform", listed)
	}
	if stopRank("anchor-platform") != stopRank("api-platform") || stopRank("anchor-platform") >= stopRank("peer0.platform.grantledger.local") {
		t.Errorf("stop rank of the anchoring service: got %d, want the APIs' (%d), before the peers' (%d)",
			stopRank("anchor-platform"), stopRank("api-platform"), stopRank("peer0.platform.grantledger.local"))
	}
	if got, want := n.AnchorDir("platform"), n.cfg.State+"/anchor/platform"; got != want {
		t.Errorf("anchor dir: got %s, want %s", got, want)
	}
	if err := n.StartAnchor(context.Background(), "health"); err == nil || !strings.Contains(err.Error(), "no anchoring service") {
		t.Errorf("start the anchoring service of an organisation without one: got %v", err)
	}
}
