package chaincode_test

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/grantledger/grantledger/chaincode"
	"github.com/grantledger/grantledger/chaincode/chaincodetest"
	"github.com/grantledger/grantledger/ledger"
	lt "github.com/grantledger/grantledger/ledger/ledgertest"
)

// The authorization matrix (docs/authorization.md): every transaction of
// the contract against every kind of caller, each cell allowed or refused,
// run on the in-memory peer. The table is in authz_rows_test.go, the world
// it runs in in authz_world_test.go.

// callerKind is a kind of caller, named by what it is to the objects the
// rows act on.
type callerKind int

const (
	asAuthority       callerKind = iota // the data authority (数据主管部门)
	asOwningProvider                    // the provider owning the dataset in scope
	asOtherProvider                     // a provider owning datasets, none in scope
	asHoldingOperator                   // the operator holding the grant, owning the application, agreement and products
	asOtherOperator                     // another admitted operator, with an application of its own
	asDeveloper                         // the developer (开发利用主体) holding a sub-grant of the grant
	asPlatform                          // the platform (平台运营主体), whose attestor signs receipts
	asRegulator                         // the regulator (监管方)
	asExchange                          // the data exchange (数据交易所), which lists products
	asExpert                            // the authority's user2, convened as an individual expert
	asUnregistered                      // an organisation the authority never registered
	numCallerKinds
)

// callerKindNames head the columns of the matrix in docs/authorization.md.
var callerKindNames = [numCallerKinds]string{
	"authority", "owning provider", "other provider", "holding operator", "other operator",
	"developer", "platform", "regulator", "exchange", "expert", "unregistered",
}

func (k callerKind) String() string { return callerKindNames[k] }

// caller is who calls as this kind on the in-memory peer.
func (k callerKind) caller() string {
	return [numCallerKinds]string{
		lt.AuthorityMSP, lt.HealthMSP, lt.MarketMSP, lt.OperatorMSP, secondOperatorMSP,
		lt.DeveloperMSP, lt.PlatformMSP, lt.RegulatorMSP, lt.ExchangeMSP, authorityUser2, lt.StrangerMSP,
	}[k]
}

// kindSet is a set of caller kinds: the callers a row allows.
type kindSet uint16

func only(ks ...callerKind) kindSet { return kindSet(0).and(ks...) }

func (s kindSet) and(ks ...callerKind) kindSet {
	for _, k := range ks {
		s |= 1 << k
	}
	return s
}

func (s kindSet) has(k callerKind) bool { return s&(1<<k) != 0 }

// kinds lists the kinds in the set, in column order.
func (s kindSet) kinds() []callerKind {
	var out []callerKind
	for k := range numCallerKinds {
		if s.has(k) {
			out = append(out, k)
		}
	}
	return out
}

// objectRef names an object of the world by type and ID.
type objectRef struct{ typ, id string }

// absentID names the object that does not exist, in place of a row's.
const absentID = "absent"

// authzRow is one row of the matrix: a transaction, acting on one object
// of the world, and the callers it allows; every other caller is refused.
type authzRow struct {
	tx string
	// on says in words what the row acts on or reads.
	on      string
	allowed kindSet
	// args are the transaction's arguments: valid, so that a refusal is
	// about who calls.
	args func(w *authzWorld) []any
	// private is the transient request of a private Attach… transaction.
	private any
	// about is the existing object the transaction acts on or reads; zero
	// for a transaction that creates one.
	about objectRef
	// missing are the arguments naming, in place of about, an object that
	// does not exist (absentID); by default args with about's ID replaced.
	missing func(w *authzWorld) []any
	// shows, for reads that answer a caller while showing it only part of
	// the ledger (lists, private parts), tells whether the answer shows
	// the row's object: allowed means shown.
	shows func(w *authzWorld, payload []byte) bool
	// itemRead reads one item of a list as the caller, to check that a
	// list shows no item the caller may not read.
	itemRead func(id string) (string, []any)
	// event is the event an allowed caller's transaction emits, and
	// readers the read row whose allowed callers may read the object it
	// leaves: exactly the event's audience. readersBy overrides readers
	// for a caller whose change leaves an object of other readers.
	event     string
	readers   string
	readersBy map[callerKind]string
	// outcomes marks a transaction that answers each receipt with its own
	// outcome (SubmitReceipts, SubmitReceiptBatch): its one receipt
	// refused, with nothing written, is the transaction refused.
	outcomes bool
}

