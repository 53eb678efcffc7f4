package ledger

import "slices"

// EventRef names another object a transaction changed.
type EventRef struct {
	Type   string `json:"type"`
	ID     string `json:"id"`
	Change string `json:"change"`
	// Audience is who may read that object.
	Audience *Audience `json:"audience,omitempty" metadata:",optional"`
}

// Event is the payload of the one chaincode event every state-changing
// transaction emits. Its name is "<type>.<change>", e.g. "grant.revoked".
// Transactions that change several objects name the primary object and list
// the others in Related.
type Event struct {
	Type    string     `json:"type"`
	ID      string     `json:"id"`
	Change  string     `json:"change"`
	TxID    string     `json:"txId"`
	Actor   string     `json:"actor"`
	Related []EventRef `json:"related,omitempty"`
	// Audience is who may read the object; nil only in events of contracts
	// older than audiences.
	Audience *Audience `json:"audience,omitempty" metadata:",optional"`
}

// Audience is who may read an object besides the authority and the
// regulator, who read everything. Every event carries its object's audience,
// fixed by the contract when the object changed, so that whoever passes
// events on (the API's stream, glevents) passes each only to a caller that
// may read the object: an event names an object and what happened to it,
// and even that is not everyone's to know.
type Audience struct {
	// Public: anyone may read the object (a listed product, a dataset).
	Public bool `json:"public,omitempty"`
	// Orgs are the organisations (MSP IDs) that may read it.
	Orgs []string `json:"orgs,omitempty"`
	// Roles may read it whatever their organisation (experts, the platform).
	Roles []Role `json:"roles,omitempty"`
	// Clients are single identities that may read it, whatever they act
	// as: the author of an opinion, who may be an individual expert acting
	// for no organisation.
	Clients []ClientIdentity `json:"clients,omitempty"`
}

// ClientIdentity is one Fabric client identity: its MSP ID and its client
// identity within that MSP (x509 subject and issuer, as WhoAmI reports it).
// Both are needed: another organisation's CA could issue a certificate of
// the same subject and issuer.
type ClientIdentity struct {
	MSP    string `json:"msp"`
	Client string `json:"client"`
}

// Includes reports whether the caller may read an object of this audience.
func (a Audience) Includes(c Actor) bool {
	return a.Public || c.readsAll() || slices.ContainsFunc(a.Orgs, c.ActsFor) || (c.Role != "" && slices.Contains(a.Roles, c.Role)) ||
		(c.Client != "" && slices.Contains(a.Clients, ClientIdentity{MSP: c.MSP, Client: c.Client}))
}

// public is the audience of what anyone may read.
var public = Audience{Public: true}

// orgs is the audience of the named organisations, without empty names.
func orgs(msps ...string) Audience {
	var a Audience
	for _, m := range msps {
		if m != "" && !slices.Contains(a.Orgs, m) {
			a.Orgs = append(a.Orgs, m)
		}
	}
	return a
}

// Audience of each kind of object, as its VisibleTo decides.

// Audience of a participant: the registry is public (VisibleTo redacts).
func (p *Participant) Audience() Audience { return public }

// Audience of an expert: the committee is public.
func (e *Expert) Audience() Audience { return public }

// Audience of a dataset: the catalogue is public.
func (d *Dataset) Audience() Audience { return public }

// Audience of a call: calls are published.
func (call *Call) Audience() Audience { return public }

// Audience of an attestor: the platform's registry is public.
func (a *Attestor) Audience() Audience { return public }

// Audience of an application: its operator and the experts.
func (a *Application) Audience() Audience {
	au := orgs(a.Operator)
	au.Roles = []Role{RoleExpert}
	return au
}

// Audience of a grant (and its usage): holder, parent's holder, providers.
func (g *Grant) Audience() Audience {
	return orgs(append([]string{g.Holder, g.ParentHolder}, g.Providers...)...)
}

// Audience of an agreement: its operator.
func (a *Agreement) Audience() Audience { return orgs(a.Operator) }

// Audience of a product: everyone once listed; before, its owner, the
// experts and the platform that give opinions on it.
func (p *Product) Audience() Audience {
	if p.Status == ProductListed {
		return public
	}
	au := orgs(p.Owner)
	au.Roles = []Role{RoleExpert, RolePlatform}
	if p.OfferedToExchange() {
		au.Roles = append(au.Roles, RoleExchange)
	}
	return au
}

// Audience of a review: the operator it concerns.
func (r *Review) Audience(app *Application) Audience {
	if r.Kind.OnOperator() {
		return orgs(r.Subject)
	}
	if app == nil {
		return Audience{}
	}
	return orgs(app.Operator)
}

// Audience of an opinion: its author (the identity that recorded it, and
// its organisation), and the subject's owner.
func (o *Opinion) Audience(subjectOwner string) Audience {
	a := orgs(o.Author, subjectOwner)
	if o.AuthorClient != "" {
		a.Clients = []ClientIdentity{{MSP: o.Author, Client: o.AuthorClient}}
	}
	return a
}

// Audience of a receipt: the platform and whoever reads its grant.
func (r *Receipt) Audience(g *Grant) Audience {
	var au Audience
	if g != nil {
		au = g.Audience()
	}
	au.Roles = []Role{RolePlatform}
	return au
}

// Audience of a batch: the platform, the organisation that submitted it and
// whoever reads any of its grants.
func (b *Batch) Audience(grants []*Grant) Audience {
	ms := []string{b.Created.MSP} // the submitter, as VisibleTo
	for _, g := range grants {
		if g != nil {
			ms = append(ms, g.Audience().Orgs...)
		}
	}
	au := orgs(ms...)
	au.Roles = []Role{RolePlatform}
	return au
}

// Readable reports whether c may read the object of an event with audience
// a. An event without an audience (from a contract before audiences) is
// read only by those who read everything.
func Readable(a *Audience, c Actor) bool {
	if a == nil {
		return c.readsAll()
	}
	return a.Includes(c)
}

// ReadableRelated returns the related objects of an event that c may read.
func ReadableRelated(refs []EventRef, c Actor) []EventRef {
	var out []EventRef
	for _, r := range refs {
		if Readable(r.Audience, c) {
			out = append(out, r)
		}
	}
	return out
}
