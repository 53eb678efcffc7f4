package network

import (
	"fmt"
	"path/filepath"
)

// Where the network keeps things. Everything it generates lives under
// Config.State, so that `clean` is one removal; the builders and the
// chaincode source are read from Config.Root, Fabric's commands from
// Config.FabricBin. Crypto material follows cryptogen's layout.

func (n *Network) cryptoDir() string { return filepath.Join(n.cfg.State, "crypto") }
func (n *Network) configDir() string { return filepath.Join(n.cfg.State, "config") }
func (n *Network) runDir() string    { return filepath.Join(n.cfg.State, "run") }
func (n *Network) nodesDir() string  { return filepath.Join(n.cfg.State, "nodes") }
func (n *Network) blockPath() string {
	return filepath.Join(n.cfg.State, "channel", n.topo.Channel+".block")
}

// LogDir is the one directory where every process of the network logs.
func (n *Network) LogDir() string { return filepath.Join(n.cfg.State, "logs") }

// LogFile is where a process of the network writes its output.
func (n *Network) LogFile(name string) string { return filepath.Join(n.LogDir(), name+".log") }

// pidFile records a running process's PID and program (see start).
func (n *Network) pidFile(name string) string { return filepath.Join(n.runDir(), name+".pid") }

// ProfilePath is the connection profile that client/ and api/ load.
func (n *Network) ProfilePath() string { return filepath.Join(n.cfg.State, "network.json") }

// APIDir is where an organisation's API keeps its files: tokens.json (the
// hashed bearer tokens it accepts), tokens.env (the tokens themselves, one
// USER=token line per identity, for local tools and the demo) and its
// idempotency store.
func (n *Network) APIDir(org string) string { return filepath.Join(n.cfg.State, "api", org) }

// builtBin is where the network puts a program it builds from the tree.
func (n *Network) builtBin(name string) string { return filepath.Join(n.cfg.State, "bin", name) }

// bin is a Fabric command.
func (n *Network) bin(name string) string { return filepath.Join(n.cfg.FabricBin, name) }

func (n *Network) builderDir() string {
	return filepath.Join(n.cfg.Root, "network", "builders", "ccaas")
}

func (n *Network) ordererOrgDir() string {
	return filepath.Join(n.cryptoDir(), "ordererOrganizations", n.topo.ordererDomain())
}

func (n *Network) ordererDir(o Node) string {
	return filepath.Join(n.ordererOrgDir(), "orderers", n.topo.ordererFQDN(o))
}

func (n *Network) ordererTLSCA() string {
	return filepath.Join(n.ordererOrgDir(), "tlsca", "tlsca."+n.topo.ordererDomain()+"-cert.pem")
}

func (n *Network) orgDir(o *PeerOrg) string {
	return filepath.Join(n.cryptoDir(), "peerOrganizations", n.topo.orgDomain(o))
}

func (n *Network) peerDir(o *PeerOrg, p Node) string {
	return filepath.Join(n.orgDir(o), "peers", n.topo.peerFQDN(o, p))
}

// peerTLSCA is the CA certificate that clients of a peer trust.
func (n *Network) peerTLSCA(o *PeerOrg, p Node) string {
	return filepath.Join(n.peerDir(o, p), "tls", "ca.crt")
}

func (n *Network) userDir(o *PeerOrg, user string) string {
	return filepath.Join(n.orgDir(o), "users", user+"@"+n.topo.orgDomain(o))
}

// chaincodeTLSDir holds an organisation's chaincode TLS material: the CA
// of the link between its peers and its chaincode service (ca.crt), the
// service's key pair (server.*) and its peers' client key pair (client.*).
func (n *Network) chaincodeTLSDir(o *PeerOrg) string {
	return filepath.Join(n.cryptoDir(), "chaincode", o.Name)
}

// collectionsPath is the private data collections config of the chaincode
// definition.
func (n *Network) collectionsPath() string {
	return filepath.Join(n.configDir(), "collections.json")
}

// PeerDir is where a peer (by organisation and peer name, as in the
// topology) keeps its ledger: blocks, state and private data.
func (n *Network) PeerDir(org, peer string) (string, error) {
	for _, o := range n.topo.Orgs {
		if o.Name != org && o.MSPID != org {
			continue
		}
		for _, p := range o.Peers {
			if p.Name == peer {
				return filepath.Join(n.nodesDir(), n.topo.peerFQDN(&o, p)), nil
			}
		}
	}
	return "", fmt.Errorf("no peer %s of organisation %s in the topology", peer, org)
}