// key names the row, as the matrix's first two columns do.
func (r authzRow) key() string { return r.tx + " · " + r.on }

// readersFor is the read row naming the audience of k's event.
func (r authzRow) readersFor(k callerKind) string {
	if rr, ok := r.readersBy[k]; ok {
		return rr
	}
	return r.readers
}

// isRead reports whether a transaction only reads (the contract evaluates it).
func isRead(tx string) bool {
	return strings.HasPrefix(tx, "Get") || strings.HasPrefix(tx, "Query") || strings.HasPrefix(tx, "Disclosed") ||
		tx == "WhoAmI" || tx == "VerifyReceiptProof"
}

// run endorses the row's transaction as a caller of kind k, without
// committing it: every cell sees the same world.
func (w *authzWorld) run(k callerKind, row authzRow, args []any) *chaincodetest.Tx {
	var transient map[string][]byte
	request := row.private
	if transientRequests[row.tx] && len(args) > 0 {
		request, args = args[0], args[1:]
	}
	if request != nil {
		raw, err := json.Marshal(request)
		if err != nil {
			w.t.Fatal(err)
		}
		transient = map[string][]byte{"request": raw}
	}
	return w.peer.SimulateTransient(k.caller(), transient, row.tx, w.args(args)...)
}

// answer is whether a transaction of row was allowed, and the refusal's
// message when not: for a row of outcomes, that of its first receipt when
// it was refused and the transaction wrote nothing.
func (w *authzWorld) answer(row authzRow, tx *chaincodetest.Tx) (bool, string) {
	if !tx.OK() || !row.outcomes {
		return tx.OK(), tx.Message
	}
	var res struct {
		Outcomes []ledger.ReceiptOutcome `json:"outcomes"`
	}
	if err := json.Unmarshal(tx.Payload, &res); err != nil || len(res.Outcomes) == 0 {
		w.t.Fatalf("%s: no outcomes in %s (%v)", row.tx, tx.Payload, err)
	}
	o := res.Outcomes[0]
	if o.Accepted() {
		return true, ""
	}
	if len(tx.Writes()) > 0 || len(tx.Events) > 0 {
		w.t.Errorf("%s: its receipt refused (%s), yet it wrote %q and emitted %d events", row.tx, o.Reason, tx.Writes(), len(tx.Events))
	}
	return false, o.Kind + ": " + o.Reason
}

// idOf is the ID of an object; the expert and the attestor are known by
// identities the world generates.
func (w *authzWorld) idOf(ref objectRef) string {
	switch {
	case ref.typ == "expert" && ref.id == "":
		return w.expertClient
	case ref.typ == "attestor" && ref.id == "":
		return w.attestor.Address()
	}
	return ref.id
}

// getOf is the transaction that reads one object of each type.
var getOf = map[string]string{
	"participant": "GetParticipant", "expert": "GetExpert", "dataset": "GetDataset", "call": "GetCall",
	"application": "GetApplication", "review": "GetReview", "grant": "GetGrant", "agreement": "GetAgreement",
	"attestor": "GetAttestor", "product": "GetProduct", "incident": "GetIncident",
	"datarequest":  "GetDataRequest",
	"feestatement": "GetFeeStatement", "benefitsplit": "GetBenefitSplit",
}

// mayRead reports whether a caller of kind k may read the object.
func (w *authzWorld) mayRead(k callerKind, ref objectRef) bool {
	fn, ok := getOf[ref.typ]
	if !ok {
		w.t.Fatalf("no read of a %s to tell who may read it", ref.typ)
	}
	return w.peer.Simulate(k.caller(), fn, w.idOf(ref)).OK()
}

// missingArgs are the row's arguments naming an object that does not
// exist in place of its own.
func (w *authzWorld) missingArgs(row authzRow) []any {
	if row.missing != nil {
		return row.missing(w)
	}
	id := w.idOf(row.about)
	var out []any
	for _, a := range w.args(row.args(w)) {
		if a == id {
			out = append(out, absentID)
			continue
		}
		out = append(out, strings.ReplaceAll(a, `"`+id+`"`, `"`+absentID+`"`))
	}
	return out
}

