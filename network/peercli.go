package network

import "path/filepath"

// What the peer CLI is given when the network drives it: it acts as an
// organisation's admin on one of its peers, and reaches the orderers and
// the other organisations' peers over TLS. The commands themselves are in
// commands.go.

// adminEnv is the environment of the peer CLI acting as org's admin on its peer.
func (n *Network) adminEnv(o *PeerOrg, p Node) []string {
	return []string{
		"FABRIC_CFG_PATH=" + filepath.Join(n.configDir(), "peer"),
		"FABRIC_LOGGING_SPEC=WARNING",
		"CORE_PEER_LOCALMSPID=" + o.MSPID,
		"CORE_PEER_MSPCONFIGPATH=" + filepath.Join(n.userDir(o, "Admin"), "msp"),
		"CORE_PEER_ADDRESS=" + p.Addr(),
		"CORE_PEER_TLS_ENABLED=true",
		"CORE_PEER_TLS_ROOTCERT_FILE=" + n.peerTLSCA(o, p),
	}
}

// orderer is the orderer the peer CLI sends transactions to: the first
// one that runs here, or the topology's first when none does (it may run
// on another host). It is chosen anew for each command, since orderers
// may be stopped and started between them.
func (n *Network) orderer() ordererEndpoint {
	addr := n.topo.OrdererOrg.Nodes[0].Addr()
	for _, o := range n.topo.OrdererOrg.Nodes {
		if _, ok := n.pid(n.topo.ordererFQDN(o)); ok {
			addr = o.Addr()
			break
		}
	}
	return ordererEndpoint{Address: addr, CAFile: n.ordererTLSCA()}
}

// endorsers are the first peer of every organisation, so that any
// endorsement policy over the organisations can be met.
func (n *Network) endorsers() []peerEndpoint {
	var peers []peerEndpoint
	for i := range n.topo.Orgs {
		o := &n.topo.Orgs[i]
		p := o.Peers[0]
		peers = append(peers, peerEndpoint{Address: p.Addr(), TLSRootCert: n.peerTLSCA(o, p)})
	}
	return peers
}
