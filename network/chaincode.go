package network

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// chaincodeProcess is the name of the chaincode service process.
const chaincodeProcess = "chaincode"

// committedDefinition is the part of `peer lifecycle chaincode
// querycommitted -O json` that deployment needs.
type committedDefinition struct {
	Sequence int64  `json:"sequence"`
	Version  string `json:"version"`
}

// Deploy makes the channel run the contract built from the working tree.
// The package label carries a digest of the chaincode binary, so an
// unchanged contract deploys nothing, and a changed one is installed,
// approved by every organisation and committed at the next sequence, with
// the chaincode service restarted under the new package ID.
func (n *Network) Deploy(ctx context.Context) error {
	authority, err := n.authority()
	if err != nil {
		return err
	}
	bin, label, err := n.buildChaincode(ctx)
	if err != nil {
		return err
	}
	pkgPath, pkgID, err := n.packageChaincode(label)
	if err != nil {
		return err
	}
	cur, err := n.committed(ctx)
	if err != nil {
		return err
	}
	if cur != nil && cur.Version == label {
		n.logf("chaincode %s is committed at sequence %d", label, cur.Sequence)
		if err := n.startChaincode(ctx, bin, pkgID); err != nil {
			return err
		}
		return n.waitServing(ctx)
	}
	seq := int64(1)
	if cur != nil {
		seq = cur.Sequence + 1
	}
	for o, p := range n.topo.peers() {
		if err := n.install(ctx, o, p, pkgPath, pkgID); err != nil {
			return err
		}
	}
	if err := n.startChaincode(ctx, bin, pkgID); err != nil {
		return err
	}
	// InitRequired: the peers refuse every other transaction of a new
	// definition until its init, Bootstrap (below), has run.
	def := chaincodeDefinition{ChannelID: n.topo.Channel, Name: n.topo.Chaincode.Name, Version: label,
		Sequence: seq, InitRequired: true, SignaturePolicy: n.policy()}
	approved, err := n.approvals(ctx, def)
	if err != nil {
		return err
	}
	for i := range n.topo.Orgs {
		o := &n.topo.Orgs[i]
		if approved[o.MSPID] {
			continue
		}
		n.logf("approving %s sequence %d for %s", label, seq, o.MSPID)
		approve := chaincodeApproveForMyOrg{chaincodeDefinition: def, PackageID: pkgID, Orderer: n.orderer()}
		if _, err := n.run(ctx, approve, n.adminEnv(o, o.Peers[0])...); err != nil {
			return err
		}
	}
	n.logf("committing %s at sequence %d with policy %s", label, seq, n.policy())
	commit := chaincodeCommit{chaincodeDefinition: def, Orderer: n.orderer(), Peers: n.endorsers()}
	if _, err := n.run(ctx, commit, n.adminEnv(authority, authority.Peers[0])...); err != nil {
		return err
	}
	// Every new definition is initialised once: Bootstrap fixes the
	// authority the first time and is a no-op for the same authority later.
	n.logf("initialising %s: authority is %s", label, authority.MSPID)
	bootstrap := chaincodeInvoke{
		ChannelID:    n.topo.Channel,
		Name:         n.topo.Chaincode.Name,
		IsInit:       true,
		WaitForEvent: true,
		Call:         chaincodeCall{Function: "Bootstrap", Args: []string{authority.MSPID}},
		Orderer:      n.orderer(),
		Peers:        n.endorsers(),
	}
	if _, err := n.run(ctx, bootstrap, n.adminEnv(authority, authority.Peers[0])...); err != nil {
		return err
	}
	return n.waitServing(ctx)
}

// waitServing waits until the contract answers on every peer and then
// until every gateway can gather endorsements for it: the second comes
// later, when gossip has spread the peers' membership.
func (n *Network) waitServing(ctx context.Context) error {
	if err := n.waitChaincode(ctx); err != nil {
		return err
	}
	return n.waitEndorsable(ctx)
}

func (n *Network) authority() (*PeerOrg, error) {
	for i := range n.topo.Orgs {
		if n.topo.Orgs[i].Role == "authority" {
			return &n.topo.Orgs[i], nil
		}
	}
	return nil, errors.New("the topology has no organisation with role authority")
}

func (n *Network) policy() string {
	if n.topo.Chaincode.Policy != "" {
		return n.topo.Chaincode.Policy
	}
	return majorityPolicy(n.topo.Orgs)
}

// buildChaincode compiles the chaincode service and names it by content.
func (n *Network) buildChaincode(ctx context.Context) (string, string, error) {
	bin := n.builtBin("grantledger-cc")
	if err := n.build(ctx, "chaincode", goBuild{Output: bin, Package: "./cmd/grantledger-cc"}); err != nil {
		return "", "", err
	}
	raw, err := os.ReadFile(bin)
	if err != nil {
		return "", "", err
	}
	sum := sha256.Sum256(raw)
	return bin, n.topo.Chaincode.Name + "_" + hex.EncodeToString(sum[:6]), nil
}