// kindOf is the kind a contract error message starts with.
func kindOf(message string) string {
	kind, _, _ := strings.Cut(message, ": ")
	return kind
}

// checkRefusal checks that a refused caller is refused for who it is, and
// learns nothing it may not read: a read answers not found, word for word
// as for an object that does not exist; a change of an object the caller
// may read is forbidden; a change of one it may not read answers as for
// one that does not exist; a transaction that creates an object refuses
// the caller's role (forbidden).
func (w *authzWorld) checkRefusal(t *testing.T, row authzRow, k callerKind, message string) {
	t.Helper()
	kind := kindOf(message)
	if kind != ledger.ErrForbidden.Error() && kind != ledger.ErrNotFound.Error() {
		t.Errorf("%s: refused for another reason than who calls: %q", k, message)
		return
	}
	switch {
	case row.about == (objectRef{}) && isRead(row.tx):
		t.Errorf("%s: refused (%q), but the row names no object it reads", k, message)
		return
	case row.about == (objectRef{}):
		if kind != ledger.ErrForbidden.Error() {
			t.Errorf("%s: got %q, want forbidden: the transaction creates an object, and refuses the caller's role", k, message)
		}
		return
	case !isRead(row.tx) && w.mayRead(k, row.about):
		if kind != ledger.ErrForbidden.Error() {
			t.Errorf("%s: got %q, want forbidden: the caller may read %s %s", k, message, row.about.typ, w.idOf(row.about))
		}
		return
	case isRead(row.tx) && kind != ledger.ErrNotFound.Error():
		t.Errorf("%s: got %q, want not found: a read answers what the caller may not read as missing", k, message)
		return
	}
	missingOK, missingMessage := w.answer(row, w.run(k, row, w.missingArgs(row)))
	if missingOK {
		t.Errorf("%s: the transaction naming a missing %s succeeds, want it refused", k, row.about.typ)
		return
	}
	if as := strings.ReplaceAll(missingMessage, absentID, w.idOf(row.about)); as != message {
		t.Errorf("%s: got %q; for a missing %s it answers %q: the refusal tells that %s exists", k, message, row.about.typ, missingMessage, w.idOf(row.about))
	}
}

// checkItems checks that every item of a list is one the caller may read.
func (w *authzWorld) checkItems(t *testing.T, row authzRow, k callerKind, payload []byte) {
	t.Helper()
	var page struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	if err := json.Unmarshal(payload, &page); err != nil {
		t.Fatalf("%s: decode the page: %v", k, err)
	}
	for _, it := range page.Items {
		fn, args := row.itemRead(it.ID)
		if read := w.peer.Simulate(k.caller(), fn, w.args(args)...); !read.OK() {
			t.Errorf("%s: the list shows %s, which %s refuses it: %q", k, it.ID, fn, read.Message)
		}
	}
}

// checkCell runs one cell of the matrix.
func (w *authzWorld) checkCell(t *testing.T, row authzRow, k callerKind) {
	t.Helper()
	tx := w.run(k, row, row.args(w))
	ok, message := w.answer(row, tx)
	shown := ok && (row.shows == nil || row.shows(w, tx.Payload))
	if ok && isRead(row.tx) && (len(tx.Writes()) > 0 || len(tx.Events) > 0) {
		t.Errorf("%s: the read wrote %q and emitted %d events", k, tx.Writes(), len(tx.Events))
	}
	if ok && row.itemRead != nil {
		w.checkItems(t, row, k, tx.Payload)
	}
	switch want := row.allowed.has(k); {
	case want && !ok:
		t.Errorf("%s: got %q, want allowed", k, message)
	case want && !shown:
		t.Errorf("%s: the answer leaves out what the caller may read: %s", k, tx.Payload)
	case !want && shown:
		t.Errorf("%s: allowed, want refused", k)
	case !want && !ok:
		w.checkRefusal(t, row, k, message)
	}
}

// TestAuthorizationMatrix runs every cell of the matrix: each transaction
// as each kind of caller, with valid arguments, against the same world.
func TestAuthorizationMatrix(t *testing.T) {
	w := newAuthzWorld(t)
	for _, row := range authzRows() {
		t.Run(row.key(), func(t *testing.T) {
			w.t = t
			for k := range numCallerKinds {
				w.checkCell(t, row, k)
			}
		})
	}
}

