package chaincode

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/hyperledger/fabric-chaincode-go/v2/pkg/statebased"

	"github.com/grantledger/grantledger/ledger"
)

// Object types: each object is stored under the composite key (type, id).
const (
	typeParticipant = "participant"
	typeExpert      = "expert"
	typeDataset     = "dataset"
	typeCall        = "call"
	typeApplication = "application"
	typeReview      = "review"
	typeOpinion     = "opinion"
	typeGrant       = "grant"
	// typeGrantStatus holds a grant's status record (ledger.GrantControl),
	// under a key whose key-level policy is the authority's peer alone.
	typeGrantStatus = "grantstatus"
	typeUsage       = "usage"
	typeAgreement   = "agreement"
	typeAttestor    = "attestor"
	typeReceipt     = "receipt"
	typeBatch       = "batch"
	typeProduct     = "product"
	typeIncident    = "incident"
	// typeIncidentMark marks a subject of incidents: the key
	// (typeIncidentMark, subject type, subject ID) — grant, dataset or
	// attestor — holds indexMarker once an incident on that subject is
	// written (putIncident), and is never deleted (a closed incident still
	// shows). A provenance reads the marks of its whole path in one
	// request and scans the incidents of the marked subjects alone.
	typeIncidentMark = "incidentmark"
	// typeDataRequest holds data requests (公共数据需求申请).
	typeDataRequest = "datarequest"
	// Fees (平台使用费) and benefit sharing (收益分配): a grant's fee
	// schedule is stored under the grant's ID, a product's split under
	// the product's ID.
	typeFeeSchedule  = "feeschedule"
	typeFeeStatement = "feestatement"
	typeBenefitSplit = "benefitsplit"
	typeRevenue      = "revenue"
	typeBenefitShare = "benefitshare"
)

// historyTypes are the object types GetHistory serves.
var historyTypes = []string{
	typeParticipant, typeExpert, typeDataset, typeCall, typeApplication, typeReview, typeOpinion, typeGrant,
	typeUsage, typeAgreement, typeAttestor, typeReceipt, typeBatch, typeProduct,
}

// indexPrefix prefixes the object type of index entries: an entry of index
// name on type t is the composite key ("idx~"+t, name, value, id).
const indexPrefix = "idx~"

// indexMarker is the value of every index entry (Fabric treats an empty value as a delete).
var indexMarker = []byte{0}

// Defaults and bounds of page sizes.
const (
	defaultPageSize = 20
	maxPageSize     = 100
)

type index struct {
	name, value string
}

