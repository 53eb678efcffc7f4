package network

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"text/template"
	"time"

	"github.com/grantledger/grantledger/client"
)

// generate writes crypto material and the channel's genesis block once;
// configuration derived from them is rewritten every time.
func (n *Network) generate(ctx context.Context) error {
	if _, err := os.Stat(n.cryptoDir()); errors.Is(err, os.ErrNotExist) {
		cc := filepath.Join(n.configDir(), "crypto-config.yaml")
		if err := n.writeCryptoConfig(cc); err != nil {
			return err
		}
		n.logf("generating crypto material")
		// Written aside and renamed, so that a failed run leaves no
		// half-made material that a later run would take as done.
		if _, err := n.run(ctx, cryptogenGenerate{Config: cc, Output: n.cryptoDir() + ".tmp"}); err != nil {
			return err
		}
		if err := os.Rename(n.cryptoDir()+".tmp", n.cryptoDir()); err != nil {
			return err
		}
	}
	if _, err := os.Stat(n.blockPath()); errors.Is(err, os.ErrNotExist) {
		if err := n.writeConfigtx(filepath.Join(n.configDir(), "configtx.yaml")); err != nil {
			return err
		}
		n.logf("generating the genesis block of channel %s", n.topo.Channel)
		if err := os.MkdirAll(filepath.Dir(n.blockPath()), 0o755); err != nil {
			return err
		}
		gen := configtxgenOutputBlock{Profile: "GrantLedgerChannel", ChannelID: n.topo.Channel, OutputBlock: n.blockPath() + ".tmp"}
		if _, err := n.run(ctx, gen, "FABRIC_CFG_PATH="+n.configDir()); err != nil {
			return err
		}
		if err := os.Rename(n.blockPath()+".tmp", n.blockPath()); err != nil {
			return err
		}
	}
	if err := n.writePeerCoreYAML(filepath.Join(n.configDir(), "peer")); err != nil {
		return err
	}
	return n.writeProfile()
}

// cryptoConfigTmpl is the cryptogen input: one orderer organisation and one
// organisation per party, NodeOUs on so that policies can name the peer,
// admin and client roles. SANS carry the hosts nodes are dialled at.
var cryptoConfigTmpl = template.Must(template.New("crypto-config").Parse(`# Generated from the topology by glnet; edit the topology, not this file.
OrdererOrgs:
  - Name: {{ .OrdererOrg.MSPID }}
    Domain: {{ .OrdererDomain }}
    EnableNodeOUs: true
    Specs:
{{- range .OrdererOrg.Nodes }}
      - Hostname: {{ .Name }}
        SANS: ["{{ .Host }}", "localhost", "127.0.0.1"]
{{- end }}
PeerOrgs:
{{- range .PeerOrgs }}
  - Name: {{ .MSPID }}
    Domain: {{ .Domain }}
    EnableNodeOUs: true
    Specs:
{{- range .Peers }}
      - Hostname: {{ .Name }}
        SANS: ["{{ .Host }}", "localhost", "127.0.0.1"]
{{- end }}
    Users:
      Count: {{ .Users }}
{{- end }}
`))

