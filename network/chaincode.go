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

// chaincodeProcessPrefix starts the name of every organisation's chaincode
// service process: chaincode-<org>.
const chaincodeProcessPrefix = "chaincode-"

// legacyChaincodeProcess is the one chaincode service that earlier
// versions ran for every peer. Down still stops it, and Deploy stops it
// before starting the organisations' own services (the authority's takes
// over its address).
const legacyChaincodeProcess = "chaincode"

// chaincodeProcess is the name of an organisation's chaincode service.
func chaincodeProcess(o *PeerOrg) string { return chaincodeProcessPrefix + o.Name }

// ChaincodeProcess is the process name (as Status lists it) of the
// chaincode service of an organisation, given by name or MSP ID.
func (n *Network) ChaincodeProcess(org string) (string, error) {
	o, ok := n.topo.Org(org)
	if !ok {
		return "", fmt.Errorf("no organisation %q in the topology", org)
	}
	return chaincodeProcess(o), nil
}

// committedDefinition is the part of `peer lifecycle chaincode
// querycommitted -O json` that deployment needs.
type committedDefinition struct {
	Sequence int64  `json:"sequence"`
	Version  string `json:"version"`
}

// orgPackage is an organisation's chaincode package: the same contract as
// every other organisation's, but a connection.json naming its own service
// and TLS material, hence a package ID of its own.
type orgPackage struct {
	org  *PeerOrg
	path string
	id   string
}

