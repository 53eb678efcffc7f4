package network

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestChaincodeTLSMaterial runs a mutual-TLS handshake with the generated
// material: the service's certificate verifies for its address against
// the organisation's chaincode CA, the peers' client certificate is
// accepted, and one from another organisation's CA is refused.
func TestChaincodeTLSMaterial(t *testing.T) {
	own, err := chaincodeTLSMaterial("health.grantledger.local", "HealthMSP", "127.0.0.1", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	other, err := chaincodeTLSMaterial("market.grantledger.local", "MarketMSP", "127.0.0.1", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"ca.crt", "server.crt", "server.key", "client.crt", "client.key"} {
		if len(own[f]) == 0 {
			t.Fatalf("no %s", f)
		}
	}
	pool := func(pemCerts []byte) *x509.CertPool {
		p := x509.NewCertPool()
		if !p.AppendCertsFromPEM(pemCerts) {
			t.Fatal("no certificate in the CA file")
		}
		return p
	}
	serverPair, err := tls.X509KeyPair(own["server.crt"], own["server.key"])
	if err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{
		Certificates: []tls.Certificate{serverPair},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    pool(own["ca.crt"]),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				if err := c.(*tls.Conn).Handshake(); err == nil {
					_, _ = c.Write([]byte("ok"))
				}
			}()
		}
	}()
	dial := func(material map[string][]byte) error {
		pair, err := tls.X509KeyPair(material["client.crt"], material["client.key"])
		if err != nil {
			t.Fatal(err)
		}
		c, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{
			Certificates: []tls.Certificate{pair},
			RootCAs:      pool(own["ca.crt"]),
			ServerName:   "127.0.0.1",
		})
		if err != nil {
			return err
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		got, err := io.ReadAll(c)
		if err != nil {
			return err
		}
		if string(got) != "ok" {
			return io.ErrUnexpectedEOF
		}
		return nil
	}
	if err := dial(own); err != nil {
		t.Errorf("the organisation's peer client certificate: %v", err)
	}
	if err := dial(other); err == nil {
		t.Error("a client certificate of another organisation's chaincode CA was accepted")
	}

	// A host name is in the server certificate's SANs too.
	named, err := chaincodeTLSMaterial("health.grantledger.local", "HealthMSP", "cc.health.example", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	cert := parseCert(t, named["server.crt"])
	if err := cert.VerifyHostname("cc.health.example"); err != nil {
		t.Errorf("server certificate for a host name: %v", err)
	}
	if err := cert.VerifyHostname("127.0.0.1"); err != nil {
		t.Errorf("server certificate for loopback: %v", err)
	}
}

