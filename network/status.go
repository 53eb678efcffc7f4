package network

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// NodeStatus is one process as Status reports it.
type NodeStatus struct {
	Name    string `json:"name"`
	PID     int    `json:"pid,omitempty"`
	Running bool   `json:"running"`
	// Height is the channel's block height at the node, for orderers and
	// peers that answer.
	Height uint64 `json:"height,omitempty"`
	Detail string `json:"detail,omitempty"`
}

// Status lists every process of the network with its block height.
func (n *Network) Status(ctx context.Context) []NodeStatus {
	var out []NodeStatus
	for _, o := range n.topo.OrdererOrg.Nodes {
		s := n.status(n.topo.ordererFQDN(o))
		if s.Running {
			s.Height, s.Detail = n.ordererHeight(ctx, o)
		}
		out = append(out, s)
	}
	for o, p := range n.topo.peers() {
		s := n.status(n.topo.peerFQDN(o, p))
		if s.Running {
			h, err := n.PeerHeight(ctx, o.Name, p.Name)
			if err != nil {
				s.Detail = err.Error()
			}
			s.Height = h
		}
		out = append(out, s)
	}
	for _, name := range n.processNames() {
		if strings.HasPrefix(name, chaincodeProcessPrefix) || strings.HasPrefix(name, apiProcessPrefix) || strings.HasPrefix(name, anchorProcessPrefix) {
			out = append(out, n.status(name))
		}
	}
	if s := n.status(legacyChaincodeProcess); s.Running {
		s.Detail = "the shared chaincode service of an earlier version: deploy replaces it"
		out = append(out, s)
	}
	return out
}

func (n *Network) status(name string) NodeStatus {
	pid, ok := n.pid(name)
	return NodeStatus{Name: name, PID: pid, Running: ok}
}

func (n *Network) ordererHeight(ctx context.Context, o Node) (uint64, string) {
	out, err := n.run(ctx, osnadminChannelList{ChannelID: n.topo.Channel, Orderer: n.osnadmin(o)})
	if err != nil {
		return 0, "channel not joined"
	}
	return parseHeight(out)
}

// PeerHeight is the channel's block height at a peer.
func (n *Network) PeerHeight(ctx context.Context, org, peer string) (uint64, error) {
	o, ok := n.topo.Org(org)
	if !ok {
		return 0, fmt.Errorf("no organisation %q", org)
	}
	for _, p := range o.Peers {
		if p.Name != peer {
			continue
		}
		out, err := n.run(ctx, peerChannelGetInfo{ChannelID: n.topo.Channel}, n.adminEnv(o, p)...)
		if err != nil {
			return 0, err
		}
		h, detail := parseHeight(out)
		if detail != "" {
			return 0, errors.New(detail)
		}
		return h, nil
	}
	return 0, fmt.Errorf("no peer %q in %s", peer, org)
}

// parseHeight finds `"height":N` in the JSON that osnadmin and the peer
// CLI print.
func parseHeight(out string) (uint64, string) {
	i := strings.Index(out, `"height":`)
	if i < 0 {
		return 0, "no height in: " + strings.TrimSpace(out)
	}
	rest := strings.TrimLeft(out[i+len(`"height":`):], " ")
	end := strings.IndexFunc(rest, func(r rune) bool { return r < '0' || r > '9' })
	if end < 0 {
		end = len(rest)
	}
	h, err := strconv.ParseUint(rest[:end], 10, 64)
	if err != nil {
		return 0, "malformed height in: " + strings.TrimSpace(out)
	}
	return h, ""
}
