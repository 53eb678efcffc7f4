package network

import (
	"path/filepath"
	"strconv"
)

// The orderer and peer processes. Everything node-specific is set through
// the environment, over Fabric's sample orderer.yaml and the generated
// core.yaml (generate.go), so one configuration file serves every node.

// ordererProcess is an orderer of the channel: no system channel (it joins
// through the channel participation API) and TLS on every listener, the
// admin one requiring client certificates.
func (n *Network) ordererProcess(o Node) process {
	dir := n.ordererDir(o)
	tls := filepath.Join(dir, "tls")
	data := filepath.Join(n.nodesDir(), n.topo.ordererFQDN(o))
	return process{
		name: n.topo.ordererFQDN(o),
		bin:  n.bin("orderer"),
		env: []string{
			"FABRIC_CFG_PATH=" + n.cfg.FabricConfig,
			"FABRIC_LOGGING_SPEC=INFO",
			"ORDERER_GENERAL_LISTENADDRESS=" + o.Host,
			"ORDERER_GENERAL_LISTENPORT=" + strconv.Itoa(o.Port),
			"ORDERER_GENERAL_LOCALMSPID=" + n.topo.OrdererOrg.MSPID,
			"ORDERER_GENERAL_LOCALMSPDIR=" + filepath.Join(dir, "msp"),
			"ORDERER_GENERAL_BOOTSTRAPMETHOD=none",
			"ORDERER_GENERAL_TLS_ENABLED=true",
			"ORDERER_GENERAL_TLS_PRIVATEKEY=" + filepath.Join(tls, "server.key"),
			"ORDERER_GENERAL_TLS_CERTIFICATE=" + filepath.Join(tls, "server.crt"),
			"ORDERER_GENERAL_TLS_ROOTCAS=[" + filepath.Join(tls, "ca.crt") + "]",
			"ORDERER_GENERAL_CLUSTER_CLIENTCERTIFICATE=" + filepath.Join(tls, "server.crt"),
			"ORDERER_GENERAL_CLUSTER_CLIENTPRIVATEKEY=" + filepath.Join(tls, "server.key"),
			"ORDERER_GENERAL_CLUSTER_ROOTCAS=[" + filepath.Join(tls, "ca.crt") + "]",
			"ORDERER_CHANNELPARTICIPATION_ENABLED=true",
			"ORDERER_ADMIN_LISTENADDRESS=" + o.AdminAddr(),
			"ORDERER_ADMIN_TLS_ENABLED=true",
			"ORDERER_ADMIN_TLS_PRIVATEKEY=" + filepath.Join(tls, "server.key"),
			"ORDERER_ADMIN_TLS_CERTIFICATE=" + filepath.Join(tls, "server.crt"),
			"ORDERER_ADMIN_TLS_ROOTCAS=[" + filepath.Join(tls, "ca.crt") + "]",
			"ORDERER_ADMIN_TLS_CLIENTAUTHREQUIRED=true",
			"ORDERER_ADMIN_TLS_CLIENTROOTCAS=[" + filepath.Join(tls, "ca.crt") + "]",
			"ORDERER_OPERATIONS_LISTENADDRESS=" + o.OperationsAddr(),
			"ORDERER_METRICS_PROVIDER=prometheus",
			"ORDERER_FILELEDGER_LOCATION=" + filepath.Join(data, "ledger"),
			"ORDERER_CONSENSUS_WALDIR=" + filepath.Join(data, "etcdraft", "wal"),
			"ORDERER_CONSENSUS_SNAPDIR=" + filepath.Join(data, "etcdraft", "snapshot"),
		},
		ready: "http://" + o.OperationsAddr() + "/healthz",
	}
}

// peerProcess is a peer of org, with its own ledger directory under nodesDir.
func (n *Network) peerProcess(o *PeerOrg, p Node) process {
	dir := n.peerDir(o, p)
	tls := filepath.Join(dir, "tls")
	fqdn := n.topo.peerFQDN(o, p)
	data := filepath.Join(n.nodesDir(), fqdn)
	cc := p.Host + ":" + strconv.Itoa(p.ChaincodePort)
	return process{
		name: fqdn,
		bin:  n.bin("peer"),
		args: []string{"node", "start"},
		env: []string{
			"FABRIC_CFG_PATH=" + filepath.Join(n.configDir(), "peer"),
			"FABRIC_LOGGING_SPEC=INFO",
			"CORE_PEER_ID=" + fqdn,
			"CORE_PEER_ADDRESS=" + p.Addr(),
			"CORE_PEER_LISTENADDRESS=" + p.Addr(),
			"CORE_PEER_CHAINCODEADDRESS=" + cc,
			"CORE_PEER_CHAINCODELISTENADDRESS=" + cc,
			"CORE_PEER_GOSSIP_BOOTSTRAP=" + p.Addr(),
			"CORE_PEER_GOSSIP_EXTERNALENDPOINT=" + p.Addr(),
			// Peers first meet before they have joined the channel, and the
			// sample's 25 s reconnect interval then delays discovery (which
			// the Gateway needs to find endorsers) by as much; a dead peer
			// also leaves the membership view sooner.
			"CORE_PEER_GOSSIP_RECONNECTINTERVAL=2s",
			"CORE_PEER_GOSSIP_ALIVETIMEINTERVAL=2s",
			"CORE_PEER_GOSSIP_ALIVEEXPIRATIONTIMEOUT=10s",
			"CORE_PEER_LOCALMSPID=" + o.MSPID,
			"CORE_PEER_MSPCONFIGPATH=" + filepath.Join(dir, "msp"),
			"CORE_PEER_TLS_ENABLED=true",
			"CORE_PEER_TLS_CERT_FILE=" + filepath.Join(tls, "server.crt"),
			"CORE_PEER_TLS_KEY_FILE=" + filepath.Join(tls, "server.key"),
			"CORE_PEER_TLS_ROOTCERT_FILE=" + filepath.Join(tls, "ca.crt"),
			"CORE_PEER_FILESYSTEMPATH=" + data,
			"CORE_LEDGER_SNAPSHOTS_ROOTDIR=" + filepath.Join(data, "snapshots"),
			"CORE_OPERATIONS_LISTENADDRESS=" + p.OperationsAddr(),
			"CORE_METRICS_PROVIDER=prometheus",
			// The peer has no container engine to talk to.
			"CORE_VM_ENDPOINT=",
		},
		ready: "http://" + p.OperationsAddr() + "/healthz",
	}
}