// Deploy makes the channel run the contract built from the working tree,
// each organisation's peers served by that organisation's own chaincode
// service. The definition's version carries a digest of the chaincode
// binary (the package label) and one of the endorsement policy and the
// collections config, so an unchanged contract and definition deploys
// nothing, and a change of either is installed, approved by every
// organisation (each with its own package ID) and committed at the next
// sequence, with every organisation's service restarted under its new
// package ID.
func (n *Network) Deploy(ctx context.Context) error {
	authority, err := n.authority()
	if err != nil {
		return err
	}
	bin, label, err := n.buildChaincode(ctx)
	if err != nil {
		return err
	}
	collections, digest, err := n.writeCollections()
	if err != nil {
		return err
	}
	version := label + "_" + digest
	var pkgs []orgPackage
	for i := range n.topo.Orgs {
		o := &n.topo.Orgs[i]
		if err := n.ensureChaincodeTLS(o); err != nil {
			return err
		}
		path, id, err := n.packageChaincode(label, o)
		if err != nil {
			return err
		}
		pkgs = append(pkgs, orgPackage{org: o, path: path, id: id})
	}
	cur, err := n.committed(ctx)
	if err != nil {
		return err
	}
	// InitRequired: the peers refuse every other transaction of a new
	// definition until its init, Bootstrap (below), has run.
	def := chaincodeDefinition{ChannelID: n.topo.Channel, Name: n.topo.Chaincode.Name, Version: version,
		InitRequired: true, SignaturePolicy: n.policy(), CollectionsConfig: collections}
	if cur != nil && cur.Version == version {
		n.logf("chaincode %s is committed at sequence %d", version, cur.Sequence)
		// An organisation whose package is new to its peers (its chaincode
		// TLS material was made anew) approves the committed definition
		// again with its new package ID; Fabric allows that at the current
		// sequence when nothing else changes.
		def.Sequence = cur.Sequence
		for _, pkg := range pkgs {
			installed, err := n.installAll(ctx, pkg)
			if err != nil {
				return err
			}
			if installed {
				if err := n.approve(ctx, def, pkg); err != nil {
					return err
				}
			}
		}
		if err := n.startChaincodes(ctx, bin, pkgs); err != nil {
			return err
		}
		return n.waitServing(ctx)
	}
	def.Sequence = 1
	if cur != nil {
		def.Sequence = cur.Sequence + 1
	}
	for _, pkg := range pkgs {
		if _, err := n.installAll(ctx, pkg); err != nil {
			return err
		}
	}
	if err := n.startChaincodes(ctx, bin, pkgs); err != nil {
		return err
	}
	approved, err := n.approvals(ctx, def)
	if err != nil {
		return err
	}
	for _, pkg := range pkgs {
		if approved[pkg.org.MSPID] {
			continue
		}
		if err := n.approve(ctx, def, pkg); err != nil {
			return err
		}
	}
	n.logf("committing %s at sequence %d with policy %s and %d private data collections", version, def.Sequence, def.SignaturePolicy, n.collectionCount())
	commit := chaincodeCommit{chaincodeDefinition: def, Orderer: n.orderer(), Peers: n.endorsers()}
	if _, err := n.run(ctx, commit, n.adminEnv(authority, authority.Peers[0])...); err != nil {
		return err
	}
	// Every new definition is initialised once: Bootstrap fixes the
	// authority the first time and is a no-op for the same authority later.
	n.logf("initialising %s: authority is %s", version, authority.MSPID)
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

// approve has pkg's organisation approve def with its own package ID.
func (n *Network) approve(ctx context.Context, def chaincodeDefinition, pkg orgPackage) error {
	o := pkg.org
	n.logf("approving %s sequence %d for %s with package %s", def.Version, def.Sequence, o.MSPID, pkg.id)
	approve := chaincodeApproveForMyOrg{chaincodeDefinition: def, PackageID: pkg.id, Orderer: n.orderer()}
	_, err := n.run(ctx, approve, n.adminEnv(o, o.Peers[0])...)
	return err
}

// writeCollections writes the collections config of the topology and
// returns its path (empty when there are no collections) and the digest
// of the definition's policy and collections.
func (n *Network) writeCollections() (string, string, error) {
	raw, err := n.topo.collectionsJSON()
	if err != nil {
		return "", "", err
	}
	digest := definitionDigest(n.policy(), raw)
	if raw == nil {
		return "", digest, nil
	}
	if err := writeFileAtomic(n.collectionsPath(), raw); err != nil {
		return "", "", err
	}
	return n.collectionsPath(), digest, nil
}

func (n *Network) collectionCount() int {
	cols, _ := n.topo.collections()
	return len(cols)
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

// packageChaincode writes organisation o's ccaas package for label:
// metadata.json and a code.tar.gz holding connection.json, which tells o's
// peers where o's chaincode service listens, which CA signed its TLS
// certificate, and the client key pair they present to it (mutual TLS).
// The archive is byte-for-byte reproducible, so its package ID is too; it
// differs from organisation to organisation.
func (n *Network) packageChaincode(label string, o *PeerOrg) (string, string, error) {
	return n.packageService(label, o, o.ChaincodeAddr())
}

// packageService writes o's ccaas package for label naming the service at
// addr (the contract's, or the bench's baseline), with o's chaincode TLS
// material; it returns the package's path and its package ID.
func (n *Network) packageService(label string, o *PeerOrg, addr string) (string, string, error) {
	dir := n.chaincodeTLSDir(o)
	files := map[string]string{}
	for _, name := range []string{"ca.crt", "client.crt", "client.key"} {
		raw, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return "", "", fmt.Errorf("package %s for %s: %w", label, o.Name, err)
		}
		files[name] = string(raw)
	}
	conn, err := json.MarshalIndent(connectionJSON{
		Address:            addr,
		DialTimeout:        "10s",
		TLSRequired:        true,
		ClientAuthRequired: true,
		ClientKey:          files["client.key"],
		ClientCert:         files["client.crt"],
		RootCert:           files["ca.crt"],
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
	// The package holds the peers' client key: it stays with o's material.
	path := filepath.Join(n.cfg.State, "chaincode", o.Name, label+".tar.gz")
	if err := writeFileAtomic(path, pkg); err != nil {
		return "", "", err
	}
	sum := sha256.Sum256(pkg)
	return path, label + ":" + hex.EncodeToString(sum[:]), nil
}

// connectionJSON is the connection.json of a ccaas package, as Fabric's
// external builder support reads it: where the service listens and the
// TLS material of the peer's side of the link, PEM in the file itself.
type connectionJSON struct {
	Address            string `json:"address"`
	DialTimeout        string `json:"dial_timeout"`
	TLSRequired        bool   `json:"tls_required"`
	ClientAuthRequired bool   `json:"client_auth_required"`
	ClientKey          string `json:"client_key"`
	ClientCert         string `json:"client_cert"`
	RootCert           string `json:"root_cert"`
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

// installAll installs pkg on every peer of its organisation that lacks it
// and reports whether any did.
func (n *Network) installAll(ctx context.Context, pkg orgPackage) (bool, error) {
	did := false
	for _, p := range pkg.org.Peers {
		installed, err := n.install(ctx, pkg.org, p, pkg.path, pkg.id)
		if err != nil {
			return false, err
		}
		did = did || installed
	}
	return did, nil
}

func (n *Network) install(ctx context.Context, o *PeerOrg, p Node, pkgPath, pkgID string) (bool, error) {
	env := n.adminEnv(o, p)
	out, err := n.run(ctx, chaincodeQueryInstalled{}, env...)
	if err == nil && strings.Contains(out, pkgID) {
		return false, nil
	}
	n.logf("installing %s on %s", pkgID, n.topo.peerFQDN(o, p))
	if _, err := n.run(ctx, chaincodeInstall{PackageFile: pkgPath}, env...); err != nil {
		return false, err
	}
	return true, nil
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

// startChaincodes runs every local organisation's chaincode service under
// its package ID, after stopping the one shared service of earlier
// versions if it still runs.
func (n *Network) startChaincodes(ctx context.Context, bin string, pkgs []orgPackage) error {
	if err := n.stop(legacyChaincodeProcess); err != nil {
		return err
	}
	for _, pkg := range pkgs {
		if err := n.startChaincode(ctx, pkg.org, bin, pkg.id); err != nil {
			return err
		}
	}
	return nil
}

// startChaincode runs o's chaincode service: bin under pkgID, replacing
// one that runs another program or under another package ID.
func (n *Network) startChaincode(ctx context.Context, o *PeerOrg, bin, pkgID string) error {
	name := chaincodeProcess(o)
	if host, _, _ := splitHostPort(o.ChaincodeAddr()); !isLocal(host) {
		n.logf("the chaincode service of %s lives on %s: start it there with %s", o.Name, host, strings.Join(n.chaincodeEnv(o, pkgID), " "))
		return nil
	}
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
	err := n.start(ctx, process{
		name:  name,
		bin:   bin,
		env:   n.chaincodeEnv(o, pkgID),
		ready: "tcp://" + o.ChaincodeAddr(),
	})
	if err != nil {
		return err
	}
	return writeFileAtomic(idFile, []byte(pkgID+"\n"))
}

// chaincodeEnv is the environment of o's chaincode service: its package
// ID and address, its TLS key pair, the CA whose client certificates it
// accepts (its own peers' only: mutual TLS), and the authority's MSP ID,
// the only one its Bootstrap accepts.
func (n *Network) chaincodeEnv(o *PeerOrg, pkgID string) []string {
	tls := n.chaincodeTLSDir(o)
	authority := ""
	if a, err := n.authority(); err == nil {
		authority = a.MSPID
	}
	return []string{
		"CHAINCODE_ID=" + pkgID,
		"CHAINCODE_SERVER_ADDRESS=" + o.ChaincodeAddr(),
		"CHAINCODE_TLS_CERT_FILE=" + filepath.Join(tls, "server.crt"),
		"CHAINCODE_TLS_KEY_FILE=" + filepath.Join(tls, "server.key"),
		"CHAINCODE_TLS_CLIENT_CA_FILE=" + filepath.Join(tls, "ca.crt"),
		"GRANTLEDGER_AUTHORITY_MSP=" + authority,
	}
}

// BuildProgram builds a command of the repository (a Go package path such
// as "./test/tampered") into the network's bin directory, reproducibly, and
// returns the program's path: for RestartChaincode.
func (n *Network) BuildProgram(ctx context.Context, pkg string) (string, error) {
	bin := n.builtBin(filepath.Base(pkg))
	if err := n.build(ctx, pkg, goBuild{Output: bin, Package: pkg}); err != nil {
		return "", err
	}
	return bin, nil
}

// RestartChaincode replaces organisation org's chaincode service (org by
// name or MSP ID) with program binary, under the same package ID, address,
// TLS material and environment, and waits until org's peer answers a query
// through it. An empty binary restores the contract built from the tree
// (the one Deploy runs). It is for failure drills: run a tampered contract
// for one organisation and see the others' endorsements refuse its writes.
func (n *Network) RestartChaincode(ctx context.Context, org, binary string) error {
	o, ok := n.topo.Org(org)
	if !ok {
		return fmt.Errorf("no organisation %q in the topology", org)
	}
	if binary == "" {
		binary = n.builtBin("grantledger-cc")
	}
	abs, err := filepath.Abs(binary)
	if err != nil {
		return err
	}
	if _, err := os.Stat(abs); err != nil {
		return fmt.Errorf("restart the chaincode service of %s: %w", o.Name, err)
	}
	name := chaincodeProcess(o)
	raw, err := os.ReadFile(filepath.Join(n.runDir(), name+".id"))
	if err != nil {
		return fmt.Errorf("restart the chaincode service of %s: it was never started here (run up first): %w", o.Name, err)
	}
	pkgID := strings.TrimSpace(string(raw))
	if err := n.stop(name); err != nil {
		return err
	}
	n.logf("running %s as the chaincode service of %s", abs, o.Name)
	if err := n.start(ctx, process{name: name, bin: abs, env: n.chaincodeEnv(o, pkgID), ready: "tcp://" + o.ChaincodeAddr()}); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	for {
		err := n.chaincodeAnswersAt(ctx, o)
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the peer of %s does not reach its restarted chaincode service: %w", o.Name, err)
		case <-time.After(300 * time.Millisecond):
		}
	}
}

// chaincodeAnswers queries the contract once through every organisation's peer.
func (n *Network) chaincodeAnswers(ctx context.Context) error {
	for i := range n.topo.Orgs {
		if err := n.chaincodeAnswersAt(ctx, &n.topo.Orgs[i]); err != nil {
			return err
		}
	}
	return nil
}

// chaincodeAnswersAt queries the contract once through o's first peer.
func (n *Network) chaincodeAnswersAt(ctx context.Context, o *PeerOrg) error {
	query := chaincodeQuery{ChannelID: n.topo.Channel, Name: n.topo.Chaincode.Name, Call: chaincodeCall{Function: "GetConfig"}}
	if _, err := n.run(ctx, query, n.adminEnv(o, o.Peers[0])...); err != nil {
		return fmt.Errorf("%s: %w", o.MSPID, err)
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
