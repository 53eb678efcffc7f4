package ledger

import "strings"

// ExpertStatus is the state of an expert's membership of the committee.
type ExpertStatus string

// Expert states.
const (
	ExpertActive  ExpertStatus = "active"  // 在任
	ExpertRetired ExpertStatus = "retired" // 已解聘
)

// MaxClientLen bounds a client identity string, in characters.
const MaxClientLen = 1024

// Expert is a member of the expert committee (专家咨询委员会): an individual
// the authority convenes, not an organisation. It is known by one client
// identity of some MSP, the string WhoAmI reports; while it is active, that
// identity acts in RoleExpert (see ResolveActor).
type Expert struct {
	// Client is the client identity: "x509::<subject>::<issuer>".
	Client string `json:"client"`
	// MSP is the organisation whose CA issued the identity.
	MSP string `json:"msp"`
	// Name is how the committee refers to the member (a name, a seat).
	Name    string       `json:"name"`
	Status  ExpertStatus `json:"status"`
	Reason  string       `json:"reason,omitempty" metadata:",optional"`
	Created Stamp        `json:"created"`
	Updated Stamp        `json:"updated"`
}

// ExpertRequest registers an expert.
type ExpertRequest struct {
	// MSP is the MSP ID of the expert's identity.
	MSP string `json:"msp"`
	// Client is the expert's client identity, as WhoAmI reports it to the expert.
	Client string `json:"client"`
	Name   string `json:"name"`
}

// CheckClientIdentity reports whether v looks like a client identity as the
// contract derives it from an X.509 certificate: "x509::<subject>::<issuer>".
func CheckClientIdentity(field, v string) error {
	if err := checkText(field, v, MaxClientLen, true); err != nil {
		return err
	}
	subject, issuer, ok := strings.Cut(strings.TrimPrefix(v, "x509::"), "::")
	if !strings.HasPrefix(v, "x509::") || !ok || subject == "" || issuer == "" {
		return invalid(field, "%q is not a client identity as WhoAmI reports it (x509::<subject>::<issuer>)", v)
	}
	return nil
}

// RegisterExpert convenes an individual as an expert. Only the authority
// registers experts, only identities its own organisation enrolled, and not
// its own identity (it would stop being the
// authority). An identity is registered once; a retired expert may be
// registered again, which makes it active under the new name.
func RegisterExpert(c Actor, req ExpertRequest, existing *Expert, st Stamp) (*Expert, error) {
	if !c.Is(RoleAuthority) {
		return nil, forbidden("only the authority registers experts; %s is %s", c.MSP, roleName(c.Role))
	}
	if err := CheckID("msp", req.MSP); err != nil {
		return nil, err
	}
	if err := CheckClientIdentity("client", req.Client); err != nil {
		return nil, err
	}
	if err := checkText("name", req.Name, MaxNameLen, true); err != nil {
		return nil, err
	}
	if req.MSP != c.MSP {
		// An identity registered as an expert stops acting for its
		// organisation; only the organisation that enrolled it could agree
		// to that, so the committee is drawn from the authority's own.
		return nil, refused("experts are identities of the authority's organisation %s, not of %s", c.MSP, req.MSP)
	}
	if req.MSP == c.MSP && req.Client == c.Client {
		return nil, refused("the authority's identity registering experts cannot become one; register another identity")
	}
	if existing == nil {
		return &Expert{Client: req.Client, MSP: req.MSP, Name: req.Name, Status: ExpertActive, Created: st, Updated: st}, nil
	}
	if existing.Status == ExpertActive {
		return nil, conflict("expert %s is already registered and active", req.Client)
	}
	e := *existing
	e.MSP, e.Name, e.Status, e.Reason, e.Updated = req.MSP, req.Name, ExpertActive, "", st
	return &e, nil
}

// Retire ends an expert's membership: from then on its identity acts for
// its organisation again, and its opinions are refused. Only the authority
// retires experts, with a reason.
func (e *Expert) Retire(c Actor, reason string, st Stamp) error {
	if !c.Is(RoleAuthority) {
		return forbidden("only the authority retires experts; %s is %s", c.MSP, roleName(c.Role))
	}
	if err := checkText("reason", reason, MaxTextLen, true); err != nil {
		return err
	}
	if e.Status == ExpertRetired {
		return conflict("expert %s is already retired", e.Client)
	}
	e.Status, e.Reason, e.Updated = ExpertRetired, reason, st
	return nil
}
