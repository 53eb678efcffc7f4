package chaincodetest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
	"github.com/hyperledger/fabric-protos-go-apiv2/ledger/queryresult"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// errUnsupported is returned by the stub functions the fake does not offer
// (private data, rich queries, chaincode-to-chaincode calls).
var errUnsupported = errors.New("not supported by the chaincodetest peer")

type rangeRead struct {
	prefix string
	seen   []keyVersion
}

// The sizes of what a Fabric peer and the shim exchange in one message, to
// count round trips as they happen on a peer: a peer answers a range query
// with up to queryResultsPerMessage results and the rest on request
// (core/chaincode's maxResultLimit); it takes up to keysPerMessage keys of
// a GetMultipleStates, and up to writesPerMessage writes of a write batch
// (core.yaml's maxSizeGetMultipleKeys and maxSizeWriteBatch).
const (
	queryResultsPerMessage = 100
	keysPerMessage         = 1000
	writesPerMessage       = 1000
)

// simulation is the stub of one transaction being endorsed.
type simulation struct {
	peer      *Peer
	txID      string
	ts        time.Time
	creator   []byte
	args      []string
	reads     map[string]uint64
	ranges    []rangeRead
	writes    map[string][]byte
	params    map[string][]byte
	events    []Event
	paginated bool
	// mspID is the creator's organisation, for collection access.
	mspID      string
	transient  map[string][]byte
	privReads  map[string]uint64
	privWrites map[string][]byte
	// trips counts the messages the chaincode sent the peer and waited
	// for the answer to; batching is set by StartWriteBatch, whose writes
	// (batched) are sent together when the transaction ends.
	trips    int
	batching bool
	batched  int
	// scans lists the prefixes of the range queries, in order.
	scans []string
}

// roundTrip counts one message to the peer and its answer.
func (s *simulation) roundTrip() { s.trips++ }

func timestamp(t time.Time) *timestamppb.Timestamp { return timestamppb.New(t) }

func (s *simulation) GetArgs() [][]byte {
	out := make([][]byte, len(s.args))
	for i, a := range s.args {
		out[i] = []byte(a)
	}
	return out
}

func (s *simulation) GetStringArgs() []string { return slices.Clone(s.args) }

func (s *simulation) GetFunctionAndParameters() (string, []string) {
	return s.args[0], slices.Clone(s.args[1:])
}

func (s *simulation) GetArgsSlice() ([]byte, error) { return []byte(strings.Join(s.args, "")), nil }
func (s *simulation) GetTxID() string               { return s.txID }
func (s *simulation) GetChannelID() string          { return s.peer.channel }

func (s *simulation) InvokeChaincode(string, [][]byte, string) *peer.Response {
	return shim.Error(errUnsupported.Error())
}

func (s *simulation) GetState(key string) ([]byte, error) {
	if key == "" {
		return nil, errors.New("key must not be empty")
	}
	s.roundTrip()
	return s.read(key), nil
}

// read returns the committed value of a key and records the read.
func (s *simulation) read(key string) []byte {
	v := s.peer.state[key]
	s.reads[key] = v.version
	return v.value
}

// GetMultipleStates reads keys as a Fabric peer does (core/ledger txmgr's
// GetStateMultipleKeys): each key is in the read set with its version, as
// a GetState records it; an absent key reads nil; no key, no message. The
// shim sends the keys keysPerMessage at a time.
func (s *simulation) GetMultipleStates(keys ...string) ([][]byte, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	for _, k := range keys {
		if k == "" {
			return nil, errors.New("key must not be empty")
		}
	}
	s.trips += (len(keys) + keysPerMessage - 1) / keysPerMessage
	out := make([][]byte, len(keys))
	for i, k := range keys {
		out[i] = s.read(k)
	}
	return out, nil
}

func (s *simulation) write(key string, value []byte) error {
	if key == "" {
		return errors.New("key must not be empty")
	}
	if s.paginated {
		return fmt.Errorf("txid [%s]: writes are not allowed after a paginated query", s.txID)
	}
	s.writes[key] = value
	s.sendWrite()
	return nil
}

