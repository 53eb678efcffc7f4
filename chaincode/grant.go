package chaincode

import (
	"slices"
	"strings"

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
	p, err := get[ledger.Grant](tx, typeGrant, g.ParentID)
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

// writeGrant writes a new grant, its usage row and its key-level
// endorsement policy: the authority's peer and every owning provider's peer.
func (tx *txn) writeNewGrant(g *ledger.Grant) error {
	if err := put(tx, typeGrant, g.ID, g); err != nil {
		return err
	}
	if err := tx.endorsedBy(typeGrant, g.ID, append([]string{tx.cfg.AuthorityMSP}, g.Providers...)...); err != nil {
		return err
	}
	return put(tx, typeUsage, g.ID, &ledger.Usage{GrantID: g.ID, Updated: tx.stamp})
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
	return c.changeGrant(ctx, "approve grant "+id, id, func(tx *txn, g *ledger.Grant) (string, []ledger.EventRef, error) {
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
	return c.changeGrant(ctx, "reject grant "+id, id, func(tx *txn, g *ledger.Grant) (string, []ledger.EventRef, error) {
		return "rejected", nil, g.Reject(tx.caller, reason, tx.stamp)
	})
}

// ExpireGrant records that a grant's term has ended (expiry is effective
// on every read and write without it). Caller: any registered participant.
// Event: grant.expired.
func (c *Contract) ExpireGrant(ctx contractapi.TransactionContextInterface, id string) (*ledger.Grant, error) {
	return c.changeGrant(ctx, "expire grant "+id, id, func(tx *txn, g *ledger.Grant) (string, []ledger.EventRef, error) {
		return "expired", nil, g.Expire(tx.caller, tx.stamp)
	})
}

// ActivateSubGrant activates a proposed sub-grant while its parent is
// usable and has the quota. Caller: the authority. Event: grant.activated.
func (c *Contract) ActivateSubGrant(ctx contractapi.TransactionContextInterface, id string) (*ledger.Grant, error) {
	return c.changeGrant(ctx, "activate sub-grant "+id, id, func(tx *txn, g *ledger.Grant) (string, []ledger.EventRef, error) {
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

// SuspendGrant suspends an active grant and marks every product built from
// it or its sub-grants. Caller: the authority. Event: grant.suspended
// (related: the products marked).
func (c *Contract) SuspendGrant(ctx contractapi.TransactionContextInterface, id, reason string) (*ledger.Grant, error) {
	return c.changeGrant(ctx, "suspend grant "+id, id, func(tx *txn, g *ledger.Grant) (string, []ledger.EventRef, error) {
		if err := g.Suspend(tx.caller, reason, tx.stamp); err != nil {
			return "", nil, err
		}
		related, err := tx.markProducts(g, "marked", func(p *ledger.Product, via string) bool {
			return p.Mark(g.ID, via, ledger.GrantSuspended, reason, tx.stamp)
		})
		return "suspended", related, err
	})
}

// ResumeGrant returns a suspended grant to active and clears the suspension
// marks it put on products. Caller: the authority. Event: grant.resumed.
func (c *Contract) ResumeGrant(ctx contractapi.TransactionContextInterface, id string) (*ledger.Grant, error) {
	return c.changeGrant(ctx, "resume grant "+id, id, func(tx *txn, g *ledger.Grant) (string, []ledger.EventRef, error) {
		if err := g.Resume(tx.caller, tx.stamp); err != nil {
			return "", nil, err
		}
		related, err := tx.markProducts(g, "unmarked", func(p *ledger.Product, _ string) bool {
			return p.ClearSuspension(g.ID, tx.stamp)
		})
		return "resumed", related, err
	})
}

// RevokeGrant revokes a grant with a reason and marks every product built
// from it or its sub-grants. Caller: the authority. Event: grant.revoked
// (related: the products marked).
func (c *Contract) RevokeGrant(ctx contractapi.TransactionContextInterface, id, reason string) (*ledger.Grant, error) {
	return c.changeGrant(ctx, "revoke grant "+id, id, func(tx *txn, g *ledger.Grant) (string, []ledger.EventRef, error) {
		if err := g.Revoke(tx.caller, reason, tx.stamp); err != nil {
			return "", nil, err
		}
		related, err := tx.markProducts(g, "marked", func(p *ledger.Product, via string) bool {
			return p.Mark(g.ID, via, ledger.GrantRevoked, reason, tx.stamp)
		})
		return "revoked", related, err
	})
}

// changeGrant loads a grant, applies a change and writes it with its event.
func (c *Contract) changeGrant(ctx contractapi.TransactionContextInterface, op, id string, change func(*txn, *ledger.Grant) (string, []ledger.EventRef, error)) (*ledger.Grant, error) {
	var out *ledger.Grant
	err := c.submit(ctx, op, func(tx *txn) error {
		g, err := load[ledger.Grant](tx, typeGrant, id)
		if err != nil {
			return err
		}
		name, related, err := change(tx, g)
		if err != nil {
			return err
		}
		if err := put(tx, typeGrant, g.ID, g); err != nil {
			return err
		}
		tx.emit(typeGrant, g.ID, name, related...)
		out = g
		return nil
	})
	return result(out, err)
}

// markProducts applies mark to every product built from g or from one of
// its sub-grants, writes those that changed and returns them for the event,
// as "<label>:<product status>".
func (tx *txn) markProducts(g *ledger.Grant, label string, mark func(p *ledger.Product, via string) bool) ([]ledger.EventRef, error) {
	type built struct {
		product *ledger.Product
		via     []string
	}
	products := map[string]*built{}
	collect := func(grantID, via string) error {
		ps, err := scan[ledger.Product](tx, typeProduct, "grant", grantID)
		if err != nil {
			return err
		}
		for _, p := range ps {
			b := products[p.ID]
			if b == nil {
				b = &built{product: p}
				products[p.ID] = b
			}
			b.via = append(b.via, via)
		}
		return nil
	}
	if err := collect(g.ID, ""); err != nil {
		return nil, err
	}
	subs, err := scan[ledger.Grant](tx, typeGrant, "parent", g.ID)
	if err != nil {
		return nil, err
	}
	for _, s := range subs {
		if err := collect(s.ID, s.ID); err != nil {
			return nil, err
		}
	}
	ids := make([]string, 0, len(products))
	for id := range products {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, strings.Compare)
	var related []ledger.EventRef
	for _, id := range ids {
		b := products[id]
		changed := false
		for _, via := range b.via {
			if mark(b.product, via) {
				changed = true
			}
		}
		if !changed {
			continue
		}
		if err := put(tx, typeProduct, id, b.product); err != nil {
			return nil, err
		}
		related = append(related, ledger.EventRef{Type: typeProduct, ID: id, Change: label + ":" + string(b.product.Status)})
	}
	return related, nil
}

// ProposeSubGrant proposes a sub-grant (分级授权) of a usable first-level
// grant to a developer, inside the parent's scope, remaining quota and
// term. Caller: the parent's holder. Event: grant.proposed.
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
		if err := tx.writeNewGrant(g); err != nil {
			return err
		}
		tx.emit(typeGrant, g.ID, "proposed", ledger.EventRef{Type: typeGrant, ID: g.ParentID, Change: "sub-grant"})
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
		g, err := load[ledger.Grant](tx, typeGrant, id)
		if err != nil {
			return err
		}
		if !g.VisibleTo(tx.caller) {
			return tx.hidden(typeGrant, id)
		}
		v := g.AsOf(tx.now)
		out = &v
		return nil
	})
	return result(out, err)
}

// GetGrantUsage returns what has been used of a grant (including its
// sub-grants), to those who may read the grant.
func (c *Contract) GetGrantUsage(ctx contractapi.TransactionContextInterface, id string) (*ledger.Usage, error) {
	var out *ledger.Usage
	err := c.evaluate(ctx, "get usage of grant "+id, func(tx *txn) error {
		g, err := load[ledger.Grant](tx, typeGrant, id)
		if err != nil {
			return err
		}
		if !g.VisibleTo(tx.caller) {
			return tx.hidden(typeGrant, id)
		}
		out, err = usageOf(tx, id)
		return err
	})
	return result(out, err)
}

// QueryGrants pages through the grants visible to the caller by status
// (as recorded; each item shows its status as of now), holder, provider,
// parent or application.
func (c *Contract) QueryGrants(ctx contractapi.TransactionContextInterface, query string) (*ledger.GrantPage, error) {
	var out *ledger.GrantPage
	err := c.evaluate(ctx, "query grants", func(tx *txn) error {
		var q ledger.Query
		if err := decode(query, &q); err != nil {
			return err
		}
		items, bookmark, err := page(tx, typeGrant, q, []string{"status", "holder", "provider", "parent", "application"},
			func(g *ledger.Grant) bool { return g.VisibleTo(tx.caller) })
		for i := range items {
			items[i] = items[i].AsOf(tx.now)
		}
		out = &ledger.GrantPage{Items: items, Bookmark: bookmark}
		return err
	})
	return result(out, err)
}
