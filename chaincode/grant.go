package chaincode

import (
	"fmt"
	"maps"
	"slices"

	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/grantledger/grantledger/ledger"
)

func deref[T any](ps []*T) []T {
	out := make([]T, len(ps))
	for i, p := range ps {
		out[i] = *p
	}
	return out
}

// agreementsOf loads the agreements bound to a grant.
func agreementsOf(tx *txn, grantID string) ([]ledger.Agreement, error) {
	as, err := scan[ledger.Agreement](tx, typeAgreement, "grant", grantID)
	return deref(as), err
}

// usageOf loads what has been used of a grant.
func usageOf(tx *txn, grantID string) (*ledger.Usage, error) {
	u, err := get[ledger.Usage](tx, typeUsage, grantID)
	if err == nil && u == nil {
		u = &ledger.Usage{GrantID: grantID}
	}
	return u, err
}

// parentOf loads the parent grant of a sub-grant with its agreements and
// usage; all nil for a first-level grant.
func parentOf(tx *txn, g *ledger.Grant) (*ledger.Grant, []ledger.Agreement, *ledger.Usage, error) {
	if g == nil || g.ParentID == "" {
		return nil, nil, nil, nil
	}
	p, err := getGrant(tx, g.ParentID)
	if err != nil || p == nil {
		return nil, nil, nil, err
	}
	as, err := agreementsOf(tx, p.ID)
	if err != nil {
		return nil, nil, nil, err
	}
	u, err := usageOf(tx, p.ID)
	return p, as, u, err
}

// getGrant loads a grant as its consent record (key grant) and its status
// record (key grantstatus) say together, or nil when it does not exist.
// Every rule that reads a grant's status reads it so.
func getGrant(tx *txn, id string) (*ledger.Grant, error) {
	g, err := get[ledger.Grant](tx, typeGrant, id)
	if err != nil || g == nil {
		return nil, err
	}
	return tx.withControl(g)
}

// loadGrant is getGrant for a grant that must exist.
func loadGrant(tx *txn, id string) (*ledger.Grant, error) {
	g, err := getGrant(tx, id)
	if err == nil && g == nil {
		err = ledger.NotFound(typeGrant, id)
	}
	return g, err
}

// withControl merges a grant's status record into its consent record.
func (tx *txn) withControl(g *ledger.Grant) (*ledger.Grant, error) {
	ctl, err := get[ledger.GrantControl](tx, typeGrantStatus, g.ID)
	if err != nil {
		return nil, err
	}
	return ledger.MergeGrant(g, ctl), nil
}

// grantView returns a grant as seen now: its effective status, under its
// parent's for a sub-grant (a suspended or revoked parent shows).
func (tx *txn) grantView(g *ledger.Grant) (ledger.Grant, error) {
	var parent *ledger.Grant
	if g.ParentID != "" {
		var err error
		if parent, err = getGrant(tx, g.ParentID); err != nil {
			return ledger.Grant{}, err
		}
	}
	return g.Under(parent, tx.now), nil
}

// writeConsent writes the consent part of a grant under its key.
func (tx *txn) writeConsent(g *ledger.Grant) error {
	consent, _ := ledger.SplitGrant(g)
	return put(tx, typeGrant, g.ID, consent)
}

// writeControl writes the status part of a grant under its status key,
// whose key-level policy is the authority's peer alone. A grant issued
// before status keys existed gets its status key (and that policy) now.
func (tx *txn) writeControl(g *ledger.Grant) error {
	_, ctl := ledger.SplitGrant(g)
	k, err := tx.key(typeGrantStatus, g.ID)
	if err != nil {
		return err
	}
	raw, err := tx.ctx.GetStub().GetState(k)
	if err != nil {
		return fmt.Errorf("read status of grant %s: %w", g.ID, err)
	}
	if raw == nil {
		if err := tx.endorsedBy(typeGrantStatus, g.ID, tx.cfg.AuthorityMSP); err != nil {
			return err
		}
	}
	return put(tx, typeGrantStatus, g.ID, ctl)
}