// configtxTmpl is the configtxgen input for the application channel's
// genesis block (no system channel: orderers join it through osnadmin).
var configtxTmpl = template.Must(template.New("configtx").Parse(`# Generated from the topology by glnet; edit the topology, not this file.
Organizations:
  - &{{ .OrdererOrg.MSPID }}
    Name: {{ .OrdererOrg.MSPID }}
    ID: {{ .OrdererOrg.MSPID }}
    MSPDir: {{ .OrdererMSPDir }}
    Policies:
      Readers:
        Type: Signature
        Rule: "OR('{{ .OrdererOrg.MSPID }}.member')"
      Writers:
        Type: Signature
        Rule: "OR('{{ .OrdererOrg.MSPID }}.member')"
      Admins:
        Type: Signature
        Rule: "OR('{{ .OrdererOrg.MSPID }}.admin')"
    OrdererEndpoints:
{{- range .OrdererOrg.Nodes }}
      - "{{ .Addr }}"
{{- end }}
{{- range .PeerOrgs }}
  - &{{ .MSPID }}
    Name: {{ .MSPID }}
    ID: {{ .MSPID }}
    MSPDir: {{ .MSPDir }}
    Policies:
      Readers:
        Type: Signature
        Rule: "OR('{{ .MSPID }}.admin', '{{ .MSPID }}.peer', '{{ .MSPID }}.client')"
      Writers:
        Type: Signature
        Rule: "OR('{{ .MSPID }}.admin', '{{ .MSPID }}.client')"
      Admins:
        Type: Signature
        Rule: "OR('{{ .MSPID }}.admin')"
      Endorsement:
        Type: Signature
        Rule: "OR('{{ .MSPID }}.peer')"
    AnchorPeers:
{{- range .Peers }}
      - Host: {{ .Host }}
        Port: {{ .Port }}
{{- end }}
{{- end }}

Capabilities:
  Channel: &ChannelCapabilities
    V3_0: true
  Orderer: &OrdererCapabilities
    V2_0: true
  Application: &ApplicationCapabilities
    V2_5: true

Application: &ApplicationDefaults
  Organizations:
  Policies:
    Readers:
      Type: ImplicitMeta
      Rule: "ANY Readers"
    Writers:
      Type: ImplicitMeta
      Rule: "ANY Writers"
    Admins:
      Type: ImplicitMeta
      Rule: "MAJORITY Admins"
    LifecycleEndorsement:
      Type: ImplicitMeta
      Rule: "MAJORITY Endorsement"
    Endorsement:
      Type: ImplicitMeta
      Rule: "MAJORITY Endorsement"
  Capabilities:
    <<: *ApplicationCapabilities

Orderer: &OrdererDefaults
  OrdererType: etcdraft
  EtcdRaft:
    Consenters:
{{- range .Consenters }}
      - Host: {{ .Host }}
        Port: {{ .Port }}
        ClientTLSCert: {{ .Cert }}
        ServerTLSCert: {{ .Cert }}
{{- end }}
    Options:
      TickInterval: 500ms
      ElectionTick: 10
      HeartbeatTick: 1
      MaxInflightBlocks: 5
      SnapshotIntervalSize: 16 MB
  BatchTimeout: {{ .BatchTimeout }}
  BatchSize:
    MaxMessageCount: {{ .BatchMaxMessages }}
    AbsoluteMaxBytes: 10 MB
    # A transaction larger than this is cut into a block of its own at
    # once: a batch of a few hundred receipts (about 300 KB for 500) then
    # does not wait the BatchTimeout for company it will not get. Small
    # transactions (a few KB) still share blocks.
    PreferredMaxBytes: 128 KB
  Organizations:
  Policies:
    Readers:
      Type: ImplicitMeta
      Rule: "ANY Readers"
    Writers:
      Type: ImplicitMeta
      Rule: "ANY Writers"
    Admins:
      Type: ImplicitMeta
      Rule: "MAJORITY Admins"
    BlockValidation:
      Type: ImplicitMeta
      Rule: "ANY Writers"
  Capabilities:
    <<: *OrdererCapabilities

Channel: &ChannelDefaults
  Policies:
    Readers:
      Type: ImplicitMeta
      Rule: "ANY Readers"
    Writers:
      Type: ImplicitMeta
      Rule: "ANY Writers"
    Admins:
      Type: ImplicitMeta
      Rule: "MAJORITY Admins"
  Capabilities:
    <<: *ChannelCapabilities

Profiles:
  GrantLedgerChannel:
    <<: *ChannelDefaults
    Orderer:
      <<: *OrdererDefaults
      Organizations:
        - *{{ .OrdererOrg.MSPID }}
    Application:
      <<: *ApplicationDefaults
      Organizations:
{{- range .PeerOrgs }}
        - *{{ .MSPID }}
{{- end }}
`))

type tmplPeerOrg struct {
	PeerOrg
	Domain string
	MSPDir string
}

type tmplConsenter struct {
	Host string
	Port int
	Cert string
}

