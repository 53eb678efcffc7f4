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
}

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
	v := s.peer.state[key]
	s.reads[key] = v.version
	return v.value, nil
}

func (s *simulation) GetMultipleStates(keys ...string) ([][]byte, error) {
	out := make([][]byte, len(keys))
	for i, k := range keys {
		v, err := s.GetState(k)
		if err != nil {
			return nil, err
		}
		out[i] = v
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
	return nil
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
	return nil
}

func (s *simulation) GetStateValidationParameter(key string) ([]byte, error) {
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
	return s.iterator(seen), nil
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
	return s.iterator(all[start:end]), meta, nil
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
	return &historyIterator{mods: mods}, nil
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

func (s *simulation) StartWriteBatch()        {}
func (s *simulation) FinishWriteBatch() error { return nil }

// iterator iterates over committed keys.
func (s *simulation) iterator(kvs []keyVersion) *stateIterator {
	return &stateIterator{peer: s.peer, kvs: kvs}
}

type stateIterator struct {
	peer *Peer
	kvs  []keyVersion
	next int
}

func (it *stateIterator) HasNext() bool { return it.next < len(it.kvs) }
func (it *stateIterator) Close() error  { return nil }

func (it *stateIterator) Next() (*queryresult.KV, error) {
	if !it.HasNext() {
		return nil, errors.New("iterator exhausted")
	}
	kv := it.kvs[it.next]
	it.next++
	return &queryresult.KV{Namespace: "grantledger", Key: kv.key, Value: it.peer.state[kv.key].value}, nil
}

type historyIterator struct {
	mods []*queryresult.KeyModification
	next int
}

func (it *historyIterator) HasNext() bool { return it.next < len(it.mods) }
func (it *historyIterator) Close() error  { return nil }

func (it *historyIterator) Next() (*queryresult.KeyModification, error) {
	if !it.HasNext() {
		return nil, errors.New("iterator exhausted")
	}
	m := it.mods[it.next]
	it.next++
	return m, nil
}
