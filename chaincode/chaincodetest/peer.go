// Package chaincodetest is an in-memory Fabric peer for contract tests: it
// runs a chaincode against a world state with versions, endorses each
// transaction by simulation (reads see only committed state, as on a peer),
// and commits it with MVCC and phantom-read validation, key histories,
// key-level endorsement policies enforced at commit against the
// organisations that endorsed (Tx.EndorsedBy) and chaincode events. Callers are
// identified by generated X.509 identities of the MSP they name: "OrgMSP"
// is the MSP's user1, "user2@OrgMSP" another of its users.
package chaincodetest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"maps"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
	"github.com/hyperledger/fabric-protos-go-apiv2/ledger/queryresult"
	"github.com/hyperledger/fabric-protos-go-apiv2/msp"
	"google.golang.org/protobuf/proto"
)

// ErrMVCCConflict is returned by Commit when a key the transaction read was
// changed by a transaction committed after it was simulated.
var ErrMVCCConflict = errors.New("MVCC_READ_CONFLICT")

// ErrPhantomRead is returned by Commit when a range the transaction read
// holds different keys or versions at commit time.
var ErrPhantomRead = errors.New("PHANTOM_READ_CONFLICT")

type versioned struct {
	value   []byte
	version uint64
}

// Peer is an in-memory peer holding one chaincode's world state.
type Peer struct {
	cc      shim.Chaincode
	channel string
	state   map[string]versioned
	params  map[string][]byte
	history map[string][]*queryresult.KeyModification
	version uint64
	clock   time.Time
	seq     int
	ids     map[string][]byte
	// collections maps each private data collection to its members;
	// private holds their values.
	collections map[string][]string
	private     map[string]versioned
	// ccPolicy is the chaincode-level endorsement policy, if checked.
	ccPolicy []byte
}

// New returns a peer running cc with its clock at start.
func New(cc shim.Chaincode, start time.Time) *Peer {
	return &Peer{
		cc: cc, channel: "grantledger", clock: start.UTC(),
		state: map[string]versioned{}, params: map[string][]byte{},
		history: map[string][]*queryresult.KeyModification{}, ids: map[string][]byte{},
	}
}

// Now returns the peer's clock, the timestamp of the next transaction.
func (p *Peer) Now() time.Time { return p.clock }

// SetTime sets the clock.
func (p *Peer) SetTime(t time.Time) { p.clock = t.UTC() }

// Event is a chaincode event set by a transaction.
type Event struct {
	Name    string
	Payload []byte
}

// Tx is a simulated transaction: its response, and the read and write sets
// Commit validates and applies.
type Tx struct {
	ID      string
	Time    time.Time
	MSP     string
	Status  int32
	Message string
	Payload []byte
	// Events lists every SetEvent call; Fabric keeps only the last.
	Events []Event
	// CommitErr is set by Invoke when validation at commit failed.
	CommitErr error
	// Endorsers are the organisations whose peers endorsed the
	// transaction; nil means every organisation's (see EndorsedBy).
	Endorsers []string

	sim *simulation
}

// OK reports whether the transaction was endorsed and, if committed, valid.
func (tx *Tx) OK() bool { return tx.Status == shim.OK && tx.CommitErr == nil }