// packageChaincode writes the ccaas package for label: metadata.json and a
// code.tar.gz holding connection.json, which tells the peers where the
// chaincode service listens and which CA signed its TLS certificate. The
// archive is byte-for-byte reproducible, so its package ID is too.
func (n *Network) packageChaincode(label string) (string, string, error) {
	rootCert, err := os.ReadFile(filepath.Join(n.chaincodeTLSDir(), "ca.crt"))
	if err != nil {
		return "", "", fmt.Errorf("package chaincode: %w", err)
	}
	conn, err := json.MarshalIndent(map[string]any{
		"address":              n.topo.Chaincode.Address,
		"dial_timeout":         "10s",
		"tls_required":         true,
		"client_auth_required": false,
		"root_cert":            string(rootCert),
	}, "", "  ")
	if err != nil {
		return "", "", err
	}
	code, err := tarGz(map[string][]byte{"connection.json": conn})
	if err != nil {
		return "", "", err
	}
	meta, err := json.Marshal(map[string]string{"type": "ccaas", "label": label})
	if err != nil {
		return "", "", err
	}
	pkg, err := tarGz(map[string][]byte{"metadata.json": meta, "code.tar.gz": code})
	if err != nil {
		return "", "", err
	}
	path := filepath.Join(n.cfg.State, "chaincode", label+".tar.gz")
	if err := writeFileAtomic(path, pkg); err != nil {
		return "", "", err
	}
	sum := sha256.Sum256(pkg)
	return path, label + ":" + hex.EncodeToString(sum[:]), nil
}

// tarGz archives files in name order with fixed metadata.
func tarGz(files map[string][]byte) ([]byte, error) {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(files[name])), ModTime: time.Unix(0, 0), Format: tar.FormatPAX}); err != nil {
			return nil, err
		}
		if _, err := tw.Write(files[name]); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := gz.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func (n *Network) committed(ctx context.Context) (*committedDefinition, error) {
	authority, err := n.authority()
	if err != nil {
		return nil, err
	}
	query := chaincodeQueryCommitted{ChannelID: n.topo.Channel, Name: n.topo.Chaincode.Name}
	out, err := n.run(ctx, query, n.adminEnv(authority, authority.Peers[0])...)
	if err != nil {
		if strings.Contains(out, "not defined") || strings.Contains(out, "not found") {
			return nil, nil
		}
		return nil, err
	}
	var def committedDefinition
	if err := json.Unmarshal([]byte(out), &def); err != nil {
		return nil, fmt.Errorf("query committed chaincode: %w: %s", err, out)
	}
	return &def, nil
}

func (n *Network) install(ctx context.Context, o *PeerOrg, p Node, pkgPath, pkgID string) error {
	env := n.adminEnv(o, p)
	out, err := n.run(ctx, chaincodeQueryInstalled{}, env...)
	if err == nil && strings.Contains(out, pkgID) {
		return nil
	}
	n.logf("installing %s on %s", pkgID, n.topo.peerFQDN(o, p))
	_, err = n.run(ctx, chaincodeInstall{PackageFile: pkgPath}, env...)
	return err
}

// approvals says which organisations have approved def.
func (n *Network) approvals(ctx context.Context, def chaincodeDefinition) (map[string]bool, error) {
	authority, err := n.authority()
	if err != nil {
		return nil, err
	}
	out, err := n.run(ctx, chaincodeCheckCommitReadiness{chaincodeDefinition: def}, n.adminEnv(authority, authority.Peers[0])...)
	if err != nil {
		return nil, err
	}
	var r struct {
		Approvals map[string]bool `json:"approvals"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		return nil, fmt.Errorf("check commit readiness: %w: %s", err, out)
	}
	return r.Approvals, nil
}

// startChaincode runs the chaincode service under pkgID, replacing one that
// runs under another package ID.
func (n *Network) startChaincode(ctx context.Context, bin, pkgID string) error {
	if host, _, _ := splitHostPort(n.topo.Chaincode.Address); !isLocal(host) {
		n.logf("the chaincode service lives on %s: start it there with CHAINCODE_ID=%s", host, pkgID)
		return nil
	}
	idFile := filepath.Join(n.runDir(), chaincodeProcess+".id")
	if _, ok := n.pid(chaincodeProcess); ok {
		if cur, _ := os.ReadFile(idFile); strings.TrimSpace(string(cur)) == pkgID {
			return nil
		}
		if err := n.stop(chaincodeProcess); err != nil {
			return err
		}
	}
	tls := n.chaincodeTLSDir()
	err := n.start(ctx, process{
		name: chaincodeProcess,
		bin:  bin,
		env: []string{
			"CHAINCODE_ID=" + pkgID,
			"CHAINCODE_SERVER_ADDRESS=" + n.topo.Chaincode.Address,
			"CHAINCODE_TLS_CERT_FILE=" + filepath.Join(tls, "server.crt"),
			"CHAINCODE_TLS_KEY_FILE=" + filepath.Join(tls, "server.key"),
		},
		ready: "tcp://" + n.topo.Chaincode.Address,
	})
	if err != nil {
		return err
	}
	return writeFileAtomic(idFile, []byte(pkgID+"\n"))
}

// chaincodeAnswers queries the contract once through every organisation's peer.
func (n *Network) chaincodeAnswers(ctx context.Context) error {
	for i := range n.topo.Orgs {
		o := &n.topo.Orgs[i]
		query := chaincodeQuery{ChannelID: n.topo.Channel, Name: n.topo.Chaincode.Name, Call: chaincodeCall{Function: "GetConfig"}}
		_, err := n.run(ctx, query, n.adminEnv(o, o.Peers[0])...)
		if err != nil {
			return fmt.Errorf("%s: %w", o.MSPID, err)
		}
	}
	return nil
}

// waitChaincode polls until the contract answers through every peer: a
// peer that has not yet received the commit block does not know it.
func (n *Network) waitChaincode(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	for {
		err := n.chaincodeAnswers(ctx)
		if err == nil {
			n.logf("chaincode %s answers on every organisation's peer", n.topo.Chaincode.Name)
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("chaincode does not answer: %w", err)
		case <-time.After(500 * time.Millisecond):
		}
	}
}
