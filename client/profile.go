package client

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
)

// Profile describes a running grantledger network from the point of view of
// its clients: the channel, the chaincode and, for every organisation, its
// gateway peer and the identities it may act as. The network tooling writes
// it (var/network.json for the local network); the API and tools read it.
type Profile struct {
	Channel   string       `json:"channel"`
	Chaincode string       `json:"chaincode"`
	Orgs      []OrgProfile `json:"orgs"`
}

// OrgProfile is one organisation's connection details.
type OrgProfile struct {
	// MSPID is the organisation's Fabric MSP ID, e.g. "AuthorityMSP".
	MSPID string `json:"mspId"`
	// Name is the short name used for directories and flags, e.g. "authority".
	Name string `json:"name"`
	// Role is the party the organisation plays (authority, provider,
	// operator, platform, regulator).
	Role string `json:"role"`
	// Peer is the organisation's own peer, which its clients use as gateway.
	Peer PeerProfile `json:"peer"`
	// Users are the identities of the organisation, the admin first.
	Users []UserProfile `json:"users"`
	// API is where the organisation's grantledger API listens, when one runs.
	API string `json:"api,omitempty"`
}

// PeerProfile is how to reach a peer's gateway service.
type PeerProfile struct {
	Name string `json:"name"`
	// Address is host:port of the peer's gRPC endpoint.
	Address string `json:"address"`
	// TLSRootCert is the path of the PEM CA certificate that signed the peer's TLS certificate.
	TLSRootCert string `json:"tlsRootCert"`
	// HostOverride, when set, is the TLS server name to verify instead of the address's host.
	HostOverride string `json:"hostOverride,omitempty"`
}

// UserProfile is one enrolled identity: its certificate and private key files (PEM).
type UserProfile struct {
	Name string `json:"name"`
	Cert string `json:"cert"`
	Key  string `json:"key"`
}

// LoadProfile reads and checks a profile file.
func LoadProfile(path string) (*Profile, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load profile: %w", err)
	}
	var p Profile
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, fmt.Errorf("load profile %s: %w", path, err)
	}
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("load profile %s: %w", path, err)
	}
	return &p, nil
}

// Validate reports the first missing or ambiguous field of the profile:
// organisations are looked up by MSP ID or name and users by name, so those
// must be unique.
func (p *Profile) Validate() error {
	if p.Channel == "" {
		return errors.New("channel is empty")
	}
	if p.Chaincode == "" {
		return errors.New("chaincode is empty")
	}
	if len(p.Orgs) == 0 {
		return errors.New("no organisations")
	}
	orgs := make(map[string]bool)
	for i, o := range p.Orgs {
		switch {
		case o.MSPID == "":
			return fmt.Errorf("orgs[%d].mspId is empty", i)
		case o.Peer.Address == "":
			return fmt.Errorf("orgs[%d].peer.address is empty", i)
		case o.Peer.TLSRootCert == "":
			return fmt.Errorf("orgs[%d].peer.tlsRootCert is empty", i)
		case len(o.Users) == 0:
			return fmt.Errorf("orgs[%d].users is empty", i)
		}
		for _, id := range []string{o.MSPID, o.Name} {
			if id == "" {
				continue
			}
			if orgs[id] {
				return fmt.Errorf("orgs[%d]: organisation %q appears twice", i, id)
			}
			orgs[id] = true
		}
		users := make(map[string]bool)
		for j, u := range o.Users {
			if u.Name == "" || u.Cert == "" || u.Key == "" {
				return fmt.Errorf("orgs[%d].users[%d] needs name, cert and key", i, j)
			}
			if users[u.Name] {
				return fmt.Errorf("orgs[%d].users[%d]: user %q appears twice", i, j, u.Name)
			}
			users[u.Name] = true
		}
	}
	return nil
}

// Org returns the profile of the organisation with the given MSP ID or short name.
func (p *Profile) Org(id string) (*OrgProfile, error) {
	for i := range p.Orgs {
		if p.Orgs[i].MSPID == id || p.Orgs[i].Name == id {
			return &p.Orgs[i], nil
		}
	}
	return nil, fmt.Errorf("organisation %q is not in the profile", id)
}

// User returns the named identity of the organisation.
func (o *OrgProfile) User(name string) (*UserProfile, error) {
	for i := range o.Users {
		if o.Users[i].Name == name {
			return &o.Users[i], nil
		}
	}
	return nil, fmt.Errorf("organisation %s has no user %q", o.MSPID, name)
}
