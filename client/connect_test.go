package client

import (
	"context"
	"crypto/tls"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hyperledger/fabric-gateway/pkg/identity"
	gatewaypb "github.com/hyperledger/fabric-protos-go-apiv2/gateway"
	"google.golang.org/grpc"
	"google.golang.org/grpc/connectivity"
	"google.golang.org/grpc/credentials"
)

// tlsGateway serves a fake gateway over TLS on localhost with a certificate
// for peerName only, and returns a profile that reaches it with Admin's
// identity files in a temporary directory.
func tlsGateway(t *testing.T, gw *fakeGateway, peerName string) *Profile {
	t.Helper()
	profile, stop, err := serveTLS(gw, peerName, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return profile
}

// serveTLS serves a gateway over TLS on localhost with a certificate for
// peerName only, and returns a profile of the organisation authority
// (AuthorityMSP) that reaches it with Admin's identity files, written in
// dir, and the function that stops the server.
func serveTLS(srv gatewaypb.GatewayServer, peerName, dir string) (*Profile, func(), error) {
	write := func(name string, data []byte) (string, error) {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			return "", fmt.Errorf("write %s: %w", name, err)
		}
		return path, nil
	}
	peerKey, peerCert, err := newCert(peerName, peerName)
	if err != nil {
		return nil, nil, err
	}
	userKey, userCert, err := newCert("Admin@authority.test")
	if err != nil {
		return nil, nil, err
	}
	certPEM, err := identity.CertificateToPEM(userCert)
	if err != nil {
		return nil, nil, fmt.Errorf("certificate PEM: %w", err)
	}
	keyPEM, err := identity.PrivateKeyToPEM(userKey)
	if err != nil {
		return nil, nil, fmt.Errorf("key PEM: %w", err)
	}
	caPath, err := write("tls-ca.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: peerCert.Raw}))
	if err != nil {
		return nil, nil, err
	}
	certPath, err := write("admin-cert.pem", certPEM)
	if err != nil {
		return nil, nil, err
	}
	keyPath, err := write("priv_sk", keyPEM)
	if err != nil {
		return nil, nil, err
	}

	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, fmt.Errorf("listen: %w", err)
	}
	s := grpc.NewServer(grpc.Creds(credentials.NewServerTLSFromCert(&tls.Certificate{
		Certificate: [][]byte{peerCert.Raw}, PrivateKey: peerKey,
	})))
	gatewaypb.RegisterGatewayServer(s, srv)
	go func() { _ = s.Serve(lis) }()
	return &Profile{
		Channel:   "grantledger",
		Chaincode: "grantledger",
		Orgs: []OrgProfile{{
			MSPID: "AuthorityMSP",
			Name:  "authority",
			Role:  "authority",
			Peer:  PeerProfile{Name: peerName, Address: lis.Addr().String(), TLSRootCert: caPath, HostOverride: peerName},
			Users: []UserProfile{{Name: "Admin", Cert: certPath, Key: keyPath}},
		}},
	}, s.Stop, nil
}

func TestConnect(t *testing.T) {
	gw := &fakeGateway{evaluate: func(int, call) ([]byte, error) { return []byte(`{"authorityMsp":"AuthorityMSP"}`), nil }}
	profile := tlsGateway(t, gw, "peer0.authority.test")
	tests := []struct {
		name     string
		org      string
		modify   func(p *Profile)
		wantKind error // of the GetConfig call; nil: it succeeds
	}{
		{name: "by MSP ID", org: "AuthorityMSP"},
		{name: "by short name", org: "authority"},
		{name: "address host not in the peer certificate", org: "authority",
			modify:   func(p *Profile) { p.Orgs[0].Peer.HostOverride = "" },
			wantKind: ErrUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := *profile
			p.Orgs = []OrgProfile{profile.Orgs[0]}
			if tt.modify != nil {
				tt.modify(&p)
			}
			c, err := Connect(context.Background(), &p, tt.org, "Admin", WithRetry(Retry{MaxAttempts: 1}))
			if err != nil {
				t.Fatalf("Connect() error = %v", err)
			}
			defer func() {
				if err := c.Close(); err != nil {
					t.Errorf("Close() error = %v", err)
				}
			}()
			cfg, err := c.GetConfig(context.Background())
			if tt.wantKind != nil {
				if !errors.Is(err, tt.wantKind) {
					t.Fatalf("GetConfig() = %v, %v; want error of kind %v", cfg, err, tt.wantKind)
				}
				return
			}
			if err != nil || cfg.AuthorityMSP != "AuthorityMSP" {
				t.Fatalf("GetConfig() = %+v, %v; want AuthorityMSP, nil", cfg, err)
			}
		})
	}
}