// indexesOf lists the index entries of an object. Every index has one
// value; each is maintained by the transaction that writes the object.
func indexesOf(v any) []index {
	var ix []index
	add := func(name string, values ...string) {
		for _, value := range values {
			if value != "" {
				ix = append(ix, index{name, value})
			}
		}
	}
	switch o := v.(type) {
	case *ledger.Participant:
		add("role", string(o.Role))
		add("status", string(o.Status))
	case *ledger.Expert:
		add("status", string(o.Status))
		add("msp", o.MSP)
	case *ledger.Dataset:
		add("owner", o.Owner)
		add("status", string(o.Status))
		add("domain", o.Domain)
	case *ledger.Call:
		add("status", string(o.Status))
	case *ledger.Application:
		add("operator", o.Operator)
		add("call", o.CallID)
		add("status", string(o.Status))
	case *ledger.Review:
		add("subject", o.Subject)
		add("kind", string(o.Kind))
	case *ledger.Opinion:
		add("subject", opinionSubject(o.SubjectType, o.SubjectID))
		add("author", o.Author, o.AuthorClient)
	case *ledger.Grant:
		add("status", string(o.Status))
		add("holder", o.Holder)
		add("provider", o.Providers...)
		add("parent", o.ParentID)
		add("application", o.ApplicationID)
		// First-level grants by dataset, and the whole-mode ones apart,
		// for the exclusivity of whole-mode grants (grantsToCompare). Not
		// served to queries.
		if o.ParentID == "" {
			add("dataset", o.Scope.DatasetIDs()...)
			if o.Mode == ledger.ModeWhole {
				add("whole", o.Scope.DatasetIDs()...)
			}
		}
	case *ledger.Agreement:
		add("grant", o.GrantID)
		add("operator", o.Operator)
		add("status", string(o.Status))
	case *ledger.Attestor:
		add("status", string(o.Status))
		add("platform", o.Platform)
	case *ledger.Receipt:
		// No index by batch: the batch's outcomes name its receipts
		// (receiptsOfBatch), and a batch of 500 would write 500 entries.
		add("grant", o.GrantID)
	case *ledger.Batch:
		for _, t := range o.Totals {
			add("grant", t.GrantID)
		}
	case *ledger.Product:
		add("owner", o.Owner)
		add("status", string(o.Status))
		add("grant", o.Grants...)
		// A registration number names one product: ConfirmListing looks
		// its holder up here.
		add("registration", o.RegistrationNo)
	case *ledger.Incident:
		// By the subject's type: grant, dataset or attestor.
		add(string(o.SubjectType), o.SubjectID)
		add("status", string(o.Status))
		add("reporter", o.Reporter)
	case *ledger.DataRequest:
		add("grant", o.GrantID)
		add("requester", o.Requester)
		add("holder", o.Holder)
		add("kind", string(o.Kind))
		add("status", string(o.Status))
	case *ledger.FeeStatement:
		add("grant", o.GrantID)
		add("period", o.Period)
		add("holder", o.Holder)
		add("payee", o.Payee)
		add("status", string(o.Status))
	case *ledger.Revenue:
		add("product", o.ProductID)
	case *ledger.BenefitShare:
		add("product", o.ProductID)
		add("period", o.Period)
		add("party", o.Party)
		add("revenue", o.RevenueID)
	}
	return ix
}

func opinionSubject(t ledger.SubjectType, id string) string { return string(t) + "/" + id }

func (tx *txn) key(typ, id string) (string, error) {
	k, err := tx.ctx.GetStub().CreateCompositeKey(typ, []string{id})
	if err != nil {
		return "", ledger.Invalid("id", "%q cannot be used in a key: %s", id, err.Error())
	}
	return k, nil
}

// get loads an object, or returns nil when it does not exist.
func get[T any](tx *txn, typ, id string) (*T, error) {
	k, err := tx.key(typ, id)
	if err != nil {
		return nil, err
	}
	raw, err := tx.state(k)
	if err != nil {
		return nil, fmt.Errorf("read %s %s: %w", typ, id, err)
	}
	if raw == nil {
		return nil, nil
	}
	v := new(T)
	if err := json.Unmarshal(raw, v); err != nil {
		return nil, fmt.Errorf("decode %s %s: %w", typ, id, err)
	}
	return v, nil
}

// load loads an object that must exist.
func load[T any](tx *txn, typ, id string) (*T, error) { return need[T](tx, typ, typ, id) }

// need loads an object that must exist, and names it as the rules do
// (name), so that a missing one answers as one the caller may not read.
func need[T any](tx *txn, typ, name, id string) (*T, error) {
	v, err := get[T](tx, typ, id)
	if err == nil && v == nil {
		err = ledger.NotFound(name, id)
	}
	return v, err
}

// readable reads an object for a caller who may read it: one missing and
// one the caller may not read both answer as one that does not exist
// (named as the rules name it), so that a get tells nobody what it may
// not see.
func readable[T any, PT interface {
	*T
	VisibleTo(ledger.Actor) bool
}](tx *txn, typ, name, id string) (*T, error) {
	v, err := get[T](tx, typ, id)
	if err != nil {
		return nil, err
	}
	if v == nil || !PT(v).VisibleTo(tx.caller) {
		return nil, tx.hidden(name, id)
	}
	return v, nil
}

// state returns the world-state value of a key: as read before in the
// transaction (by state or readAhead), else from the peer. A simulation
// sees the committed state of its start throughout and never its own
// writes, so a key read twice reads the same: the second time needs no
// round trip to the peer (a put reads the object it replaces; an event's
// audience reads the grants the transaction checked).
func (tx *txn) state(key string) ([]byte, error) {
	if raw, ok := tx.read[key]; ok {
		return raw, nil
	}
	raw, err := tx.ctx.GetStub().GetState(key)
	if err != nil {
		return nil, err
	}
	if tx.read == nil {
		tx.read = map[string][]byte{}
	}
	tx.read[key] = raw
	return raw, nil
}