// writeCryptoConfig writes the cryptogen input for the topology.
func (n *Network) writeCryptoConfig(path string) error {
	data := struct {
		*Topology
		OrdererDomain string
		PeerOrgs      []tmplPeerOrg
	}{
		Topology:      n.topo,
		OrdererDomain: n.topo.ordererDomain(),
		PeerOrgs:      n.tmplPeerOrgs(),
	}
	return renderFile(path, cryptoConfigTmpl, data)
}

// writeConfigtx writes the configtxgen input for the topology.
func (n *Network) writeConfigtx(path string) error {
	var consenters []tmplConsenter
	for _, o := range n.topo.OrdererOrg.Nodes {
		consenters = append(consenters, tmplConsenter{Host: o.Host, Port: o.Port, Cert: filepath.Join(n.ordererDir(o), "tls", "server.crt")})
	}
	data := struct {
		*Topology
		OrdererMSPDir string
		PeerOrgs      []tmplPeerOrg
		Consenters    []tmplConsenter
	}{
		Topology:      n.topo,
		OrdererMSPDir: filepath.Join(n.cryptoDir(), "ordererOrganizations", n.topo.ordererDomain(), "msp"),
		PeerOrgs:      n.tmplPeerOrgs(),
		Consenters:    consenters,
	}
	return renderFile(path, configtxTmpl, data)
}

func (n *Network) tmplPeerOrgs() []tmplPeerOrg {
	var out []tmplPeerOrg
	for i := range n.topo.Orgs {
		o := &n.topo.Orgs[i]
		out = append(out, tmplPeerOrg{PeerOrg: *o, Domain: n.topo.orgDomain(o), MSPDir: filepath.Join(n.orgDir(o), "msp")})
	}
	return out
}

// writePeerCoreYAML derives a peer's core.yaml from Fabric's sample
// configuration, pointing the chaincode-as-a-service external builder at the
// one in this repository. Everything node-specific is set by environment
// variables when the peer starts.
func (n *Network) writePeerCoreYAML(dir string) error {
	raw, err := os.ReadFile(filepath.Join(n.cfg.FabricConfig, "core.yaml"))
	if err != nil {
		return fmt.Errorf("read Fabric sample core.yaml: %w", err)
	}
	const sample = "path: /opt/hyperledger/ccaas_builder"
	if !bytes.Contains(raw, []byte(sample)) {
		return fmt.Errorf("the Fabric sample core.yaml has no %q to replace", sample)
	}
	raw = bytes.Replace(raw, []byte(sample), []byte("path: "+n.builderDir()), 1)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "core.yaml"), raw, 0o644)
}

// writeProfile writes the connection profile that client/ and api/ load.
func (n *Network) writeProfile() error {
	p := client.Profile{Channel: n.topo.Channel, Chaincode: n.topo.Chaincode.Name}
	for i := range n.topo.Orgs {
		o := &n.topo.Orgs[i]
		peer := o.Peers[0]
		op := client.OrgProfile{
			MSPID: o.MSPID,
			Name:  o.Name,
			Role:  o.Role,
			API:   o.API,
			Peer: client.PeerProfile{
				Name:        n.topo.peerFQDN(o, peer),
				Address:     peer.Addr(),
				TLSRootCert: n.peerTLSCA(o, peer),
			},
		}
		users := []string{"Admin"}
		for u := 1; u <= o.Users; u++ {
			users = append(users, fmt.Sprintf("User%d", u))
		}
		for _, u := range users {
			mspDir := filepath.Join(n.userDir(o, u), "msp")
			op.Users = append(op.Users, client.UserProfile{
				Name: u,
				Cert: filepath.Join(mspDir, "signcerts", fmt.Sprintf("%s@%s-cert.pem", u, n.topo.orgDomain(o))),
				Key:  filepath.Join(mspDir, "keystore", "priv_sk"),
			})
		}
		p.Orgs = append(p.Orgs, op)
	}
	if err := p.Validate(); err != nil {
		return fmt.Errorf("write profile: %w", err)
	}
	raw, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(n.ProfilePath(), append(raw, '\n'))
}

func renderFile(path string, t *template.Template, data any) error {
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		return fmt.Errorf("render %s: %w", filepath.Base(path), err)
	}
	return writeFileAtomic(path, buf.Bytes())
}

func writeFileAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// majorityPolicy is the chaincode's endorsement policy when the topology
// names none: more than half of the peer organisations.
func majorityPolicy(orgs []PeerOrg) string {
	var principals []string
	for _, o := range orgs {
		principals = append(principals, fmt.Sprintf("'%s.peer'", o.MSPID))
	}
	return fmt.Sprintf("OutOf(%d, %s)", len(orgs)/2+1, strings.Join(principals, ", "))
}

// ensureChaincodeTLS makes an organisation's chaincode TLS material once:
// a CA of its own for the link between its peers and its chaincode
// service, the service's server certificate (for the host of its address)
// and the client certificate its peers present. The service trusts only
// that CA for clients, so no other organisation's peer (nor anyone else)
// can drive it, and the peers trust only that CA for the service. It is
// written aside and renamed, like cryptogen's output, and kept across
// runs: the package IDs are derived from it.
func (n *Network) ensureChaincodeTLS(o *PeerOrg) error {
	dir := n.chaincodeTLSDir(o)
	if _, err := os.Stat(dir); err == nil {
		return nil
	}
	host, _, err := splitHostPort(o.ChaincodeAddr())
	if err != nil {
		return fmt.Errorf("chaincode TLS material of %s: %w", o.Name, err)
	}
	files, err := chaincodeTLSMaterial(n.topo.orgDomain(o), o.MSPID, host, time.Now())
	if err != nil {
		return fmt.Errorf("chaincode TLS material of %s: %w", o.Name, err)
	}
	n.logf("generating the chaincode TLS material of %s", o.Name)
	tmp := dir + ".tmp"
	if err := os.RemoveAll(tmp); err != nil {
		return err
	}
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return err
	}
	for name, data := range files {
		mode := os.FileMode(0o644)
		if strings.HasSuffix(name, ".key") {
			mode = 0o600
		}
		if err := os.WriteFile(filepath.Join(tmp, name), data, mode); err != nil {
			return err
		}
	}
	return os.Rename(tmp, dir)
}

// chaincodeTLSMaterial issues, from a fresh CA, the chaincode service's
// server certificate for host (and localhost) and a client certificate for
// the organisation's peers, as PEM files: ca.crt, server.crt, server.key,
// client.crt, client.key. The CA's key is not kept.
func chaincodeTLSMaterial(orgDomain, mspID, host string, now time.Time) (map[string][]byte, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	notBefore, notAfter := now.Add(-time.Hour), now.AddDate(10, 0, 0)
	subject := func(cn string) pkix.Name {
		return pkix.Name{CommonName: cn, Organization: []string{mspID}, OrganizationalUnit: []string{"chaincode"}}
	}
	caTmpl := &x509.Certificate{
		Subject:               subject("tlsca.chaincode." + orgDomain),
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	if caTmpl.SerialNumber, err = serialNumber(); err != nil {
		return nil, err
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{"ca.crt": pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})}
	issue := func(name string, tmpl *x509.Certificate) error {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return err
		}
		if tmpl.SerialNumber, err = serialNumber(); err != nil {
			return err
		}
		tmpl.NotBefore, tmpl.NotAfter = notBefore, notAfter
		tmpl.KeyUsage = x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment
		tmpl.BasicConstraintsValid = true
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		if err != nil {
			return err
		}
		pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			return err
		}
		files[name+".crt"] = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
		files[name+".key"] = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8})
		return nil
	}
	server := &x509.Certificate{
		Subject:     subject("chaincode." + orgDomain),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:    []string{"chaincode." + orgDomain, "localhost"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	if ip := net.ParseIP(host); ip != nil {
		if !ip.Equal(net.IPv4(127, 0, 0, 1)) {
			server.IPAddresses = append(server.IPAddresses, ip)
		}
	} else if host != "localhost" {
		server.DNSNames = append(server.DNSNames, host)
	}
	if err := issue("server", server); err != nil {
		return nil, err
	}
	client := &x509.Certificate{
		Subject:     subject("peers.chaincode." + orgDomain),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	if err := issue("client", client); err != nil {
		return nil, err
	}
	return files, nil
}

func serialNumber() (*big.Int, error) {
	return rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
}