// sendWrite counts a write: a message of its own, or one more in the write
// batch.
func (s *simulation) sendWrite() {
	if s.batching {
		s.batched++
		return
	}
	s.roundTrip()
}

func (s *simulation) PutState(key string, value []byte) error {
	if len(value) == 0 {
		return errors.New("value must not be empty")
	}
	return s.write(key, slices.Clone(value))
}

func (s *simulation) DelState(key string) error { return s.write(key, nil) }

func (s *simulation) SetStateValidationParameter(key string, ep []byte) error {
	if s.paginated {
		return fmt.Errorf("txid [%s]: writes are not allowed after a paginated query", s.txID)
	}
	s.params[key] = slices.Clone(ep)
	s.sendWrite()
	return nil
}

func (s *simulation) GetStateValidationParameter(key string) ([]byte, error) {
	s.roundTrip()
	return s.peer.params[key], nil
}

func (s *simulation) GetStateByRange(string, string) (shim.StateQueryIteratorInterface, error) {
	return nil, errUnsupported
}

func (s *simulation) GetStateByRangeWithPagination(string, string, int32, string) (shim.StateQueryIteratorInterface, *peer.QueryResponseMetadata, error) {
	return nil, nil, errUnsupported
}

func (s *simulation) GetStateByPartialCompositeKey(objectType string, keys []string) (shim.StateQueryIteratorInterface, error) {
	prefix, err := shim.CreateCompositeKey(objectType, keys)
	if err != nil {
		return nil, err
	}
	seen := s.peer.scan(prefix)
	s.ranges = append(s.ranges, rangeRead{prefix: prefix, seen: seen})
	return s.iterator(prefix, seen), nil
}

func (s *simulation) GetStateByPartialCompositeKeyWithPagination(objectType string, keys []string, pageSize int32, bookmark string) (shim.StateQueryIteratorInterface, *peer.QueryResponseMetadata, error) {
	if pageSize <= 0 {
		return nil, nil, fmt.Errorf("page size %d must be positive", pageSize)
	}
	prefix, err := shim.CreateCompositeKey(objectType, keys)
	if err != nil {
		return nil, nil, err
	}
	s.paginated = true
	all := s.peer.scan(prefix)
	start := 0
	if bookmark != "" {
		start = slices.IndexFunc(all, func(kv keyVersion) bool { return kv.key >= bookmark })
		if start < 0 {
			start = len(all)
		}
	}
	end := min(start+int(pageSize), len(all))
	meta := &peer.QueryResponseMetadata{FetchedRecordsCount: int32(end - start)}
	if end < len(all) {
		meta.Bookmark = all[end].key
	}
	return s.iterator(prefix, all[start:end]), meta, nil
}

func (s *simulation) GetAllStatesCompositeKeyWithPagination(int32, string) (shim.StateQueryIteratorInterface, *peer.QueryResponseMetadata, error) {
	return nil, nil, errUnsupported
}

func (s *simulation) CreateCompositeKey(objectType string, attributes []string) (string, error) {
	return shim.CreateCompositeKey(objectType, attributes)
}

func (s *simulation) SplitCompositeKey(compositeKey string) (string, []string, error) {
	if !strings.HasPrefix(compositeKey, "\x00") || !utf8.ValidString(compositeKey) {
		return "", nil, fmt.Errorf("%q is not a composite key", compositeKey)
	}
	parts := strings.Split(compositeKey[1:], "\x00")
	if len(parts) < 2 {
		return "", nil, fmt.Errorf("%q is not a composite key", compositeKey)
	}
	return parts[0], parts[1 : len(parts)-1], nil
}

func (s *simulation) GetQueryResult(string) (shim.StateQueryIteratorInterface, error) {
	return nil, errUnsupported
}

func (s *simulation) GetQueryResultWithPagination(string, int32, string) (shim.StateQueryIteratorInterface, *peer.QueryResponseMetadata, error) {
	return nil, nil, errUnsupported
}

