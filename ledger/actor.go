package ledger

import (
	"slices"
	"time"
)

// Role is a party's part in authorized operation: an organisation's, or an
// individual expert's (RoleExpert).
type Role string

// The roles of the participants registry (参与方).
const (
	RoleAuthority Role = "authority" // 公共数据主管部门: publishes calls, reviews, grants, signs agreements
	RoleProvider  Role = "provider"  // 数据提供单位: owns datasets, approves grants over them
	RoleOperator  Role = "operator"  // 授权运营主体: applies, holds grants, builds products
	RolePlatform  Role = "platform"  // 平台运营主体: runs the trusted environment, registers attestors
	RoleRegulator Role = "regulator" // 监管方: reads everything
	RoleDeveloper Role = "developer" // 开发利用主体: holds sub-grants (分级授权)
	RoleExpert    Role = "expert"    // 专家咨询委员会: records opinions
	RoleExchange  Role = "exchange"  // 数据交易所: confirms listings, issues registration numbers, records delistings
)

var roles = []Role{RoleAuthority, RoleProvider, RoleOperator, RolePlatform, RoleRegulator, RoleDeveloper, RoleExpert, RoleExchange}

// Roles returns every role the registry takes, so that what validates a
// role before the contract (the API's request rules) can be held to it.
func Roles() []Role { return slices.Clone(roles) }

// Actor is the identity a transaction runs as (the caller), resolved by the chaincode
// from the Fabric client identity: never taken from an argument.
type Actor struct {
	// MSP is the caller's organisation (MSP ID).
	MSP string `json:"msp"`
	// Client is the client identity (x509 subject and issuer) kept for audit.
	Client string `json:"client"`
	// Role is the organisation's registered role; the authority MSP fixed at
	// bootstrap is always RoleAuthority; empty when not registered. An
	// individual expert's role is RoleExpert, whatever its organisation's.
	Role Role `json:"role,omitempty" metadata:",optional"`
	// Individual is set when the client identity is a registered, active
	// expert (专家咨询委员会成员): the caller then acts as that individual, in
	// RoleExpert, and not for its organisation.
	Individual bool `json:"individual,omitempty" metadata:",optional"`
	// Status is the qualification of an operator or developer caller
	// (准入与退出), from the participants registry; empty for other roles
	// and for individual experts.
	Status OperatorStatus `json:"status,omitempty" metadata:",optional"`
	// StatusReason is the reason the authority gave for Status.
	StatusReason string `json:"statusReason,omitempty" metadata:",optional"`
}

// ResolveActor returns the actor a transaction runs as, given the MSP ID
// and client identity of the Fabric client, the authority MSP fixed at
// bootstrap, the registered participant of that MSP (nil when none) and the
// expert registered under that client identity (nil when none). A client
// identity registered as an active expert of that MSP is an individual in
// RoleExpert; otherwise the caller has its organisation's role: authority
// for the authority MSP, else the registered one, else none.
func ResolveActor(msp, client, authorityMSP string, org *Participant, expert *Expert) Actor {
	c := Actor{MSP: msp, Client: client}
	switch {
	case expert != nil && expert.Status == ExpertActive && expert.MSP == msp && expert.Client == client:
		c.Role, c.Individual = RoleExpert, true
	case msp == authorityMSP:
		c.Role = RoleAuthority
	case org != nil && org.MSP == msp:
		c.Role = org.Role
		if org.Role == RoleOperator || org.Role == RoleDeveloper {
			c.Status, c.StatusReason = org.Status, org.StatusReason
		}
	}
	return c
}

// admitted refuses a caller acting for a suspended or exited operator or
// developer (准入与退出): it may not act until re-admitted.
func (c Actor) admitted(action string) error {
	if c.Individual {
		return nil
	}
	return RequireAdmitted(&Participant{MSP: c.MSP, Role: c.Role, Status: c.Status, StatusReason: c.StatusReason}, action)
}

// Is reports whether the caller has one of the roles.
func (c Actor) Is(rs ...Role) bool { return c.Role != "" && slices.Contains(rs, c.Role) }

// ActsFor reports whether c acts for the organisation msp: c is one of its
// identities and not an individual expert, who acts for itself alone, so
// that an expert of an operator cannot, say, list the operator's products.
func (c Actor) ActsFor(msp string) bool { return !c.Individual && msp != "" && c.MSP == msp }

// who names the caller in messages.
func (c Actor) who() string {
	if c.Individual {
		return c.MSP + " acting as an individual expert"
	}
	return c.MSP
}

// readsAll reports whether the caller may read every record: the regulator
// and the authority that administers the process.
func (c Actor) readsAll() bool { return c.Is(RoleRegulator, RoleAuthority) }

// Stamp records who changed an object, in which transaction and when.
type Stamp struct {
	TxID   string    `json:"txId"`
	Time   time.Time `json:"time"`
	MSP    string    `json:"msp"`
	Client string    `json:"client"`
}

// NewStamp returns the stamp of a transaction by caller c.
func NewStamp(c Actor, txID string, at time.Time) Stamp {
	return Stamp{TxID: txID, Time: at.UTC(), MSP: c.MSP, Client: c.Client}
}

func roleName(r Role) string {
	switch r {
	case "":
		return "not a registered participant"
	case RoleAuthority, RoleOperator, RoleExpert, RoleExchange:
		return "an " + string(r)
	}
	return "a " + string(r)
}
