package network

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	gateway "github.com/hyperledger/fabric-gateway/pkg/client"

	"github.com/grantledger/grantledger/client"
)

// The benchmark's baseline chaincode (bench/baseline: one PutState per
// transaction) is deployed beside the contract on the bench network only,
// so that `make bench` measures the bare Fabric write rate of the very
// network it measures grantledger on. It is deployed the way the contract
// is, so that the two differ only in what runs per transaction: one
// chaincode service per organisation, dialled only by that organisation's
// peers over mutual TLS (the organisation's chaincode TLS material, the
// same CA), one package per organisation, and the contract's endorsement
// policy. It has no collections and no init.

// BaselineName is the baseline chaincode's name on the channel.
const BaselineName = "baseline"

// baselineProcessPrefix starts the process name of every organisation's
// baseline service: baseline-<org>.
const baselineProcessPrefix = "baseline-"

// baselinePortDelta places an organisation's baseline service next to its
// contract service: 7999 → 8000, 8999 → 9000, …
const baselinePortDelta = 1

func baselineProcess(o *PeerOrg) string { return baselineProcessPrefix + o.Name }

// baselineAddr is where o's baseline service listens: its contract
// service's host and port plus baselinePortDelta.
func (n *Network) baselineAddr(o *PeerOrg) (string, error) {
	host, port, err := splitHostPort(o.ChaincodeAddr())
	if err != nil {
		return "", fmt.Errorf("baseline service of %s: %w", o.Name, err)
	}
	addr := net.JoinHostPort(host, strconv.Itoa(port+baselinePortDelta))
	if owner, taken := n.topologyAddrs()[addr]; taken {
		return "", fmt.Errorf("baseline service of %s: %s is %s's in the topology", o.Name, addr, owner)
	}
	return addr, nil
}

// topologyAddrs maps every address the topology gives a node, API or
// chaincode service to its owner, so that the baseline services take none.
func (n *Network) topologyAddrs() map[string]string {
	out := map[string]string{}
	for _, o := range n.topo.OrdererOrg.Nodes {
		for _, p := range []int{o.Port, o.AdminPort, o.OperationsPort} {
			out[net.JoinHostPort(o.Host, strconv.Itoa(p))] = n.topo.ordererFQDN(o)
		}
	}
	for o, p := range n.topo.peers() {
		for _, port := range []int{p.Port, p.ChaincodePort, p.OperationsPort} {
			out[net.JoinHostPort(p.Host, strconv.Itoa(port))] = n.topo.peerFQDN(o, p)
		}
	}
	for i := range n.topo.Orgs {
		o := &n.topo.Orgs[i]
		if o.API != "" {
			out[o.API] = apiProcess(o)
		}
		if o.Anchor != "" {
			out[o.Anchor] = anchorProcess(o)
		}
		out[o.ChaincodeAddr()] = chaincodeProcess(o)
	}
	return out
}

// DeployBaseline builds the baseline chaincode from the repository package
// pkg ("./bench/baseline"), installs a package of it on every
// organisation's peers, runs every organisation's service, has every
// organisation approve it with the contract's endorsement policy, commits
// it and waits until every organisation's gateway can gather endorsements
// for it. Like Deploy, an unchanged binary and policy deploys nothing new.
func (n *Network) DeployBaseline(ctx context.Context, pkg string) error {
	authority, err := n.authority()
	if err != nil {
		return err
	}
	bin, err := n.BuildProgram(ctx, pkg)
	if err != nil {
		return err
	}
	raw, err := os.ReadFile(bin)
	if err != nil {
		return fmt.Errorf("deploy the baseline chaincode: %w", err)
	}
	sum := sha256.Sum256(raw)
	label := BaselineName + "_" + hex.EncodeToString(sum[:6])
	def := chaincodeDefinition{ChannelID: n.topo.Channel, Name: BaselineName,
		Version: label + "_" + definitionDigest(n.policy(), nil), SignaturePolicy: n.policy()}

	var pkgs []orgPackage
	for i := range n.topo.Orgs {
		o := &n.topo.Orgs[i]
		if err := n.ensureChaincodeTLS(o); err != nil {
			return err
		}
		addr, err := n.baselineAddr(o)
		if err != nil {
			return err
		}
		path, id, err := n.packageService(label, o, addr)
		if err != nil {
			return err
		}
		pkgs = append(pkgs, orgPackage{org: o, path: path, id: id})
		if _, err := n.installAll(ctx, orgPackage{org: o, path: path, id: id}); err != nil {
			return err
		}
		if err := n.startBaseline(ctx, o, bin, id, addr); err != nil {
			return err
		}
	}

	query := chaincodeQueryCommitted{ChannelID: n.topo.Channel, Name: BaselineName}
	var cur *committedDefinition
	out, err := n.run(ctx, query, n.adminEnv(authority, authority.Peers[0])...)
	switch {
	case err == nil:
		cur = &committedDefinition{}
		if err := json.Unmarshal([]byte(out), cur); err != nil {
			return fmt.Errorf("query the committed baseline chaincode: %w: %s", err, out)
		}
	case !strings.Contains(out, "not defined") && !strings.Contains(out, "not found"):
		return err
	}
	if cur == nil || cur.Version != def.Version {
		def.Sequence = 1
		if cur != nil {
			def.Sequence = cur.Sequence + 1
		}
		approved, err := n.approvals(ctx, def)
		if err != nil {
			return err
		}
		for _, pkg := range pkgs {
			if !approved[pkg.org.MSPID] {
				if err := n.approve(ctx, def, pkg); err != nil {
					return err
				}
			}
		}
		n.logf("committing %s %s at sequence %d with policy %s", BaselineName, def.Version, def.Sequence, def.SignaturePolicy)
		commit := chaincodeCommit{chaincodeDefinition: def, Orderer: n.orderer(), Peers: n.endorsers()}
		if _, err := n.run(ctx, commit, n.adminEnv(authority, authority.Peers[0])...); err != nil {
			return err
		}
	}
	return n.waitBaseline(ctx)
}

