package chaincode

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/grantledger/grantledger/ledger"
)

// DisclosedOperators pages through the admitted operators with the domains
// and scenarios of the grants they hold in force (公开结果). Public.
func (c *Contract) DisclosedOperators(ctx contractapi.TransactionContextInterface, query string) (*ledger.OperatorDisclosurePage, error) {
	var out *ledger.OperatorDisclosurePage
	err := c.evaluate(ctx, "disclose operators", func(tx *txn) error {
		q, err := disclosureQuery(query, string(ledger.OperatorAdmitted))
		if err != nil {
			return err
		}
		ps, bookmark, err := page(tx, typeParticipant, q, []string{"status"}, func(p *ledger.Participant) bool {
			return p.Role == ledger.RoleOperator
		})
		if err != nil {
			return err
		}
		out = &ledger.OperatorDisclosurePage{Items: []ledger.OperatorDisclosure{}, Bookmark: bookmark}
		for i := range ps {
			held, err := scan[ledger.Grant](tx, typeGrant, "holder", ps[i].MSP)
			if err != nil {
				return err
			}
			for j, g := range held {
				if held[j], err = tx.withControl(g); err != nil {
					return err
				}
			}
			out.Items = append(out.Items, ledger.DiscloseOperator(&ps[i], held, tx.now))
		}
		return nil
	})
	return result(out, err)
}

// DisclosedGrants pages through summaries of the grants in force. Public.
func (c *Contract) DisclosedGrants(ctx contractapi.TransactionContextInterface, query string) (*ledger.GrantSummaryPage, error) {
	var out *ledger.GrantSummaryPage
	err := c.evaluate(ctx, "disclose grants", func(tx *txn) error {
		q, err := disclosureQuery(query, string(ledger.GrantActive))
		if err != nil {
			return err
		}
		gs, bookmark, err := tx.grantPage(q, func(g *ledger.Grant) bool { return g.Status == ledger.GrantActive })
		out = &ledger.GrantSummaryPage{Items: []ledger.GrantSummary{}, Bookmark: bookmark}
		for i := range gs {
			out.Items = append(out.Items, gs[i].Summary(tx.now))
		}
		return err
	})
	return result(out, err)
}

// DisclosedAgreements pages through summaries of the agreements in force. Public.
func (c *Contract) DisclosedAgreements(ctx contractapi.TransactionContextInterface, query string) (*ledger.AgreementSummaryPage, error) {
	var out *ledger.AgreementSummaryPage
	err := c.evaluate(ctx, "disclose agreements", func(tx *txn) error {
		q, err := disclosureQuery(query, string(ledger.AgreementInForce))
		if err != nil {
			return err
		}
		as, bookmark, err := page(tx, typeAgreement, q, []string{"status"}, func(a *ledger.Agreement) bool {
			return a.InForceAt(tx.now)
		})
		out = &ledger.AgreementSummaryPage{Items: []ledger.AgreementSummary{}, Bookmark: bookmark}
		for i := range as {
			out.Items = append(out.Items, as[i].Summary())
		}
		return err
	})
	return result(out, err)
}

// DisclosedProducts pages through summaries of the listed products. Public.
func (c *Contract) DisclosedProducts(ctx contractapi.TransactionContextInterface, query string) (*ledger.ProductSummaryPage, error) {
	var out *ledger.ProductSummaryPage
	err := c.evaluate(ctx, "disclose products", func(tx *txn) error {
		q, err := disclosureQuery(query, string(ledger.ProductListed))
		if err != nil {
			return err
		}
		ps, bookmark, err := tx.productPage(q, []string{"status"}, func(p *ledger.Product) bool { return p.Status == ledger.ProductListed })
		out = &ledger.ProductSummaryPage{Items: []ledger.ProductSummary{}, Bookmark: bookmark}
		for i := range ps {
			out.Items = append(out.Items, ps[i].Summary())
		}
		return err
	})
	return result(out, err)
}

// disclosureQuery reads a page request (pageSize, bookmark) and fixes the
// status index.
func disclosureQuery(query, status string) (ledger.Query, error) {
	var q ledger.Query
	if err := decode(query, &q); err != nil {
		return q, err
	}
	if q.By != "" || q.Value != "" {
		return q, ledger.Invalid("by", "disclosure queries take only pageSize and bookmark")
	}
	q.By, q.Value = "status", status
	return q, nil
}