// prefetch reads the objects of type typ with the given IDs ahead
// (readAhead), for get to find: a batch of receipts reads each receipt's
// key twice (is it a replay? what index entries had it?), thousands of
// round trips otherwise. IDs that make no key are left for get to refuse.
func (tx *txn) prefetch(typ string, ids []string) error {
	keys := make([]string, 0, len(ids))
	for _, id := range ids {
		if k, err := tx.key(typ, id); err == nil {
			keys = append(keys, k)
		}
	}
	return tx.readAhead(keys)
}

// readAhead reads keys in one request to the peer (as many as it takes: the
// shim splits long lists) and keeps their values for state, get and put to
// find; keys the transaction read already, and repeated ones, are not
// asked again.
// Reads are the cost of a transaction on a peer — each is a message to the
// peer and its answer, whatever its size — so a transaction that knows the
// keys it will read asks for them together.
//
// It reads what GetState would, with the same read set: Fabric's
// GetMultipleStates (GET_STATE_MULTIPLE) is answered by the peer's
// transaction simulator (core/ledger/kvledger/txmgmt/txmgr,
// queryExecutor.GetStateMultipleKeys), which adds every key to the read
// set with the version it read, as GetState does, so a key read ahead is
// validated (MVCC) at commit like one read alone. A shim talking to a peer
// that does not offer it reads the keys one by one with GetState. That
// simulator answers no values at all when the state database fails, hence
// the count check.
func (tx *txn) readAhead(keys []string) error {
	fresh := make([]string, 0, len(keys))
	seen := make(map[string]bool, len(keys))
	for _, k := range keys {
		if _, done := tx.read[k]; !done && !seen[k] {
			seen[k] = true
			fresh = append(fresh, k)
		}
	}
	if len(fresh) == 0 {
		return nil
	}
	values, err := tx.ctx.GetStub().GetMultipleStates(fresh...)
	if err != nil {
		return fmt.Errorf("read %d keys: %w", len(fresh), err)
	}
	if len(values) != len(fresh) {
		return fmt.Errorf("read %d keys: the peer answered %d values", len(fresh), len(values))
	}
	if tx.read == nil {
		tx.read = make(map[string][]byte, len(fresh))
	}
	for i, k := range fresh {
		tx.read[k] = values[i]
	}
	return nil
}

// put writes an object and brings its index entries up to date. Fabric
// reads do not see the transaction's own writes, so an object is written at
// most once per transaction.
func put[T any](tx *txn, typ, id string, v *T) error {
	stub := tx.ctx.GetStub()
	k, err := tx.key(typ, id)
	if err != nil {
		return err
	}
	old, err := get[T](tx, typ, id)
	if err != nil {
		return err
	}
	var before []index
	if old != nil {
		before = indexesOf(old)
	}
	after := indexesOf(v)
	for _, ix := range before {
		if !slices.Contains(after, ix) {
			ik, err := stub.CreateCompositeKey(indexPrefix+typ, []string{ix.name, ix.value, id})
			if err != nil {
				return fmt.Errorf("index %s %s: %w", typ, id, err)
			}
			if err := stub.DelState(ik); err != nil {
				return fmt.Errorf("delete index of %s %s: %w", typ, id, err)
			}
		}
	}
	for _, ix := range after {
		if !slices.Contains(before, ix) {
			ik, err := stub.CreateCompositeKey(indexPrefix+typ, []string{ix.name, ix.value, id})
			if err != nil {
				return fmt.Errorf("index %s %s: %w", typ, id, err)
			}
			if err := stub.PutState(ik, indexMarker); err != nil {
				return fmt.Errorf("write index of %s %s: %w", typ, id, err)
			}
		}
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s %s: %w", typ, id, err)
	}
	if err := stub.PutState(k, raw); err != nil {
		return fmt.Errorf("write %s %s: %w", typ, id, err)
	}
	if tx.written == nil {
		tx.written = map[string]any{}
	}
	tx.written[typ+"\x00"+id] = v
	return nil
}