func TestConnectRefusals(t *testing.T) {
	profile := tlsGateway(t, &fakeGateway{}, "peer0.authority.test")
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.pem")
	if err := os.WriteFile(garbage, []byte("not a PEM file"), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.pem")
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name   string
		ctx    context.Context
		org    string
		user   string
		modify func(p *Profile)
		want   string // part of the error text
	}{
		{name: "canceled context", ctx: canceled, org: "authority", user: "Admin", want: "context canceled"},
		{name: "empty profile", org: "authority", user: "Admin", modify: func(p *Profile) { *p = Profile{} }, want: "profile: channel is empty"},
		{name: "invalid profile", org: "authority", user: "Admin", modify: func(p *Profile) { p.Channel = "" }, want: "channel is empty"},
		{name: "unknown organisation", org: "nobody", user: "Admin", want: `organisation "nobody" is not in the profile`},
		{name: "unknown user", org: "authority", user: "User9", want: `has no user "User9"`},
		{name: "missing certificate", org: "authority", user: "Admin", modify: func(p *Profile) { p.Orgs[0].Users[0].Cert = missing }, want: "read certificate"},
		{name: "certificate not PEM", org: "authority", user: "Admin", modify: func(p *Profile) { p.Orgs[0].Users[0].Cert = garbage }, want: "parse certificate"},
		{name: "missing key", org: "authority", user: "Admin", modify: func(p *Profile) { p.Orgs[0].Users[0].Key = missing }, want: "read private key"},
		{name: "key not PEM", org: "authority", user: "Admin", modify: func(p *Profile) { p.Orgs[0].Users[0].Key = garbage }, want: "parse private key"},
		{name: "missing TLS root", org: "authority", user: "Admin", modify: func(p *Profile) { p.Orgs[0].Peer.TLSRootCert = missing }, want: "read TLS root certificate"},
		{name: "TLS root not PEM", org: "authority", user: "Admin", modify: func(p *Profile) { p.Orgs[0].Peer.TLSRootCert = garbage }, want: "no PEM certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := *profile
			org := profile.Orgs[0]
			org.Users = append([]UserProfile(nil), org.Users...)
			p.Orgs = []OrgProfile{org}
			if tt.modify != nil {
				tt.modify(&p)
			}
			ctx := tt.ctx
			if ctx == nil {
				ctx = context.Background()
			}
			c, err := Connect(ctx, &p, tt.org, tt.user)
			if err == nil {
				_ = c.Close()
				t.Fatalf("Connect() error = nil, want %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Connect() error = %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestConnectNilProfile(t *testing.T) {
	if c, err := Connect(context.Background(), nil, "authority", "Admin"); err == nil {
		t.Errorf("Connect(nil profile) = %v, nil; want an error", c)
	}
}

func TestConnectSharedConnection(t *testing.T) {
	profile := tlsGateway(t, &fakeGateway{}, "peer0.authority.test")
	conn, err := Dial(profile.Orgs[0].Peer)
	if err != nil {
		t.Fatalf("Dial() error = %v", err)
	}
	defer conn.Close()
	c, err := Connect(context.Background(), profile, "authority", "Admin", WithConnection(conn))
	if err != nil {
		t.Fatalf("Connect() error = %v", err)
	}
	if err := c.Bootstrap(context.Background(), "AuthorityMSP"); err != nil {
		t.Fatalf("Bootstrap() error = %v", err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("Close() error = %v", err)
	}
	if got := conn.GetState(); got == connectivity.Shutdown {
		t.Errorf("shared connection state after Close() = %v, want it left open", got)
	}
}