// Writes returns the keys the transaction wrote or deleted, sorted.
func (tx *Tx) Writes() []string {
	keys := make([]string, 0, len(tx.sim.writes))
	for k := range tx.sim.writes {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// RoundTrips returns how many messages the transaction's simulation sent
// the peer and waited for the answer to, as the shim and a Fabric peer
// exchange them: one per GetState, per GetMultipleStates (of up to 1,000
// keys), per range or history query opened, per further page of 100
// results, per iterator closed, per private data read, and per write —
// or per 1,000 writes of a write batch (StartWriteBatch), sent when the
// transaction ends. On a peer these messages, not the bytes, are what a
// transaction's reads cost.
func (tx *Tx) RoundTrips() int { return tx.sim.trips }

// Reads returns the keys in the transaction's read set, sorted: those
// Commit validates against the versions it read.
func (tx *Tx) Reads() []string { return slices.Sorted(maps.Keys(tx.sim.reads)) }

// RangeScans returns the key prefixes of the range queries the
// transaction's simulation opened (paginated or not), in order.
func (tx *Tx) RangeScans() []string { return slices.Clone(tx.sim.scans) }

// Simulate endorses a call of fn with args by caller (an MSP ID, or
// user@MSP ID), at the peer's clock, without committing it.
func (p *Peer) Simulate(caller, fn string, args ...string) *Tx {
	return p.SimulateTransient(caller, nil, fn, args...)
}

// SimulateTransient is Simulate with transient data, the private input a
// proposal carries outside its arguments.
func (p *Peer) SimulateTransient(caller string, transient map[string][]byte, fn string, args ...string) *Tx {
	p.seq++
	user, mspID := splitCaller(caller)
	creator, err := p.identity(user, mspID)
	tx := &Tx{ID: fmt.Sprintf("tx%04d", p.seq), Time: p.clock, MSP: mspID}
	if err != nil {
		tx.Status, tx.Message = shim.ERROR, err.Error()
		return tx
	}
	sim := &simulation{
		peer: p, txID: tx.ID, ts: p.clock, creator: creator,
		args:  append([]string{fn}, args...),
		reads: map[string]uint64{}, writes: map[string][]byte{}, params: map[string][]byte{},
		mspID: mspID, transient: transient, privReads: map[string]uint64{}, privWrites: map[string][]byte{},
	}
	tx.sim = sim
	resp := p.cc.Invoke(sim)
	// The shim sends what the write batch holds once Invoke returns.
	_ = sim.FinishWriteBatch()
	tx.Status, tx.Message, tx.Payload, tx.Events = resp.Status, resp.Message, resp.Payload, sim.events
	return tx
}

// Commit validates a simulated transaction against the current state and
// applies its writes. A failed simulation is never committed.
func (p *Peer) Commit(tx *Tx) error {
	if tx.Status != shim.OK {
		return fmt.Errorf("transaction %s was not endorsed: %s", tx.ID, tx.Message)
	}
	sim := tx.sim
	if err := p.checkEndorsement(tx); err != nil {
		return err
	}
	for key, v := range sim.reads {
		if p.state[key].version != v {
			return fmt.Errorf("%w: key %q", ErrMVCCConflict, key)
		}
	}
	for _, r := range sim.ranges {
		if !slices.Equal(p.scan(r.prefix), r.seen) {
			return fmt.Errorf("%w: range %q", ErrPhantomRead, r.prefix)
		}
	}
	if err := p.commitPrivate(sim); err != nil {
		return err
	}
	p.version++
	p.applyPrivate(sim)
	for _, key := range tx.Writes() {
		value := sim.writes[key]
		mod := &queryresult.KeyModification{TxId: tx.ID, Value: value, Timestamp: timestamp(sim.ts), IsDelete: value == nil}
		p.history[key] = append(p.history[key], mod)
		if value == nil {
			delete(p.state, key)
			continue
		}
		p.state[key] = versioned{value: value, version: p.version}
	}
	for key, ep := range sim.params {
		p.params[key] = ep
	}
	return nil
}

// Invoke simulates and, if endorsed, commits a transaction by caller (an
// MSP ID, or user@MSP ID), then advances the clock by a second.
func (p *Peer) Invoke(caller, fn string, args ...string) *Tx {
	return p.InvokeTransient(caller, nil, fn, args...)
}

// InvokeTransient is Invoke with transient data.
func (p *Peer) InvokeTransient(caller string, transient map[string][]byte, fn string, args ...string) *Tx {
	tx := p.SimulateTransient(caller, transient, fn, args...)
	if tx.Status == shim.OK {
		tx.CommitErr = p.Commit(tx)
	}
	p.clock = p.clock.Add(time.Second)
	return tx
}

// State returns the committed value of a key, nil if absent.
func (p *Peer) State(key string) []byte { return p.state[key].value }

// ValidationParameter returns the committed key-level endorsement policy of a key.
func (p *Peer) ValidationParameter(key string) []byte { return p.params[key] }

// Snapshot returns a copy of the committed state, to compare before and after.
func (p *Peer) Snapshot() map[string]string {
	out := make(map[string]string, len(p.state))
	for k, v := range p.state {
		out[k] = string(v.value)
	}
	return out
}

// scan returns the committed keys with a prefix and their versions, sorted.
func (p *Peer) scan(prefix string) []keyVersion {
	var out []keyVersion
	for k, v := range p.state {
		if strings.HasPrefix(k, prefix) {
			out = append(out, keyVersion{k, v.version})
		}
	}
	slices.SortFunc(out, func(a, b keyVersion) int { return strings.Compare(a.key, b.key) })
	return out
}

type keyVersion struct {
	key     string
	version uint64
}

// splitCaller splits "user@MSP" into its user and MSP ID; a bare MSP ID is
// its user1.
func splitCaller(caller string) (user, mspID string) {
	if user, mspID, ok := strings.Cut(caller, "@"); ok {
		return user, mspID
	}
	return "user1", caller
}

// identity returns the serialized X.509 identity of a user of an MSP,
// generating it on first use.
func (p *Peer) identity(user, mspID string) ([]byte, error) {
	caller := user + "@" + mspID
	if id, ok := p.ids[caller]; ok {
		return id, nil
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate key for %s: %w", caller, err)
	}
	name := pkix.Name{CommonName: user + "@" + strings.ToLower(mspID), Organization: []string{mspID}}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(int64(len(p.ids) + 1)), Subject: name, Issuer: name,
		NotBefore: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC),
		KeyUsage: x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("certificate for %s: %w", caller, err)
	}
	id, err := proto.Marshal(&msp.SerializedIdentity{Mspid: mspID, IdBytes: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})})
	if err != nil {
		return nil, fmt.Errorf("identity for %s: %w", caller, err)
	}
	p.ids[caller] = id
	return id, nil
}

var _ shim.ChaincodeStubInterface = (*simulation)(nil)