func parseCert(t *testing.T, pemCert []byte) *x509.Certificate {
	t.Helper()
	block, _ := pem.Decode(pemCert)
	if block == nil {
		t.Fatal("no PEM block")
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestPackagePerOrganisation: each organisation's package names its own
// service, with mutual TLS and its own chaincode CA and client key pair, so
// the package IDs differ while the label is the same; the service's
// environment matches.
func TestPackagePerOrganisation(t *testing.T) {
	n := testNetwork(t)
	ids := map[string]string{}
	for i := range n.topo.Orgs {
		o := &n.topo.Orgs[i]
		if err := n.ensureChaincodeTLS(o); err != nil {
			t.Fatal(err)
		}
		path, id, err := n.packageChaincode("grantledger_0123456789ab", o)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(id, "grantledger_0123456789ab:") {
			t.Errorf("%s package ID %s: want the label and a digest", o.Name, id)
		}
		for other, otherID := range ids {
			if otherID == id {
				t.Errorf("%s and %s have the same package ID", o.Name, other)
			}
		}
		ids[o.Name] = id
		// Packaging again gives the same ID.
		if _, again, err := n.packageChaincode("grantledger_0123456789ab", o); err != nil || again != id {
			t.Errorf("%s: package ID %s, then %s (%v)", o.Name, id, again, err)
		}
		conn := connectionOf(t, path)
		tlsDir := n.chaincodeTLSDir(o)
		read := func(name string) string {
			raw, err := os.ReadFile(filepath.Join(tlsDir, name))
			if err != nil {
				t.Fatal(err)
			}
			return string(raw)
		}
		want := connectionJSON{Address: o.ChaincodeAddr(), DialTimeout: "10s", TLSRequired: true, ClientAuthRequired: true,
			ClientKey: read("client.key"), ClientCert: read("client.crt"), RootCert: read("ca.crt")}
		if conn != want {
			t.Errorf("%s connection.json: got %+v, want %+v", o.Name, conn, want)
		}
		env := n.chaincodeEnv(o, id)
		wantEnv := []string{
			"CHAINCODE_ID=" + id,
			"CHAINCODE_SERVER_ADDRESS=" + o.ChaincodeAddr(),
			"CHAINCODE_TLS_CERT_FILE=" + filepath.Join(tlsDir, "server.crt"),
			"CHAINCODE_TLS_KEY_FILE=" + filepath.Join(tlsDir, "server.key"),
			"CHAINCODE_TLS_CLIENT_CA_FILE=" + filepath.Join(tlsDir, "ca.crt"),
			"GRANTLEDGER_AUTHORITY_MSP=AuthorityMSP",
		}
		if !slices.Equal(env, wantEnv) {
			t.Errorf("%s service environment:\ngot  %q\nwant %q", o.Name, env, wantEnv)
		}
		if fi, err := os.Stat(filepath.Join(tlsDir, "client.key")); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s client key: %v %v, want mode 0600", o.Name, fi.Mode(), err)
		}
	}
	// The material is made once.
	o := &n.topo.Orgs[0]
	before, _ := os.ReadFile(filepath.Join(n.chaincodeTLSDir(o), "server.crt"))
	if err := n.ensureChaincodeTLS(o); err != nil {
		t.Fatal(err)
	}
	after, _ := os.ReadFile(filepath.Join(n.chaincodeTLSDir(o), "server.crt"))
	if !bytes.Equal(before, after) {
		t.Error("the chaincode TLS material was made anew")
	}
}

// TestChaincodeProcesses: one chaincode service per organisation, named
// after it, among the processes the network knows.
func TestChaincodeProcesses(t *testing.T) {
	n := testNetwork(t)
	names := n.processNames()
	for i := range n.topo.Orgs {
		want := "chaincode-" + n.topo.Orgs[i].Name
		if !slices.Contains(names, want) {
			t.Errorf("processes %q lack %s", names, want)
		}
		if got, err := n.ChaincodeProcess(n.topo.Orgs[i].MSPID); err != nil || got != want {
			t.Errorf("ChaincodeProcess(%s): got %q, %v; want %s", n.topo.Orgs[i].MSPID, got, err, want)
		}
	}
	if slices.Contains(names, "chaincode") {
		t.Error("the shared chaincode service of earlier versions is still a process of the network")
	}
	if got, want := stopRank("chaincode-health"), stopRank("chaincode"); got != want || got <= stopRank("peer0.health.grantledger.local") {
		t.Errorf("chaincode services stop after the peers: ranks %d, %d", got, want)
	}
}

// connectionOf reads connection.json out of a ccaas package.
func connectionOf(t *testing.T, pkgPath string) connectionJSON {
	t.Helper()
	raw, err := os.ReadFile(pkgPath)
	if err != nil {
		t.Fatal(err)
	}
	code := untar(t, raw, "code.tar.gz")
	var c connectionJSON
	if err := json.Unmarshal(untar(t, code, "connection.json"), &c); err != nil {
		t.Fatal(err)
	}
	return c
}

func untar(t *testing.T, tgz []byte, name string) []byte {
	t.Helper()
	gz, err := gzip.NewReader(bytes.NewReader(tgz))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err != nil {
			t.Fatalf("%s not in the archive: %v", name, err)
		}
		if h.Name == name {
			raw, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			return raw
		}
	}
}
