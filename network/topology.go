package network

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net"
	"os"
	"regexp"
	"strconv"
	"time"
)

// Topology is the shape of a grantledger network: its channel, orderers,
// peer organisations and chaincode service. The default one lives in
// test-network/topology.json; nothing in the tooling assumes its addresses.
type Topology struct {
	Channel string `json:"channel"`
	// Domain is the DNS suffix of node and organisation names in the
	// generated certificates (peer0.health.<domain>).
	Domain string `json:"domain"`
	// BatchTimeout is how long an orderer waits to fill a block.
	BatchTimeout string `json:"batchTimeout"`
	// BatchMaxMessages is the most transactions a block carries.
	BatchMaxMessages int           `json:"batchMaxMessages"`
	Chaincode        ChaincodeSpec `json:"chaincode"`
	OrdererOrg       OrdererOrg    `json:"ordererOrg"`
	Orgs             []PeerOrg     `json:"orgs"`
}

// ChaincodeSpec is the contract deployed on the channel. Where it is served
// is each organisation's own business: PeerOrg.Chaincode.
type ChaincodeSpec struct {
	Name string `json:"name"`
	// Address was the one chaincode service every peer dialled. It is
	// kept only so that Validate can say what replaced it: each
	// organisation now runs its own service (PeerOrg.Chaincode).
	Address string `json:"address,omitempty"`
	// Policy overrides the endorsement policy; empty means a majority of
	// the peer organisations (see docs/network.md for why).
	Policy string `json:"policy,omitempty"`
}

// OrdererOrg is the ordering service organisation and its Raft nodes.
type OrdererOrg struct {
	Name  string `json:"name"`
	MSPID string `json:"mspId"`
	Nodes []Node `json:"nodes"`
}

// PeerOrg is one party's organisation.
type PeerOrg struct {
	Name  string `json:"name"`
	MSPID string `json:"mspId"`
	// Role is the party the organisation plays in the process.
	Role string `json:"role"`
	// Users is how many client users besides the admin to enrol.
	Users int    `json:"users"`
	Peers []Node `json:"peers"`
	// API is host:port where the organisation's grantledger API listens.
	API string `json:"api,omitempty"`
	// Anchor is host:port where the organisation's anchoring service
	// (glanchor) listens; only a platform organisation runs one (see
	// network/anchor.go).
	Anchor string `json:"anchor,omitempty"`
	// Chaincode is host:port where the organisation's own chaincode
	// service listens; only its own peers dial it. Empty means the first
	// peer's host and that peer's port plus chaincodePortDelta (7051 →
	// 7999); see ChaincodeAddr.
	Chaincode string `json:"chaincode,omitempty"`
}

// chaincodePortDelta derives an organisation's default chaincode service
// port from its first peer's port: 7051 → 7999, 8051 → 8999, …
const chaincodePortDelta = 948

// ChaincodeAddr is host:port of the organisation's chaincode service: the
// topology's chaincode field, or the default derived from its first peer.
func (o *PeerOrg) ChaincodeAddr() string {
	if o.Chaincode != "" || len(o.Peers) == 0 {
		return o.Chaincode
	}
	p := o.Peers[0]
	return net.JoinHostPort(p.Host, strconv.Itoa(p.Port+chaincodePortDelta))
}

// Node is an orderer or a peer process.
type Node struct {
	Name string `json:"name"`
	// Host is the address other nodes and clients dial; the node's TLS
	// certificate names it.
	Host string `json:"host"`
	Port int    `json:"port"`
	// AdminPort is an orderer's channel participation API.
	AdminPort int `json:"adminPort,omitempty"`
	// ChaincodePort is where a peer listens for chaincode connections.
	ChaincodePort  int `json:"chaincodePort,omitempty"`
	OperationsPort int `json:"operationsPort"`
}