func (s *simulation) GetHistoryForKey(key string) (shim.HistoryQueryIteratorInterface, error) {
	mods := slices.Clone(s.peer.history[key])
	slices.Reverse(mods) // newest first, as Fabric returns them
	s.roundTrip()
	return &historyIterator{sim: s, mods: mods}, nil
}

func (s *simulation) GetMultiplePrivateData(string, ...string) ([][]byte, error) {
	return nil, errUnsupported
}
func (s *simulation) DelPrivateData(string, string) error   { return errUnsupported }
func (s *simulation) PurgePrivateData(string, string) error { return errUnsupported }
func (s *simulation) SetPrivateDataValidationParameter(string, string, []byte) error {
	return errUnsupported
}
func (s *simulation) GetPrivateDataValidationParameter(string, string) ([]byte, error) {
	return nil, errUnsupported
}
func (s *simulation) GetPrivateDataByRange(string, string, string) (shim.StateQueryIteratorInterface, error) {
	return nil, errUnsupported
}
func (s *simulation) GetPrivateDataByPartialCompositeKey(string, string, []string) (shim.StateQueryIteratorInterface, error) {
	return nil, errUnsupported
}
func (s *simulation) GetPrivateDataQueryResult(string, string) (shim.StateQueryIteratorInterface, error) {
	return nil, errUnsupported
}

func (s *simulation) GetCreator() ([]byte, error)                      { return s.creator, nil }
func (s *simulation) GetBinding() ([]byte, error)                      { return nil, nil }
func (s *simulation) GetDecorations() map[string][]byte                { return nil }
func (s *simulation) GetSignedProposal() (*peer.SignedProposal, error) { return nil, errUnsupported }
func (s *simulation) GetTxTimestamp() (*timestamppb.Timestamp, error)  { return timestamp(s.ts), nil }

func (s *simulation) SetEvent(name string, payload []byte) error {
	if name == "" {
		return errors.New("event name must not be empty")
	}
	s.events = append(s.events, Event{Name: name, Payload: slices.Clone(payload)})
	return nil
}

func (s *simulation) StartWriteBatch() { s.batching = true }

// FinishWriteBatch sends the batched writes, as the shim does when the
// transaction ends.
func (s *simulation) FinishWriteBatch() error {
	s.trips += (s.batched + writesPerMessage - 1) / writesPerMessage
	s.batching, s.batched = false, 0
	return nil
}

// iterator iterates over committed keys: opening it is a message to the
// peer, as is every further page of results and closing it.
func (s *simulation) iterator(prefix string, kvs []keyVersion) *stateIterator {
	s.roundTrip()
	s.scans = append(s.scans, prefix)
	return &stateIterator{sim: s, kvs: kvs}
}

type stateIterator struct {
	sim  *simulation
	kvs  []keyVersion
	next int
}

func (it *stateIterator) HasNext() bool { return it.next < len(it.kvs) }

func (it *stateIterator) Close() error {
	it.sim.roundTrip()
	return nil
}

func (it *stateIterator) Next() (*queryresult.KV, error) {
	if !it.HasNext() {
		return nil, errors.New("iterator exhausted")
	}
	if it.next > 0 && it.next%queryResultsPerMessage == 0 {
		it.sim.roundTrip()
	}
	kv := it.kvs[it.next]
	it.next++
	return &queryresult.KV{Namespace: "grantledger", Key: kv.key, Value: it.sim.peer.state[kv.key].value}, nil
}

type historyIterator struct {
	sim  *simulation
	mods []*queryresult.KeyModification
	next int
}

func (it *historyIterator) HasNext() bool { return it.next < len(it.mods) }

func (it *historyIterator) Close() error {
	it.sim.roundTrip()
	return nil
}

func (it *historyIterator) Next() (*queryresult.KeyModification, error) {
	if !it.HasNext() {
		return nil, errors.New("iterator exhausted")
	}
	if it.next > 0 && it.next%queryResultsPerMessage == 0 {
		it.sim.roundTrip()
	}
	m := it.mods[it.next]
	it.next++
	return m, nil
}
