package ledger

import (
	"github.com/grantledger/grantledger/attest"
)

// AttestorStatus is the state of an attestor.
type AttestorStatus string

// Attestor states.
const (
	AttestorActive  AttestorStatus = "active"  // 在用
	AttestorRetired AttestorStatus = "retired" // 已停用
)

// Attestor is a trusted processing environment of the platform (可信数据空间/
// 隐私计算环境), known by the secp256k1 address its usage receipts recover to.
type Attestor struct {
	Address  string         `json:"address"`
	Platform string         `json:"platform"`
	Name     string         `json:"name"`
	Status   AttestorStatus `json:"status"`
	Reason   string         `json:"reason,omitempty" metadata:",optional"`
	Created  Stamp          `json:"created"`
	Updated  Stamp          `json:"updated"`
}

// AttestorRequest registers an attestor.
type AttestorRequest struct {
	Address string `json:"address"`
	Name    string `json:"name"`
}

// NormalizeAttestorAddress returns the canonical (lower-case 0x) form of an
// attestor address, the key it is stored under.
func NormalizeAttestorAddress(field, address string) (string, error) {
	a, err := attest.NormalizeAddress(address)
	if err != nil {
		return "", invalid(field, "%q is not a 20-byte 0x-hex address", address)
	}
	return a, nil
}

// RegisterAttestor registers a trusted environment's address. Only the
// platform registers.
func RegisterAttestor(c Actor, req AttestorRequest, existing *Attestor, st Stamp) (*Attestor, error) {
	if !c.Is(RolePlatform) {
		return nil, forbidden("only the platform registers attestors; %s is %s", c.MSP, roleName(c.Role))
	}
	addr, err := NormalizeAttestorAddress("address", req.Address)
	if err != nil {
		return nil, err
	}
	if err := checkText("name", req.Name, MaxNameLen, true); err != nil {
		return nil, err
	}
	if existing != nil {
		return nil, conflict("attestor %s is already registered (%s)", addr, existing.Status)
	}
	return &Attestor{Address: addr, Platform: c.MSP, Name: req.Name, Status: AttestorActive, Created: st, Updated: st}, nil
}

// Retire stops an attestor: receipts it signs are refused from then on. The
// platform that registered it or the authority may retire it.
func (a *Attestor) Retire(c Actor, reason string, st Stamp) error {
	if !c.Is(RoleAuthority) && !(c.Is(RolePlatform) && c.ActsFor(a.Platform)) {
		return forbidden("attestor %s is retired by the platform that registered it or the authority, not %s", a.Address, c.who())
	}
	if err := checkText("reason", reason, MaxTextLen, true); err != nil {
		return err
	}
	if a.Status == AttestorRetired {
		return conflict("attestor %s is already retired", a.Address)
	}
	a.Status, a.Reason, a.Updated = AttestorRetired, reason, st
	return nil
}