// writeNewGrant writes a new grant, its usage row, its status record and
// their key-level endorsement policies: the grant's key needs the
// authority's peer and every owning provider's peer (consent); its status
// key the authority's peer alone (suspension, resumption, revocation).
func (tx *txn) writeNewGrant(g *ledger.Grant) error {
	if err := tx.writeConsent(g); err != nil {
		return err
	}
	if err := tx.endorsedBy(typeGrant, g.ID, append([]string{tx.cfg.AuthorityMSP}, g.Providers...)...); err != nil {
		return err
	}
	if err := put(tx, typeGrantStatus, g.ID, &ledger.GrantControl{GrantID: g.ID, History: []ledger.StatusChange{}}); err != nil {
		return err
	}
	if err := tx.endorsedBy(typeGrantStatus, g.ID, tx.cfg.AuthorityMSP); err != nil {
		return err
	}
	return put(tx, typeUsage, g.ID, &ledger.Usage{GrantID: g.ID, Updated: tx.stamp})
}

// grantsToCompare loads the first-level grants an authorization mode
// compares a new grant over datasets with (ledger.GrantInputs.Others):
// under a whole-mode call every grant over any of them, otherwise the
// whole-mode ones only. It reads index ranges, so a grant issued over the
// same datasets by a concurrent transaction invalidates this one (phantom
// read) when the two could conflict, and only then: non-whole grants do
// not read each other's range.
func grantsToCompare(tx *txn, call *ledger.Call, datasets map[string]*ledger.Dataset) ([]*ledger.Grant, error) {
	index := "whole"
	if call != nil && call.Mode == ledger.ModeWhole {
		index = "dataset"
	}
	var out []*ledger.Grant
	seen := map[string]bool{}
	for _, id := range slices.Sorted(maps.Keys(datasets)) {
		gs, err := scan[ledger.Grant](tx, typeGrant, index, id)
		if err != nil {
			return nil, fmt.Errorf("grants over dataset %s: %w", id, err)
		}
		for _, g := range gs {
			if seen[g.ID] {
				continue
			}
			seen[g.ID] = true
			merged, err := tx.withControl(g)
			if err != nil {
				return nil, err
			}
			out = append(out, merged)
		}
	}
	return out, nil
}

// IssueGrant issues a grant (授权) from an approved application; it waits
// for every owning provider's approval. Caller: the authority. Event:
// grant.issued (related: application.granted).
func (c *Contract) IssueGrant(ctx contractapi.TransactionContextInterface, request string) (*ledger.Grant, error) {
	var out *ledger.Grant
	err := c.submit(ctx, "issue grant", func(tx *txn) error {
		var req ledger.GrantRequest
		if err := decode(request, &req); err != nil {
			return err
		}
		tx.named("issue grant", req.ID)
		in := ledger.GrantInputs{}
		var err error
		if in.Existing, err = get[ledger.Grant](tx, typeGrant, req.ID); err != nil {
			return err
		}
		if ledger.CheckID("applicationId", req.ApplicationID) == nil {
			if in.Application, err = get[ledger.Application](tx, typeApplication, req.ApplicationID); err != nil {
				return err
			}
		}
		if a := in.Application; a != nil {
			if in.Call, err = get[ledger.Call](tx, typeCall, a.CallID); err != nil {
				return err
			}
			if in.Operator, err = get[ledger.Participant](tx, typeParticipant, a.Operator); err != nil {
				return err
			}
			for _, subject := range []string{a.Operator, a.ID} {
				rs, err := scan[ledger.Review](tx, typeReview, "subject", subject)
				if err != nil {
					return err
				}
				in.Reviews = append(in.Reviews, deref(rs)...)
			}
		}
		if in.Datasets, err = loadDatasets(tx, req.Scope.DatasetIDs()); err != nil {
			return err
		}
		if in.Others, err = grantsToCompare(tx, in.Call, in.Datasets); err != nil {
			return err
		}
		if a := in.Application; a != nil {
			if in.DocumentsAttached, err = tx.hasPrivate(ledger.OperatorCollection(a.Operator), typeApplication, a.ID); err != nil {
				return err
			}
		}
		g, app, err := ledger.IssueGrant(tx.caller, req, in, tx.stamp)
		if err != nil {
			return err
		}
		if err := tx.writeNewGrant(g); err != nil {
			return err
		}
		if err := put(tx, typeApplication, app.ID, app); err != nil {
			return err
		}
		tx.emit(typeGrant, g.ID, "issued", ledger.EventRef{Type: typeApplication, ID: app.ID, Change: string(app.Status)})
		out = g
		return nil
	})
	return result(out, err)
}

