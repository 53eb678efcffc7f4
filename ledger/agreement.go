package ledger

import "time"

// AgreementStatus is the state of an agreement (协议).
type AgreementStatus string

// Agreement states: proposed → in-force when both parties have signed;
// expired is reached by time and evaluated on read.
const (
	AgreementProposed AgreementStatus = "proposed" // 待签署
	AgreementInForce  AgreementStatus = "in-force" // 生效
	AgreementExpired  AgreementStatus = "expired"  // 到期
)

// Agreement is the written authorized-operation agreement (授权运营协议)
// bound to a first-level grant: the signed text stays off-chain, its digest
// is recorded, and both the authority and the operator sign with their own
// identities.
type Agreement struct {
	ID       string `json:"id"`
	GrantID  string `json:"grantId"`
	Operator string `json:"operator"`
	// TextDigest lives in the operator's private collection
	// (AgreementText): empty in the public record.
	TextDigest string          `json:"textDigest,omitempty" metadata:",optional"`
	Term       Term            `json:"term"`
	Status     AgreementStatus `json:"status"`
	// AuthoritySigned and OperatorSigned record each party's signature.
	AuthoritySigned Stamp `json:"authoritySigned,omitzero" metadata:",optional"`
	OperatorSigned  Stamp `json:"operatorSigned,omitzero" metadata:",optional"`
	// InForceFrom is when the second signature made the agreement binding.
	InForceFrom time.Time `json:"inForceFrom,omitzero" metadata:",optional"`
	Created     Stamp     `json:"created"`
	Updated     Stamp     `json:"updated"`
}

// AgreementRequest proposes an agreement for a grant.
type AgreementRequest struct {
	ID      string `json:"id"`
	GrantID string `json:"grantId"`
	Term    Term   `json:"term"`
}

// ProposeAgreement records the agreement the authority proposes for a
// first-level grant that is proposed or active: its term is at most
// MaxTermYears after a trial of at most MaxTrialMonths. A grant has one
// agreement at a time.
func ProposeAgreement(c Actor, req AgreementRequest, existing *Agreement, g *Grant, others []Agreement, st Stamp) (*Agreement, error) {
	if !c.Is(RoleAuthority) {
		return nil, forbidden("only the authority proposes agreements")
	}
	if err := CheckID("id", req.ID); err != nil {
		return nil, err
	}
	if err := CheckID("grantId", req.GrantID); err != nil {
		return nil, err
	}
	term := req.Term.normalize()
	if err := term.Validate("term"); err != nil {
		return nil, err
	}
	if !term.ValidTo.After(st.Time) {
		return nil, invalid("term.validTo", "%s is already past", stamp(term.ValidTo))
	}
	if existing != nil {
		return nil, conflict("agreement %s already exists", req.ID)
	}
	if g == nil {
		return nil, NotFound("grant", req.GrantID)
	}
	if g.ParentID != "" {
		return nil, refused("grant %s is a sub-grant; it is used under its parent's agreement", g.ID)
	}
	if err := g.requireStatus(st.Time, "bound to an agreement", GrantProposed, GrantActive); err != nil {
		return nil, err
	}
	for _, a := range others {
		if a.GrantID == g.ID && a.EffectiveStatus(st.Time) != AgreementExpired {
			return nil, conflict("grant %s already has agreement %s (%s)", g.ID, a.ID, a.Status)
		}
	}
	return &Agreement{
		ID: req.ID, GrantID: g.ID, Operator: g.Holder, Term: term,
		Status: AgreementProposed, Created: st, Updated: st,
	}, nil
}