// startBaseline runs o's baseline service under pkgID at addr, replacing
// one that runs another program or package.
func (n *Network) startBaseline(ctx context.Context, o *PeerOrg, bin, pkgID, addr string) error {
	name := baselineProcess(o)
	idFile := filepath.Join(n.runDir(), name+".id")
	if _, ok := n.pid(name); ok {
		cur, _ := os.ReadFile(idFile)
		if strings.TrimSpace(string(cur)) == pkgID && n.program(name) == bin {
			return nil
		}
		if err := n.stop(name); err != nil {
			return err
		}
	}
	tls := n.chaincodeTLSDir(o)
	err := n.start(ctx, process{
		name: name,
		bin:  bin,
		env: []string{
			"CHAINCODE_ID=" + pkgID,
			"CHAINCODE_SERVER_ADDRESS=" + addr,
			"CHAINCODE_TLS_CERT_FILE=" + filepath.Join(tls, "server.crt"),
			"CHAINCODE_TLS_KEY_FILE=" + filepath.Join(tls, "server.key"),
			"CHAINCODE_TLS_CLIENT_CA_FILE=" + filepath.Join(tls, "ca.crt"),
		},
		ready: "tcp://" + addr,
	})
	if err != nil {
		return err
	}
	return writeFileAtomic(idFile, []byte(pkgID+"\n"))
}

// baselineProcesses lists the baseline services that have a PID file, so
// that Down stops them with the rest of the network.
func (n *Network) baselineProcesses() []string {
	matches, _ := filepath.Glob(filepath.Join(n.runDir(), baselineProcessPrefix+"*.pid"))
	var names []string
	for _, m := range matches {
		names = append(names, strings.TrimSuffix(filepath.Base(m), ".pid"))
	}
	return names
}

// waitBaseline waits until every organisation's gateway can gather the
// endorsements the policy needs for a Put of the baseline (endorsed, never
// submitted): a peer learns a newly committed definition, and reaches the
// service, a moment after the commit.
func (n *Network) waitBaseline(ctx context.Context) error {
	profile, err := client.LoadProfile(n.ProfilePath())
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	for _, org := range profile.Orgs {
		c, err := client.Connect(ctx, profile, org.MSPID, "Admin")
		if err != nil {
			return err
		}
		contract := c.Network().GetContract(BaselineName)
		for {
			var proposal *gateway.Proposal
			proposal, err = contract.NewProposal("Put", gateway.WithArguments("readiness", "-"))
			if err == nil {
				_, err = proposal.EndorseWithContext(ctx)
			}
			if err == nil {
				break
			}
			select {
			case <-ctx.Done():
				c.Close()
				return fmt.Errorf("the gateway of %s cannot gather endorsements for %s: %w", org.MSPID, BaselineName, err)
			case <-time.After(500 * time.Millisecond):
			}
		}
		c.Close()
	}
	n.logf("%s answers: every organisation's gateway gathers a majority of endorsements for it", BaselineName)
	return nil
}