// ApproveGrant records the calling provider's approval; the last approval
// activates the grant. Caller: a provider owning a dataset in scope.
// Event: grant.approved, or grant.activated for the last approval.
func (c *Contract) ApproveGrant(ctx contractapi.TransactionContextInterface, id string) (*ledger.Grant, error) {
	return c.changeGrant(ctx, "approve grant "+id, id, false, func(tx *txn, g *ledger.Grant) (string, []ledger.EventRef, error) {
		if err := g.Approve(tx.caller, tx.stamp); err != nil {
			return "", nil, err
		}
		if g.Status == ledger.GrantActive {
			return "activated", nil, nil
		}
		return "approved", nil, nil
	})
}

// RejectGrant records the calling provider's refusal with a reason; the
// grant is rejected. Caller: a provider owning a dataset in scope.
// Event: grant.rejected.
func (c *Contract) RejectGrant(ctx contractapi.TransactionContextInterface, id, reason string) (*ledger.Grant, error) {
	return c.changeGrant(ctx, "reject grant "+id, id, false, func(tx *txn, g *ledger.Grant) (string, []ledger.EventRef, error) {
		return "rejected", nil, g.Reject(tx.caller, reason, tx.stamp)
	})
}

// ExpireGrant records that a grant's term has ended (expiry is effective
// on every read and write without it). Caller: any registered participant.
// Event: grant.expired.
func (c *Contract) ExpireGrant(ctx contractapi.TransactionContextInterface, id string) (*ledger.Grant, error) {
	return c.changeGrant(ctx, "expire grant "+id, id, true, func(tx *txn, g *ledger.Grant) (string, []ledger.EventRef, error) {
		return "expired", nil, g.Expire(tx.caller, tx.stamp)
	})
}

// ActivateSubGrant activates a proposed sub-grant while its parent is
// usable and has the quota. Caller: the authority. Event: grant.activated.
func (c *Contract) ActivateSubGrant(ctx contractapi.TransactionContextInterface, id string) (*ledger.Grant, error) {
	return c.changeGrant(ctx, "activate sub-grant "+id, id, false, func(tx *txn, g *ledger.Grant) (string, []ledger.EventRef, error) {
		in := ledger.SubGrantInputs{}
		parent, agreements, usage, err := parentOf(tx, g)
		if err != nil {
			return "", nil, err
		}
		in.Parent, in.ParentAgreements = parent, agreements
		if usage != nil {
			in.ParentUsage = *usage
		}
		return "activated", nil, g.ActivateSubGrant(tx.caller, in, tx.stamp)
	})
}

// SuspendGrant suspends an active grant. The authority's peer alone
// endorses it: only the grant's status key is written. Products built from
// the grant or its sub-grants show the mark when read (marks are lazy), so
// no product is read and no product update can make the suspension fail.
// Caller: the authority. Event: grant.suspended.
func (c *Contract) SuspendGrant(ctx contractapi.TransactionContextInterface, id, reason string) (*ledger.Grant, error) {
	return c.changeGrant(ctx, "suspend grant "+id, id, true, func(tx *txn, g *ledger.Grant) (string, []ledger.EventRef, error) {
		return "suspended", nil, g.Suspend(tx.caller, reason, tx.stamp)
	})
}