// scan loads every object of an index value, in ID order. It reads the
// whole index range, so it is used for small sets inside transactions
// (reviews of a subject, agreements of a grant, products of a grant); the
// objects the range names are then read together (readAhead).
func scan[T any](tx *txn, typ, name, value string) ([]*T, error) {
	ids, err := tx.indexed(typ, name, value)
	if err != nil {
		return nil, err
	}
	if err := tx.prefetch(typ, ids); err != nil {
		return nil, fmt.Errorf("scan %s by %s: %w", typ, name, err)
	}
	var out []*T
	for _, id := range ids {
		v, err := get[T](tx, typ, id)
		if err != nil {
			return nil, err
		}
		if v != nil {
			out = append(out, v)
		}
	}
	return out, nil
}

// indexed returns the IDs an index value lists, in ID order.
func (tx *txn) indexed(typ, name, value string) ([]string, error) {
	it, err := tx.ctx.GetStub().GetStateByPartialCompositeKey(indexPrefix+typ, []string{name, value})
	if err != nil {
		return nil, fmt.Errorf("scan %s by %s: %w", typ, name, err)
	}
	defer it.Close()
	var ids []string
	for it.HasNext() {
		kv, err := it.Next()
		if err != nil {
			return nil, fmt.Errorf("scan %s by %s: %w", typ, name, err)
		}
		_, attrs, err := tx.ctx.GetStub().SplitCompositeKey(kv.Key)
		if err != nil || len(attrs) != 3 {
			return nil, fmt.Errorf("scan %s by %s: malformed index key %q", typ, name, kv.Key)
		}
		ids = append(ids, attrs[2])
	}
	return ids, nil
}

// page returns one page of objects of typ selected by q, keeping those
// visible to the caller. It reads on until the page is full or the range
// ends, so that a page is short only at the end.
//
// Bookmarks are keys, and Fabric starts a paged range scan at whatever
// bookmark it is given, inside the query's range or not. So a bookmark is
// accepted only inside the range of q, and the bookmark returned is made
// from the last object returned (one the caller may read), never from the
// next key in the store, which may be one it may not.
func page[T any](tx *txn, typ string, q ledger.Query, allowed []string, visible func(*T) bool) ([]T, string, error) {
	if q.By != "" && !slices.Contains(allowed, q.By) {
		return nil, "", ledger.Invalid("by", "%q is not an index of %s (one of %v, or empty for all)", q.By, typ, allowed)
	}
	if q.By != "" && q.Value == "" {
		return nil, "", ledger.Invalid("value", "is required with by=%s", q.By)
	}
	size, err := pageSize(q)
	if err != nil {
		return nil, "", err
	}
	stub := tx.ctx.GetStub()
	objectType, attrs := typ, []string{}
	if q.By != "" {
		objectType, attrs = indexPrefix+typ, []string{q.By, q.Value}
	}
	prefix, err := stub.CreateCompositeKey(objectType, attrs)
	if err != nil {
		return nil, "", ledger.Invalid("value", "%q cannot be used in a key: %s", q.Value, err.Error())
	}
	next, err := decodeBookmark(q.Bookmark, prefix)
	if err != nil {
		return nil, "", err
	}
	out := []T{}
	last := ""
	for {
		it, meta, err := stub.GetStateByPartialCompositeKeyWithPagination(objectType, attrs, size, next)
		if err != nil {
			return nil, "", fmt.Errorf("query %s: %w", typ, err)
		}
		full, err := func() (bool, error) {
			defer it.Close()
			for it.HasNext() {
				kv, err := it.Next()
				if err != nil {
					return false, fmt.Errorf("query %s: %w", typ, err)
				}
				v, err := pageItem[T](tx, typ, q.By != "", kv.Key, kv.Value)
				if err != nil {
					return false, err
				}
				if v != nil && (visible == nil || visible(v)) {
					out = append(out, *v)
					last = kv.Key
					if int32(len(out)) == size {
						return true, nil
					}
				}
			}
			return false, nil
		}()
		if err != nil {
			return nil, "", err
		}
		if full {
			return out, encodeBookmark(last), nil
		}
		if meta == nil || meta.FetchedRecordsCount < size || meta.Bookmark == "" {
			return out, "", nil
		}
		next = meta.Bookmark
	}
}

