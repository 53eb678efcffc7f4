package network

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"
)

// Joining the channel. There is no system channel: each orderer joins the
// application channel from its genesis block through its channel
// participation API (osnadmin), each peer through its admin (peer channel
// join). Both check first, so that joining again changes nothing.

// osnadmin is how osnadmin reaches orderer o's channel participation API:
// the orderer's own TLS key pair serves as the admin client certificate.
func (n *Network) osnadmin(o Node) osnadminEndpoint {
	tls := filepath.Join(n.ordererDir(o), "tls")
	return osnadminEndpoint{
		Address:    o.AdminAddr(),
		CAFile:     filepath.Join(tls, "ca.crt"),
		ClientCert: filepath.Join(tls, "server.crt"),
		ClientKey:  filepath.Join(tls, "server.key"),
	}
}

func (n *Network) joinOrderer(ctx context.Context, o Node) error {
	// Right after a start the admin endpoint may refuse connections even
	// though the health check passed: only an answer tells whether the
	// orderer has the channel, so ask until one comes.
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, err := n.run(ctx, osnadminChannelList{ChannelID: n.topo.Channel, Orderer: n.osnadmin(o)})
		if strings.Contains(out, "Status: 200") {
			return nil
		}
		if strings.Contains(out, "Status: 404") {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("list channels of %s: %v: %s", n.topo.ordererFQDN(o), err, out)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
	n.logf("joining %s to channel %s", n.topo.ordererFQDN(o), n.topo.Channel)
	out, err := n.run(ctx, osnadminChannelJoin{ChannelID: n.topo.Channel, ConfigBlock: n.blockPath(), Orderer: n.osnadmin(o)})
	if err != nil {
		return err
	}
	if !strings.Contains(out, "Status: 201") {
		return fmt.Errorf("join %s to %s: %s", n.topo.ordererFQDN(o), n.topo.Channel, out)
	}
	return nil
}

func (n *Network) joinPeer(ctx context.Context, o *PeerOrg, p Node) error {
	env := n.adminEnv(o, p)
	if _, err := n.run(ctx, peerChannelGetInfo{ChannelID: n.topo.Channel}, env...); err == nil {
		return nil
	}
	n.logf("joining %s to channel %s", n.topo.peerFQDN(o, p), n.topo.Channel)
	_, err := n.run(ctx, peerChannelJoin{BlockPath: n.blockPath()}, env...)
	return err
}