// ResumeGrant returns a suspended grant to active; the suspension marks
// its products show are cleared. Endorsed by the authority's peer alone.
// Caller: the authority. Event: grant.resumed.
func (c *Contract) ResumeGrant(ctx contractapi.TransactionContextInterface, id string) (*ledger.Grant, error) {
	return c.changeGrant(ctx, "resume grant "+id, id, true, func(tx *txn, g *ledger.Grant) (string, []ledger.EventRef, error) {
		return "resumed", nil, g.Resume(tx.caller, tx.stamp)
	})
}

// RevokeGrant revokes a grant with a reason. Endorsed by the authority's
// peer alone; products built from it or its sub-grants show the mark when
// read. Caller: the authority. Event: grant.revoked.
func (c *Contract) RevokeGrant(ctx contractapi.TransactionContextInterface, id, reason string) (*ledger.Grant, error) {
	return c.changeGrant(ctx, "revoke grant "+id, id, true, func(tx *txn, g *ledger.Grant) (string, []ledger.EventRef, error) {
		return "revoked", nil, g.Revoke(tx.caller, reason, tx.stamp)
	})
}

// changeGrant loads a grant, applies a change and writes it with its event:
// a control change (suspension, resumption, revocation, expiry) under the
// grant's status key only, a consent change under the grant's key only.
func (c *Contract) changeGrant(ctx contractapi.TransactionContextInterface, op, id string, control bool, change func(*txn, *ledger.Grant) (string, []ledger.EventRef, error)) (*ledger.Grant, error) {
	var out *ledger.Grant
	err := c.submit(ctx, op, func(tx *txn) error {
		g, err := loadGrant(tx, id)
		if err != nil {
			return err
		}
		name, related, err := change(tx, g)
		if err != nil {
			return err
		}
		if control {
			err = tx.writeControl(g)
		} else {
			err = tx.writeConsent(g)
		}
		if err != nil {
			return err
		}
		tx.emit(typeGrant, g.ID, name, related...)
		out = g
		return nil
	})
	return result(out, err)
}

// ProposeSubGrant proposes a sub-grant (分级授权) of a usable first-level
// grant to a developer, inside the parent's scope, remaining quota and
// term; naming a developer's sub-grant request (requestId), it marks that
// request proposed. Caller: the parent's holder. Event: grant.proposed
// (related: the parent, and the request).
func (c *Contract) ProposeSubGrant(ctx contractapi.TransactionContextInterface, request string) (*ledger.Grant, error) {
	var out *ledger.Grant
	err := c.submit(ctx, "propose sub-grant", func(tx *txn) error {
		var req ledger.SubGrantRequest
		if err := decode(request, &req); err != nil {
			return err
		}
		tx.named("propose sub-grant", req.ID)
		in := ledger.SubGrantInputs{}
		var err error
		if in.Existing, err = get[ledger.Grant](tx, typeGrant, req.ID); err != nil {
			return err
		}
		if ledger.CheckID("parentId", req.ParentID) == nil {
			parent, agreements, usage, err := parentOf(tx, &ledger.Grant{ParentID: req.ParentID})
			if err != nil {
				return err
			}
			in.Parent, in.ParentAgreements = parent, agreements
			if usage != nil {
				in.ParentUsage = *usage
			}
		}
		if ledger.CheckID("developer", req.Developer) == nil {
			if in.Developer, err = get[ledger.Participant](tx, typeParticipant, req.Developer); err != nil {
				return err
			}
		}
		g, err := ledger.ProposeSubGrant(tx.caller, req, in, tx.stamp)
		if err != nil {
			return err
		}
		related := []ledger.EventRef{{Type: typeGrant, ID: g.ParentID, Change: "sub-grant"}}
		if req.RequestID != "" {
			ref, err := proposeForRequest(tx, req.RequestID, g)
			if err != nil {
				return err
			}
			related = append(related, ref)
		}
		if err := tx.writeNewGrant(g); err != nil {
			return err
		}
		tx.emit(typeGrant, g.ID, "proposed", related...)
		out = g
		return nil
	})
	return result(out, err)
}

