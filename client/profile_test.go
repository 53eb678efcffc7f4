package client

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func validProfile() *Profile {
	user := func(name string) UserProfile {
		return UserProfile{Name: name, Cert: "/crypto/" + name + "-cert.pem", Key: "/crypto/" + name + "/priv_sk"}
	}
	return &Profile{
		Channel:   "grantledger",
		Chaincode: "grantledger",
		Orgs: []OrgProfile{
			{
				MSPID: "AuthorityMSP", Name: "authority", Role: "authority",
				Peer:  PeerProfile{Name: "peer0.authority.example.com", Address: "localhost:7051", TLSRootCert: "/crypto/authority/ca.crt"},
				Users: []UserProfile{user("Admin"), user("User1")},
			},
			{
				MSPID: "OperatorMSP", Name: "operator", Role: "operator",
				Peer:  PeerProfile{Address: "localhost:8051", TLSRootCert: "/crypto/operator/ca.crt"},
				Users: []UserProfile{user("Admin")},
			},
		},
	}
}

func TestProfileValidate(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*Profile)
		want   string // part of the error; "" when valid
	}{
		{name: "valid", modify: func(*Profile) {}},
		{name: "org without short name", modify: func(p *Profile) { p.Orgs[1].Name = "" }},
		{name: "no channel", modify: func(p *Profile) { p.Channel = "" }, want: "channel is empty"},
		{name: "no chaincode", modify: func(p *Profile) { p.Chaincode = "" }, want: "chaincode is empty"},
		{name: "no organisations", modify: func(p *Profile) { p.Orgs = nil }, want: "no organisations"},
		{name: "no MSP ID", modify: func(p *Profile) { p.Orgs[1].MSPID = "" }, want: "orgs[1].mspId is empty"},
		{name: "no peer address", modify: func(p *Profile) { p.Orgs[0].Peer.Address = "" }, want: "orgs[0].peer.address is empty"},
		{name: "no TLS root", modify: func(p *Profile) { p.Orgs[0].Peer.TLSRootCert = "" }, want: "orgs[0].peer.tlsRootCert is empty"},
		{name: "no users", modify: func(p *Profile) { p.Orgs[1].Users = nil }, want: "orgs[1].users is empty"},
		{name: "user without key", modify: func(p *Profile) { p.Orgs[0].Users[1].Key = "" }, want: "orgs[0].users[1] needs name, cert and key"},
		{name: "duplicate MSP ID", modify: func(p *Profile) { p.Orgs[1].MSPID = "AuthorityMSP" }, want: `orgs[1]: organisation "AuthorityMSP" appears twice`},
		{name: "name equal to another MSP ID", modify: func(p *Profile) { p.Orgs[1].Name = "AuthorityMSP" }, want: `organisation "AuthorityMSP" appears twice`},
		{name: "duplicate user", modify: func(p *Profile) { p.Orgs[0].Users[1].Name = "Admin" }, want: `orgs[0].users[1]: user "Admin" appears twice`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := validProfile()
			tt.modify(p)
			err := p.Validate()
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Validate() = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestProfileLookups(t *testing.T) {
	p := validProfile()
	tests := []struct {
		name     string
		org      string
		user     string
		wantMSP  string
		wantUser string
		wantErr  string
	}{
		{name: "by MSP ID", org: "OperatorMSP", user: "Admin", wantMSP: "OperatorMSP", wantUser: "Admin"},
		{name: "by short name", org: "authority", user: "User1", wantMSP: "AuthorityMSP", wantUser: "User1"},
		{name: "unknown org", org: "regulator", user: "Admin", wantErr: `organisation "regulator" is not in the profile`},
		{name: "unknown user", org: "operator", user: "User1", wantErr: `organisation OperatorMSP has no user "User1"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := p.Org(tt.org)
			var u *UserProfile
			if err == nil {
				u, err = o.User(tt.user)
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("got error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || o.MSPID != tt.wantMSP || u.Name != tt.wantUser {
				t.Errorf("got %s/%v, %v; want %s/%s", o.MSPID, u, err, tt.wantMSP, tt.wantUser)
			}
		})
	}
}

func TestLoadProfile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	valid := `{"channel":"grantledger","chaincode":"grantledger","orgs":[{"mspId":"AuthorityMSP","name":"authority","role":"authority",
		"peer":{"name":"peer0","address":"localhost:7051","tlsRootCert":"/ca.crt","hostOverride":"peer0.authority.example.com"},
		"users":[{"name":"Admin","cert":"/a.pem","key":"/a.key"}],"api":"localhost:8080"}]}`
	tests := []struct {
		name    string
		path    string
		wantErr string
	}{
		{name: "valid", path: write("valid.json", valid)},
		{name: "missing", path: filepath.Join(dir, "missing.json"), wantErr: "load profile"},
		{name: "not JSON", path: write("bad.json", "{"), wantErr: "bad.json"},
		{name: "invalid", path: write("invalid.json", `{"channel":"grantledger"}`), wantErr: "chaincode is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := LoadProfile(tt.path)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("LoadProfile() = %v, want an error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("LoadProfile() error = %v", err)
			}
			o := p.Orgs[0]
			if o.Peer.HostOverride != "peer0.authority.example.com" || o.API != "localhost:8080" || o.Users[0].Key != "/a.key" {
				t.Errorf("LoadProfile() = %+v, want every field of the file", o)
			}
		})
	}
}