// GetProvenance returns a product's path back to its providers: product →
// receipts → grants (→ parent grants) → datasets → providers, each with the
// transaction that recorded it. Visible to those who may read the product.
func (c *Contract) GetProvenance(ctx contractapi.TransactionContextInterface, productID string) (*ledger.Provenance, error) {
	var out *ledger.Provenance
	err := c.evaluate(ctx, "get provenance of product "+productID, func(tx *txn) error {
		p, err := load[ledger.Product](tx, typeProduct, productID)
		if err != nil {
			return err
		}
		if err := tx.productView(p); err != nil {
			return err
		}
		if !p.VisibleTo(tx.caller) {
			return tx.hidden(typeProduct, productID)
		}
		in := ledger.ProvenanceInputs{
			Receipts: map[string]*ledger.Receipt{}, Grants: map[string]*ledger.Grant{},
			Datasets: map[string]*ledger.Dataset{}, Providers: map[string]*ledger.Participant{},
			Incidents: map[string]*ledger.Incident{},
		}
		// The path is read a step at a time, each step's keys in one
		// request: the receipts; then, a generation of grants at a time,
		// the grants, their datasets and the datasets' owners.
		if err := tx.prefetchReceipts(p.Receipts); err != nil {
			return err
		}
		grantIDs := slices.Clone(p.Grants)
		for _, id := range p.Receipts {
			r, err := getReceipt(tx, id)
			if err != nil {
				return err
			}
			if r != nil {
				in.Receipts[id] = r
				grantIDs = append(grantIDs, r.GrantID)
			}
		}
		for len(grantIDs) > 0 {
			if err := tx.readGrantsAhead(grantIDs); err != nil {
				return err
			}
			var parents, datasets []string
			for _, id := range grantIDs {
				if _, done := in.Grants[id]; done {
					continue
				}
				g, err := getGrant(tx, id)
				if err != nil {
					return err
				}
				if g == nil {
					continue
				}
				in.Grants[id] = g
				if g.ParentID != "" {
					parents = append(parents, g.ParentID)
				}
				for _, d := range g.Scope.Datasets {
					if _, done := in.Datasets[d.ID]; !done && !slices.Contains(datasets, d.ID) {
						datasets = append(datasets, d.ID)
					}
				}
			}
			if err := tx.providersOf(datasets, in); err != nil {
				return err
			}
			grantIDs = parents
		}
		for id, g := range in.Grants {
			if g.ParentID != "" {
				v := g.Under(in.Grants[g.ParentID], tx.now)
				in.Grants[id] = &v
			}
		}
		if err := tx.incidentsOnPath(in); err != nil {
			return err
		}
		prov := ledger.BuildProvenance(p, in, tx.now)
		out = &prov
		return nil
	})
	return result(out, err)
}