// pageSize is the size of the page q asks for.
func pageSize(q ledger.Query) (int32, error) {
	switch {
	case q.PageSize == 0:
		return defaultPageSize, nil
	case q.PageSize < 0 || q.PageSize > maxPageSize:
		return 0, ledger.Invalid("pageSize", "%d is not between 1 and %d", q.PageSize, maxPageSize)
	}
	return q.PageSize, nil
}

// pageItem decodes one entry of a paged scan: an object, or through an index
// entry the object it names (nil when it is gone).
func pageItem[T any](tx *txn, typ string, byIndex bool, key string, value []byte) (*T, error) {
	if !byIndex {
		v := new(T)
		if err := json.Unmarshal(value, v); err != nil {
			return nil, fmt.Errorf("decode %s: %w", typ, err)
		}
		return v, nil
	}
	_, attrs, err := tx.ctx.GetStub().SplitCompositeKey(key)
	if err != nil || len(attrs) != 3 {
		return nil, fmt.Errorf("query %s: malformed index key %q", typ, key)
	}
	return get[T](tx, typ, attrs[2])
}

// encodeBookmark makes the bookmark after key: the smallest key greater than
// it, base64url-encoded so that it travels in a URL unchanged.
func encodeBookmark(key string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(key + "\x00"))
}

// decodeBookmark returns the start key a bookmark stands for, refusing one
// that is not a bookmark of a query with this key prefix.
func decodeBookmark(bookmark, prefix string) (string, error) {
	if bookmark == "" {
		return "", nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(bookmark)
	if err != nil || len(raw) <= len(prefix) || !strings.HasPrefix(string(raw), prefix) {
		return "", ledger.Invalid("bookmark", "is not a bookmark of this query; pass back the one the previous page returned")
	}
	return string(raw), nil
}

func (tx *txn) history(typ, id string) ([]ledger.HistoryEntry, error) {
	k, err := tx.key(typ, id)
	if err != nil {
		return nil, err
	}
	it, err := tx.ctx.GetStub().GetHistoryForKey(k)
	if err != nil {
		return nil, fmt.Errorf("history of %s %s: %w", typ, id, err)
	}
	defer it.Close()
	out := []ledger.HistoryEntry{}
	for it.HasNext() {
		m, err := it.Next()
		if err != nil {
			return nil, fmt.Errorf("history of %s %s: %w", typ, id, err)
		}
		e := ledger.HistoryEntry{TxID: m.TxId, Deleted: m.IsDelete}
		if m.Timestamp != nil {
			e.Time = m.Timestamp.AsTime().UTC()
		}
		if !m.IsDelete && len(m.Value) > 0 {
			e.Value = json.RawMessage(m.Value)
		}
		out = append(out, e)
	}
	return out, nil
}

// endorsedBy sets the key-level endorsement policy of an object: every
// change of it must from now on be endorsed by the peers of all orgs.
func (tx *txn) endorsedBy(typ, id string, orgs ...string) error {
	k, err := tx.key(typ, id)
	if err != nil {
		return err
	}
	ep, err := statebased.NewStateEP(nil)
	if err != nil {
		return fmt.Errorf("endorsement policy of %s %s: %w", typ, id, err)
	}
	if err := ep.AddOrgs(statebased.RoleTypePeer, orgs...); err != nil {
		return fmt.Errorf("endorsement policy of %s %s: %w", typ, id, err)
	}
	policy, err := ep.Policy()
	if err != nil {
		return fmt.Errorf("endorsement policy of %s %s: %w", typ, id, err)
	}
	if err := tx.ctx.GetStub().SetStateValidationParameter(k, policy); err != nil {
		return fmt.Errorf("set endorsement policy of %s %s: %w", typ, id, err)
	}
	return nil
}

// typeNotice holds the recorded threshold notices of deadlines
// (ledger.DeadlineNotice), by ledger.DeadlineNoticeID.
const typeNotice = "notice"