// Sign records the caller's signature: the authority's or the operator's,
// each with its own identity, once the agreement's text is attached
// (textAttached: its private record exists, as its hash on the ledger
// shows). The agreement is in force once both signed.
func (a *Agreement) Sign(c Actor, textAttached bool, st Stamp) error {
	var sig *Stamp
	switch {
	case c.Is(RoleAuthority):
		sig = &a.AuthoritySigned
	case c.ActsFor(a.Operator):
		if err := c.admitted("sign agreements"); err != nil {
			return err
		}
		sig = &a.OperatorSigned
	default:
		return unlessVisible(a.VisibleTo(c), "agreement", a.ID, forbidden("agreement %s is not %s to sign", a.ID, c.who()))
	}
	if s := a.EffectiveStatus(st.Time); s == AgreementExpired {
		return refused("expired: agreement %s ended on %s", a.ID, stamp(a.Term.ValidTo))
	}
	if !sig.Time.IsZero() {
		return conflict("%s already signed agreement %s in tx %s", c.MSP, a.ID, sig.TxID)
	}
	if !textAttached {
		return refused("agreement %s has no text attached; the authority attaches the text's digest before anyone signs", a.ID)
	}
	*sig = st
	a.Updated = st
	if !a.AuthoritySigned.Time.IsZero() && !a.OperatorSigned.Time.IsZero() {
		a.Status, a.InForceFrom = AgreementInForce, st.Time
	}
	return nil
}

// EffectiveStatus returns the status at now: an agreement whose term ended is expired.
func (a *Agreement) EffectiveStatus(now time.Time) AgreementStatus {
	if !now.Before(a.Term.ValidTo) {
		return AgreementExpired
	}
	return a.Status
}

// AsOf returns the agreement as seen at now, with its effective status.
func (a Agreement) AsOf(now time.Time) Agreement {
	a.Status = a.EffectiveStatus(now)
	return a
}

// InForceAt reports whether the agreement bound its parties at t. An
// agreement recorded as expired (Expire) bound them from its second
// signature to the end of its term, as before the record.
func (a *Agreement) InForceAt(t time.Time) bool {
	signed := a.Status == AgreementInForce || (a.Status == AgreementExpired && !a.InForceFrom.IsZero())
	return signed && !t.Before(a.InForceFrom) && a.Term.Contains(t)
}

// InForceAgreement returns the agreement of grant in force at t, or nil.
func InForceAgreement(as []Agreement, grantID string, t time.Time) *Agreement {
	for i := range as {
		if as[i].GrantID == grantID && as[i].InForceAt(t) {
			return &as[i]
		}
	}
	return nil
}

// VisibleTo reports whether c may read the agreement in full: the authority,
// the regulator and the operator. Others see its disclosure summary.
func (a *Agreement) VisibleTo(c Actor) bool { return c.readsAll() || c.ActsFor(a.Operator) }

// AgreementSummary is the public disclosure of an agreement in force.
type AgreementSummary struct {
	ID          string    `json:"id"`
	GrantID     string    `json:"grantId"`
	Operator    string    `json:"operator"`
	Term        Term      `json:"term"`
	InForceFrom time.Time `json:"inForceFrom"`
}

// Summary returns the agreement's public summary.
func (a *Agreement) Summary() AgreementSummary {
	return AgreementSummary{ID: a.ID, GrantID: a.GrantID, Operator: a.Operator, Term: a.Term, InForceFrom: a.InForceFrom}
}

// Expire records that an agreement's term has ended, as Grant.Expire does
// for a grant: expiry is effective without it (every read evaluates the
// term); recording it keeps lists by status exact. Any registered
// participant who may read the agreement may record it; to the others it
// does not exist. The transaction's time decides whether the term ended.
func (a *Agreement) Expire(c Actor, st Stamp) error {
	if c.Role == "" || !a.VisibleTo(c) {
		return unlessVisible(a.VisibleTo(c), "agreement", a.ID, forbidden("%s is not a registered participant", c.MSP))
	}
	if a.Status == AgreementExpired {
		return conflict("agreement %s is already recorded as expired", a.ID)
	}
	if a.EffectiveStatus(st.Time) != AgreementExpired {
		return conflict("agreement %s is %s and its term runs to %s", a.ID, a.Status, stamp(a.Term.ValidTo))
	}
	a.Status, a.Updated = AgreementExpired, st
	return nil
}