var (
	nameRE  = regexp.MustCompile(`^[a-z][a-z0-9-]{0,30}$`)
	mspIDRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]{0,40}$`)
)

// Roles the contract knows for organisations.
var orgRoles = map[string]bool{"authority": true, "provider": true, "operator": true, "platform": true, "regulator": true, "developer": true, "expert": true, "exchange": true}

// LoadTopology reads a topology file and checks it.
func LoadTopology(path string) (*Topology, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load topology: %w", err)
	}
	var t Topology
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&t); err != nil {
		return nil, fmt.Errorf("load topology %s: %w", path, err)
	}
	if err := t.Validate(); err != nil {
		return nil, fmt.Errorf("load topology %s: %w", path, err)
	}
	return &t, nil
}

// Validate reports the first thing wrong with the topology.
func (t *Topology) Validate() error {
	if !nameRE.MatchString(t.Channel) {
		return fmt.Errorf("channel %q: want lower-case letters, digits and dashes", t.Channel)
	}
	if t.Domain == "" {
		return errors.New("domain is empty")
	}
	if d, err := time.ParseDuration(t.BatchTimeout); err != nil || d <= 0 {
		return fmt.Errorf("batchTimeout %q: want a positive duration such as 250ms", t.BatchTimeout)
	}
	if t.BatchMaxMessages < 1 {
		return fmt.Errorf("batchMaxMessages %d: want at least 1", t.BatchMaxMessages)
	}
	if !nameRE.MatchString(t.Chaincode.Name) {
		return fmt.Errorf("chaincode.name %q: want lower-case letters, digits and dashes", t.Chaincode.Name)
	}
	if t.Chaincode.Address != "" {
		return errors.New("chaincode.address: each organisation runs its own chaincode service now; give it as orgs[].chaincode (or leave it out for the default, the first peer's port + 948)")
	}
	if !nameRE.MatchString(t.OrdererOrg.Name) || !mspIDRE.MatchString(t.OrdererOrg.MSPID) {
		return fmt.Errorf("ordererOrg: name %q or mspId %q is malformed", t.OrdererOrg.Name, t.OrdererOrg.MSPID)
	}
	if n := len(t.OrdererOrg.Nodes); n == 0 {
		return errors.New("ordererOrg.nodes is empty")
	}
	if len(t.Orgs) == 0 {
		return errors.New("orgs is empty")
	}
	seenName := map[string]bool{t.OrdererOrg.Name: true}
	seenMSP := map[string]bool{t.OrdererOrg.MSPID: true}
	seenAddr := map[string]string{}
	claim := func(owner string, host string, ports ...int) error {
		for _, p := range ports {
			if p <= 0 || p > 65535 {
				return fmt.Errorf("%s: port %d out of range", owner, p)
			}
			a := net.JoinHostPort(host, strconv.Itoa(p))
			if other, dup := seenAddr[a]; dup {
				return fmt.Errorf("%s: address %s is also used by %s", owner, a, other)
			}
			seenAddr[a] = owner
		}
		return nil
	}
	for i, n := range t.OrdererOrg.Nodes {
		owner := fmt.Sprintf("ordererOrg.nodes[%d]", i)
		if err := n.validate(owner); err != nil {
			return err
		}
		if err := claim(owner, n.Host, n.Port, n.AdminPort, n.OperationsPort); err != nil {
			return err
		}
	}
	for i, o := range t.Orgs {
		owner := fmt.Sprintf("orgs[%d]", i)
		if !nameRE.MatchString(o.Name) {
			return fmt.Errorf("%s.name %q: want lower-case letters, digits and dashes", owner, o.Name)
		}
		if !mspIDRE.MatchString(o.MSPID) {
			return fmt.Errorf("%s.mspId %q is malformed", owner, o.MSPID)
		}
		if seenName[o.Name] || seenMSP[o.MSPID] {
			return fmt.Errorf("%s: name %q or mspId %q is used twice", owner, o.Name, o.MSPID)
		}
		seenName[o.Name], seenMSP[o.MSPID] = true, true
		if !orgRoles[o.Role] {
			return fmt.Errorf("%s.role %q: want one of authority, provider, operator, platform, regulator, developer, expert, exchange", owner, o.Role)
		}
		if o.Users < 1 {
			return fmt.Errorf("%s.users %d: want at least 1", owner, o.Users)
		}
		if len(o.Peers) == 0 {
			return fmt.Errorf("%s.peers is empty", owner)
		}
		for j, p := range o.Peers {
			pOwner := fmt.Sprintf("%s.peers[%d]", owner, j)
			if err := p.validate(pOwner); err != nil {
				return err
			}
			if err := claim(pOwner, p.Host, p.Port, p.ChaincodePort, p.OperationsPort); err != nil {
				return err
			}
		}
		if o.API != "" {
			host, port, err := splitHostPort(o.API)
			if err != nil {
				return fmt.Errorf("%s.api: %w", owner, err)
			}
			if err := claim(owner+".api", host, port); err != nil {
				return err
			}
		}
		if err := o.validateAnchor(owner, claim); err != nil {
			return err
		}
		host, port, err := splitHostPort(o.ChaincodeAddr())
		if err != nil {
			return fmt.Errorf("%s.chaincode: %w", owner, err)
		}
		if err := claim(owner+".chaincode", host, port); err != nil {
			return err
		}
	}
	return nil
}

func (n Node) validate(owner string) error {
	if !nameRE.MatchString(n.Name) {
		return fmt.Errorf("%s.name %q: want lower-case letters, digits and dashes", owner, n.Name)
	}
	if n.Host == "" {
		return fmt.Errorf("%s.host is empty", owner)
	}
	return nil
}

// Shift moves every port of the topology by offset, so that a second
// network (the end-to-end tests') can run beside the default one.
func (t *Topology) Shift(offset int) error {
	if offset == 0 {
		return nil
	}
	shift := func(p *int) {
		if *p != 0 {
			*p += offset
		}
	}
	shiftAddr := func(a *string) error {
		if *a == "" {
			return nil
		}
		host, port, err := splitHostPort(*a)
		if err != nil {
			return err
		}
		*a = net.JoinHostPort(host, strconv.Itoa(port+offset))
		return nil
	}
	for i := range t.OrdererOrg.Nodes {
		n := &t.OrdererOrg.Nodes[i]
		shift(&n.Port)
		shift(&n.AdminPort)
		shift(&n.OperationsPort)
	}
	for i := range t.Orgs {
		o := &t.Orgs[i]
		for j := range o.Peers {
			p := &o.Peers[j]
			shift(&p.Port)
			shift(&p.ChaincodePort)
			shift(&p.OperationsPort)
		}
		if err := shiftAddr(&o.API); err != nil {
			return fmt.Errorf("shift %s api: %w", o.Name, err)
		}
		if err := shiftAddr(&o.Anchor); err != nil {
			return fmt.Errorf("shift %s anchor: %w", o.Name, err)
		}
		// A default address follows the (shifted) peer port by itself.
		if err := shiftAddr(&o.Chaincode); err != nil {
			return fmt.Errorf("shift %s chaincode: %w", o.Name, err)
		}
	}
	return t.Validate()
}

func splitHostPort(a string) (string, int, error) {
	host, p, err := net.SplitHostPort(a)
	if err != nil {
		return "", 0, fmt.Errorf("%q: want host:port", a)
	}
	port, err := strconv.Atoi(p)
	if err != nil || port <= 0 || port > 65535 || host == "" {
		return "", 0, fmt.Errorf("%q: want host:port with a port from 1 to 65535", a)
	}
	return host, port, nil
}

// Org returns the peer organisation with the given name or MSP ID.
func (t *Topology) Org(id string) (*PeerOrg, bool) {
	for i := range t.Orgs {
		if t.Orgs[i].Name == id || t.Orgs[i].MSPID == id {
			return &t.Orgs[i], true
		}
	}
	return nil, false
}

// Addr is the node's host:port.
func (n Node) Addr() string { return net.JoinHostPort(n.Host, strconv.Itoa(n.Port)) }

// AdminAddr is an orderer's channel participation endpoint.
func (n Node) AdminAddr() string { return net.JoinHostPort(n.Host, strconv.Itoa(n.AdminPort)) }

// OperationsAddr is the node's operations (health, metrics) endpoint.
func (n Node) OperationsAddr() string {
	return net.JoinHostPort(n.Host, strconv.Itoa(n.OperationsPort))
}

// ordererFQDN is the orderer's certificate name.
func (t *Topology) ordererFQDN(n Node) string {
	return n.Name + "." + t.ordererDomain()
}

func (t *Topology) ordererDomain() string { return t.OrdererOrg.Name + "." + t.Domain }

func (t *Topology) orgDomain(o *PeerOrg) string { return o.Name + "." + t.Domain }

func (t *Topology) peerFQDN(o *PeerOrg, p Node) string { return p.Name + "." + t.orgDomain(o) }

// peers yields every peer with its organisation, in topology order.
func (t *Topology) peers() iter.Seq2[*PeerOrg, Node] {
	return func(yield func(*PeerOrg, Node) bool) {
		for i := range t.Orgs {
			o := &t.Orgs[i]
			for _, p := range o.Peers {
				if !yield(o, p) {
					return
				}
			}
		}
	}
}