// GetHistory returns every version of an object with the transaction that
// wrote it, newest first, to those who may read the object now. A grant's
// history holds the versions of its status record too. QueryHistory
// returns it a page at a time.
func (c *Contract) GetHistory(ctx contractapi.TransactionContextInterface, objectType, id string) ([]ledger.HistoryEntry, error) {
	var out []ledger.HistoryEntry
	err := c.evaluate(ctx, "get history of "+objectType+" "+id, func(tx *txn) error {
		if err := tx.historyReadable(objectType, id); err != nil {
			return err
		}
		var err error
		out, err = tx.objectHistory(objectType, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// QueryHistory returns one page of an object's history, newest first, to
// those who may read the object now: query is ledger.HistoryQuery
// {objectType, id, pageSize 1–100 (default 20), bookmark}. Fabric's key
// history has no pages, so the contract reads the history from its newest
// version and skips the versions the bookmark says earlier pages returned;
// the bookmark names the object and that count, and one that does not
// (malformed, of another object, or past the end) is invalid.
func (c *Contract) QueryHistory(ctx contractapi.TransactionContextInterface, query string) (*ledger.HistoryPage, error) {
	var out *ledger.HistoryPage
	err := c.evaluate(ctx, "query history", func(tx *txn) error {
		var q ledger.HistoryQuery
		if err := decode(query, &q); err != nil {
			return err
		}
		tx.named("query history of", q.ObjectType+" "+q.ID)
		size := q.PageSize
		switch {
		case size == 0:
			size = defaultPageSize
		case size < 0 || size > ledger.MaxHistoryPage:
			return ledger.Invalid("pageSize", "%d is not between 1 and %d", size, ledger.MaxHistoryPage)
		}
		if err := tx.historyReadable(q.ObjectType, q.ID); err != nil {
			return err
		}
		from, err := decodeHistoryBookmark(q.Bookmark, q.ObjectType, q.ID)
		if err != nil {
			return err
		}
		all, err := tx.objectHistory(q.ObjectType, q.ID)
		if err != nil {
			return err
		}
		if q.Bookmark != "" && from >= len(all) {
			return ledger.Invalid("bookmark", "is past the end of the history of %s %s", q.ObjectType, q.ID)
		}
		end := min(from+int(size), len(all))
		out = &ledger.HistoryPage{Items: append([]ledger.HistoryEntry{}, all[from:end]...)}
		if end < len(all) {
			out.Bookmark = encodeHistoryBookmark(q.ObjectType, q.ID, end)
		}
		return nil
	})
	return result(out, err)
}

// historyReadable checks a history request: a known type, a well-formed
// ID, an object the caller may read now (else not found).
func (tx *txn) historyReadable(objectType, id string) error {
	if !slices.Contains(historyTypes, objectType) {
		return ledger.Invalid("objectType", "%q is not one of %v", objectType, historyTypes)
	}
	check := ledger.CheckID
	if objectType == typeExpert {
		check = ledger.CheckClientIdentity
	}
	if err := check("id", id); err != nil {
		return err
	}
	ok, err := tx.visible(objectType, id)
	if err != nil {
		return err
	}
	if !ok {
		return tx.hidden(objectType, id)
	}
	return nil
}

// objectHistory is the history of an object, newest first: for a grant,
// the versions of its record and of its status record merged by time (the
// status record's first version, written with the grant, left out).
func (tx *txn) objectHistory(objectType, id string) ([]ledger.HistoryEntry, error) {
	own, err := tx.history(objectType, id)
	if err != nil || objectType != typeGrant {
		return own, err
	}
	status, err := tx.history(typeGrantStatus, id)
	if err != nil {
		return nil, err
	}
	var changes []ledger.HistoryEntry
	for _, e := range status {
		var ctl ledger.GrantControl
		if raw, ok := e.Value.(json.RawMessage); ok && json.Unmarshal(raw, &ctl) == nil && len(ctl.History) == 0 {
			continue
		}
		e.Record = typeGrantStatus
		changes = append(changes, e)
	}
	out := make([]ledger.HistoryEntry, 0, len(own)+len(changes))
	i, j := 0, 0
	for i < len(own) || j < len(changes) {
		if j >= len(changes) || (i < len(own) && own[i].Time.After(changes[j].Time)) {
			out = append(out, own[i])
			i++
			continue
		}
		out = append(out, changes[j])
		j++
	}
	return out, nil
}

// historyBookmarkPrefix starts every history bookmark, so that it cannot
// be taken for a page bookmark (a key) nor one for another object.
const historyBookmarkPrefix = "history\x00"

// encodeHistoryBookmark is the bookmark of the page of an object's history
// that starts after skip versions, base64url-encoded.
func encodeHistoryBookmark(objectType, id string, skip int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(historyBookmarkPrefix + objectType + "\x00" + id + "\x00" + strconv.Itoa(skip)))
}

// decodeHistoryBookmark returns how many versions a bookmark skips (0 for
// none), refusing one that is not a history bookmark of this object.
func decodeHistoryBookmark(bookmark, objectType, id string) (int, error) {
	if bookmark == "" {
		return 0, nil
	}
	bad := ledger.Invalid("bookmark", "is not a bookmark of this history; pass back the one the previous page returned")
	raw, err := base64.RawURLEncoding.DecodeString(bookmark)
	prefix := historyBookmarkPrefix + objectType + "\x00" + id + "\x00"
	if err != nil || !strings.HasPrefix(string(raw), prefix) {
		return 0, bad
	}
	digits := strings.TrimPrefix(string(raw), prefix)
	n, err := strconv.Atoi(digits)
	if err != nil || n < 1 || strconv.Itoa(n) != digits {
		return 0, bad
	}
	return n, nil
}

// visible reports whether the caller may read the current version of an
// object; it fails with not found when the object does not exist.
func (tx *txn) visible(objectType, id string) (bool, error) {
	switch objectType {
	case typeParticipant:
		_, err := tx.exists(objectType, id)
		return err == nil && (tx.caller.Is(ledger.RoleAuthority, ledger.RoleRegulator) || tx.caller.ActsFor(id)), err
	case typeExpert, typeDataset, typeCall, typeAttestor:
		_, err := tx.exists(objectType, id)
		return err == nil, err
	case typeApplication:
		a, err := load[ledger.Application](tx, objectType, id)
		return err == nil && a.VisibleTo(tx.caller), err
	case typeReview:
		r, err := load[ledger.Review](tx, objectType, id)
		if err != nil {
			return false, err
		}
		return tx.reviewVisible(r)
	case typeOpinion:
		o, err := load[ledger.Opinion](tx, objectType, id)
		if err != nil {
			return false, err
		}
		return tx.opinionVisible(o)
	case typeGrant, typeUsage:
		// A usage row is read by whoever reads its grant; when there is no
		// grant it is the usage that is missing, as the hidden answer says.
		g, err := get[ledger.Grant](tx, typeGrant, id)
		if err == nil && g == nil {
			err = ledger.NotFound(objectType, id)
		}
		return err == nil && g.VisibleTo(tx.caller), err
	case typeAgreement:
		a, err := load[ledger.Agreement](tx, objectType, id)
		return err == nil && a.VisibleTo(tx.caller), err
	case typeReceipt:
		r, err := loadReceipt(tx, id)
		if err != nil {
			return false, err
		}
		return tx.receiptVisible(r)
	case typeBatch:
		b, err := load[ledger.Batch](tx, objectType, id)
		if err != nil {
			return false, err
		}
		var grants []*ledger.Grant
		for _, gid := range b.GrantIDs() {
			g, err := get[ledger.Grant](tx, typeGrant, gid)
			if err != nil {
				return false, err
			}
			grants = append(grants, g)
		}
		return b.VisibleTo(tx.caller, grants), nil
	case typeProduct:
		p, err := load[ledger.Product](tx, objectType, id)
		if err != nil {
			return false, err
		}
		if err := tx.productView(p); err != nil {
			return false, err
		}
		return p.VisibleTo(tx.caller), nil
	}
	return false, nil
}

func (tx *txn) exists(objectType, id string) (bool, error) {
	k, err := tx.key(objectType, id)
	if err != nil {
		return false, err
	}
	raw, err := tx.ctx.GetStub().GetState(k)
	if err != nil {
		return false, err
	}
	if raw == nil {
		return false, ledger.NotFound(objectType, id)
	}
	return true, nil
}

// providersOf adds to in the datasets of ids and their owners, reading
// each in one request.
func (tx *txn) providersOf(ids []string, in ledger.ProvenanceInputs) error {
	if err := tx.prefetch(typeDataset, ids); err != nil {
		return err
	}
	var owners []string
	for _, id := range ids {
		ds, err := get[ledger.Dataset](tx, typeDataset, id)
		if err != nil {
			return err
		}
		if ds == nil {
			continue
		}
		in.Datasets[id] = ds
		if _, done := in.Providers[ds.Owner]; !done {
			owners = append(owners, ds.Owner)
		}
	}
	if err := tx.prefetch(typeParticipant, owners); err != nil {
		return err
	}
	for _, msp := range owners {
		if _, done := in.Providers[msp]; done {
			continue
		}
		pr, err := get[ledger.Participant](tx, typeParticipant, msp)
		if err != nil {
			return err
		}
		if pr != nil {
			in.Providers[msp] = pr
		}
	}
	return nil
}

// incidentsOnPath adds to in the incidents reported on its grants, datasets
// and receipts' attestors that the caller may read: the provenance of a
// listed product is public, an incident is not. It reads the marks of
// every subject of the path in one request (typeIncidentMark) and scans
// the incidents of the marked ones alone: most subjects have none, and
// each scan is a range query and its close, two round trips to the peer.
func (tx *txn) incidentsOnPath(in ledger.ProvenanceInputs) error {
	subjects := map[ledger.IncidentSubject][]string{
		ledger.IncidentOnGrant:   slices.Collect(maps.Keys(in.Grants)),
		ledger.IncidentOnDataset: slices.Collect(maps.Keys(in.Datasets)),
	}
	for _, r := range in.Receipts {
		if !slices.Contains(subjects[ledger.IncidentOnAttestor], r.Attestor) {
			subjects[ledger.IncidentOnAttestor] = append(subjects[ledger.IncidentOnAttestor], r.Attestor)
		}
	}
	type subject struct {
		typ     ledger.IncidentSubject
		id, key string
	}
	var path []subject
	for _, typ := range []ledger.IncidentSubject{ledger.IncidentOnGrant, ledger.IncidentOnDataset, ledger.IncidentOnAttestor} {
		ids := subjects[typ]
		slices.Sort(ids)
		for _, id := range ids {
			k, err := tx.incidentMarkKey(typ, id)
			if err != nil {
				return err
			}
			path = append(path, subject{typ, id, k})
		}
	}
	keys := make([]string, len(path))
	for i, s := range path {
		keys[i] = s.key
	}
	if err := tx.readAhead(keys); err != nil {
		return fmt.Errorf("read the incident marks of the path: %w", err)
	}
	for _, s := range path {
		mark, err := tx.state(s.key)
		if err != nil {
			return fmt.Errorf("read the incident mark of %s %s: %w", s.typ, s.id, err)
		}
		if mark == nil {
			continue
		}
		found, err := scan[ledger.Incident](tx, typeIncident, string(s.typ), s.id)
		if err != nil {
			return err
		}
		for _, inc := range found {
			if inc.VisibleTo(tx.caller) {
				in.Incidents[inc.ID] = inc
			}
		}
	}
	return nil
}