// TestAuthorizationEventAudiences: the event of every change reaches
// exactly the callers that may read the object the change leaves (the read
// row the change names), and each related object's audience those of its
// own read row.
func TestAuthorizationEventAudiences(t *testing.T) {
	w := newAuthzWorld(t)
	reads := map[string]authzRow{}
	for _, row := range authzRows() {
		reads[row.key()] = row
	}
	audience := func(t *testing.T, what string, aud *ledger.Audience, readersKey string) {
		t.Helper()
		readers, ok := reads[readersKey]
		if !ok {
			t.Fatalf("%s: no read row %q", what, readersKey)
		}
		for k := range numCallerKinds {
			if got, want := ledger.Readable(aud, w.actors[k]), readers.allowed.has(k); got != want {
				t.Errorf("%s reaches %s: got %v, want %v (row %q)", what, k, got, want, readersKey)
			}
		}
	}
	for _, row := range authzRows() {
		if isRead(row.tx) {
			continue
		}
		t.Run(row.key(), func(t *testing.T) {
			w.t = t
			for _, k := range row.allowed.kinds() {
				tx := w.run(k, row, row.args(w))
				if !tx.OK() {
					t.Fatalf("%s: got %q, want allowed", k, tx.Message)
				}
				if row.event == "" {
					if len(tx.Writes()) > 0 || len(tx.Events) > 0 {
						t.Errorf("%s: wrote %q and emitted %d events, want nothing changed", k, tx.Writes(), len(tx.Events))
					}
					continue
				}
				e := event(t, tx)
				if name := e.Type + "." + e.Change; name != row.event {
					t.Errorf("%s: emitted %s, want %s", k, name, row.event)
				}
				if e.Audience == nil {
					t.Fatalf("%s: event %s has no audience", k, row.event)
				}
				audience(t, fmt.Sprintf("%s's %s", k, row.event), e.Audience, row.readersFor(k))
				for _, ref := range e.Related {
					rr, ok := readersOfRelated[ref.Type]
					if !ok {
						t.Errorf("%s: related %s %s has no read row to check its audience against", k, ref.Type, ref.ID)
						continue
					}
					audience(t, fmt.Sprintf("%s's %s, related %s.%s", k, row.event, ref.Type, ref.Change), ref.Audience, rr)
				}
			}
		})
	}
}

// TestAuthorizationMatrixCoversTheContract: every transaction of the
// contract (its metadata, and the methods of chaincode.Contract that take a
// transaction context) has a row, and every row names one of them.
func TestAuthorizationMatrixCoversTheContract(t *testing.T) {
	n := newNet(t)
	var md struct {
		Contracts map[string]struct {
			Transactions []struct {
				Name string `json:"name"`
			} `json:"transactions"`
		} `json:"contracts"`
	}
	n.get(&md, lt.RegulatorMSP, "org.hyperledger.fabric:GetMetadata")
	var published []string
	for _, tr := range md.Contracts["Contract"].Transactions {
		published = append(published, tr.Name)
	}
	var methods []string
	ctxType := reflect.TypeFor[contractapi.TransactionContextInterface]()
	contractType := reflect.TypeFor[*chaincode.Contract]()
	for i := range contractType.NumMethod() {
		if m := contractType.Method(i); m.Type.NumIn() > 1 && m.Type.In(1) == ctxType {
			methods = append(methods, m.Name)
		}
	}
	slices.Sort(published)
	slices.Sort(methods)
	if !slices.Equal(published, methods) {
		t.Errorf("the metadata lists %v, the contract's methods are %v", published, methods)
	}
	if len(published) < 70 {
		t.Fatalf("got %d transactions in the metadata, want the contract's", len(published))
	}
	inTable := map[string]bool{}
	for _, row := range authzRows() {
		inTable[row.tx] = true
		if !slices.Contains(published, row.tx) {
			t.Errorf("row %q names %s, which is not a transaction of the contract", row.key(), row.tx)
		}
	}
	for _, name := range published {
		if !inTable[name] {
			t.Errorf("transaction %s has no row in the authorization matrix", name)
		}
	}
}

// The matrix as docs/authorization.md writes it.

const (
	authzDoc          = "../docs/authorization.md"
	transactionsTitle = "## Transactions"
	eventsTitle       = "## Events"
)