// GetGrant returns a grant, with its status as of the transaction time, to
// the authority, the regulator, its holder, its parent's holder and its
// providers; others read DisclosedGrants.
func (c *Contract) GetGrant(ctx contractapi.TransactionContextInterface, id string) (*ledger.Grant, error) {
	var out *ledger.Grant
	err := c.evaluate(ctx, "get grant "+id, func(tx *txn) error {
		g, err := loadGrant(tx, id)
		if err != nil {
			return err
		}
		if !g.VisibleTo(tx.caller) {
			return tx.hidden(typeGrant, id)
		}
		v, err := tx.grantView(g)
		out = &v
		return err
	})
	return result(out, err)
}

// GetGrantUsage returns what has been used of a grant (including its
// sub-grants), to those who may read the grant.
func (c *Contract) GetGrantUsage(ctx contractapi.TransactionContextInterface, id string) (*ledger.Usage, error) {
	var out *ledger.Usage
	err := c.evaluate(ctx, "get usage of grant "+id, func(tx *txn) error {
		if _, err := readable[ledger.Grant](tx, typeGrant, typeGrant, id); err != nil {
			return err
		}
		var err error
		out, err = usageOf(tx, id)
		return err
	})
	return result(out, err)
}

// grantPage pages through grants by q, each item as seen now (grantView)
// and kept when keep says so. A grant's status is kept under two keys and
// its status index holds the consent status only, so by=status selects
// on the grant's own status as of now (consent and control merged, its
// term evaluated: a grant whose term ended is expired before anyone
// records it): active, proposed and rejected grants through the consent
// status index, suspended, revoked and expired ones over all grants.
func (tx *txn) grantPage(q ledger.Query, keep func(*ledger.Grant) bool) ([]ledger.Grant, string, error) {
	want := ledger.GrantStatus("")
	if q.By == "status" {
		want = ledger.GrantStatus(q.Value)
		switch want {
		case ledger.GrantSuspended, ledger.GrantRevoked, ledger.GrantExpired:
			q.By, q.Value = "", ""
		}
	}
	var failed error
	items, bookmark, err := page(tx, typeGrant, q, []string{"status", "holder", "provider", "parent", "application"}, func(g *ledger.Grant) bool {
		if failed != nil {
			return false
		}
		merged, err := tx.withControl(g)
		if err != nil {
			failed = err
			return false
		}
		effective := merged.EffectiveStatus(tx.now)
		if *g, err = tx.grantView(merged); err != nil {
			failed = err
			return false
		}
		return (want == "" || effective == want) && (keep == nil || keep(g))
	})
	if err == nil {
		err = failed
	}
	return items, bookmark, err
}

// QueryGrants pages through the grants visible to the caller by status
// (as of now, its term evaluated; a sub-grant's item shows its parent's
// suspension), holder, provider, parent or application.
func (c *Contract) QueryGrants(ctx contractapi.TransactionContextInterface, query string) (*ledger.GrantPage, error) {
	var out *ledger.GrantPage
	err := c.evaluate(ctx, "query grants", func(tx *txn) error {
		var q ledger.Query
		if err := decode(query, &q); err != nil {
			return err
		}
		items, bookmark, err := tx.grantPage(q, func(g *ledger.Grant) bool { return g.VisibleTo(tx.caller) })
		out = &ledger.GrantPage{Items: items, Bookmark: bookmark}
		return err
	})
	return result(out, err)
}