func mark(allowed bool) string {
	if allowed {
		return "✓"
	}
	return "✗"
}

func cells(s kindSet) []string {
	out := make([]string, numCallerKinds)
	for k := range numCallerKinds {
		out[k] = mark(s.has(k))
	}
	return out
}

func tableLine(cols ...string) string { return "| " + strings.Join(cols, " | ") + " |" }

// transactionLines are the rows of the transactions table.
func transactionLines(rows []authzRow) []string {
	var out []string
	for _, row := range rows {
		out = append(out, tableLine(append([]string{"`" + row.tx + "`", row.on}, cells(row.allowed)...)...))
	}
	return out
}

// eventLines are the rows of the events table: for each change, who may
// read the object it leaves, by the callers whose change it is.
func eventLines(rows []authzRow) []string {
	reads := map[string]kindSet{}
	for _, row := range rows {
		reads[row.key()] = row.allowed
	}
	var out []string
	for _, row := range rows {
		if isRead(row.tx) || row.event == "" {
			continue
		}
		groups := map[string]kindSet{}
		var order []string
		for _, k := range row.allowed.kinds() {
			r := row.readersFor(k)
			if _, seen := groups[r]; !seen {
				order = append(order, r)
			}
			groups[r] = groups[r].and(k)
		}
		for _, r := range order {
			by := groups[r]
			names := make([]string, 0, len(by.kinds()))
			for _, k := range by.kinds() {
				names = append(names, k.String())
			}
			who := strings.Join(names, ", ")
			if by == row.allowed && len(names) > 3 {
				who = "any caller the row allows"
			}
			out = append(out, tableLine(append([]string{"`" + row.event + "`", "`" + row.tx + "`", row.on, who}, cells(reads[r])...)...))
		}
	}
	return out
}

// docLines returns the table rows of a section of the document, each
// normalised as tableLine writes it, and the section's header row.
func docLines(t *testing.T, doc, title string) (header []string, lines []string) {
	t.Helper()
	start := strings.Index(doc, "\n"+title+"\n")
	if start < 0 {
		t.Fatalf("%s has no section %q", authzDoc, title)
	}
	section := doc[start+1:]
	if end := strings.Index(section[len(title):], "\n## "); end >= 0 {
		section = section[:len(title)+end]
	}
	for line := range strings.Lines(section) {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "|") || strings.HasPrefix(line, "|---") || strings.HasPrefix(line, "| ---") {
			continue
		}
		cols := strings.Split(strings.Trim(line, "|"), "|")
		for i := range cols {
			cols[i] = strings.TrimSpace(cols[i])
		}
		if header == nil {
			header = cols
			continue
		}
		lines = append(lines, tableLine(cols...))
	}
	return header, lines
}

// TestAuthorizationDocMatchesMatrix: docs/authorization.md holds exactly
// the matrix: its columns, its rows and their cells, and the events table.
func TestAuthorizationDocMatchesMatrix(t *testing.T) {
	raw, err := os.ReadFile(authzDoc)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	rows := authzRows()
	for _, tt := range []struct {
		title   string
		leading []string
		want    []string
	}{
		{transactionsTitle, []string{"transaction", "on"}, transactionLines(rows)},
		{eventsTitle, []string{"event", "transaction", "on", "emitted by"}, eventLines(rows)},
	} {
		header, got := docLines(t, doc, tt.title)
		if wantHeader := append(slices.Clone(tt.leading), callerKindNames[:]...); !slices.Equal(header, wantHeader) {
			t.Errorf("%s: the table's columns are %q, want %q", tt.title, header, wantHeader)
		}
		if !slices.Equal(got, tt.want) {
			gotSet, wantSet := map[string]bool{}, map[string]bool{}
			for _, l := range got {
				gotSet[l] = true
			}
			for _, l := range tt.want {
				wantSet[l] = true
				if !gotSet[l] {
					t.Errorf("%s: the document lacks %s", tt.title, l)
				}
			}
			for _, l := range got {
				if !wantSet[l] {
					t.Errorf("%s: the document has %s, which the matrix does not", tt.title, l)
				}
			}
			t.Errorf("%s: the document's table differs from the matrix (in order too); the matrix's rows are:\n%s", tt.title, strings.Join(tt.want, "\n"))
		}
	}
}
