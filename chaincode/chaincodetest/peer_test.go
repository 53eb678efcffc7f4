package chaincodetest_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/hyperledger/fabric-chaincode-go/v2/pkg/statebased"
	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"

	"github.com/grantledger/grantledger/chaincode/chaincodetest"
)

// kv is a tiny chaincode: put k v, get k, count prefix (range read then
// write), page prefix (paginated read then write).
type kv struct{}

func (kv) Init(shim.ChaincodeStubInterface) *peer.Response { return shim.Success(nil) }

func (kv) Invoke(stub shim.ChaincodeStubInterface) *peer.Response {
	fn, args := stub.GetFunctionAndParameters()
	switch fn {
	case "put":
		k, _ := stub.CreateCompositeKey("kv", []string{args[0]})
		if err := stub.PutState(k, []byte(args[1])); err != nil {
			return shim.Error(err.Error())
		}
		_ = stub.SetEvent("put", []byte(args[0]))
	case "get":
		k, _ := stub.CreateCompositeKey("kv", []string{args[0]})
		v, _ := stub.GetState(k)
		return shim.Success(v)
	case "count":
		it, err := stub.GetStateByPartialCompositeKey("kv", nil)
		if err != nil {
			return shim.Error(err.Error())
		}
		n := 0
		for it.HasNext() {
			if _, err := it.Next(); err != nil {
				return shim.Error(err.Error())
			}
			n++
		}
		if err := stub.PutState("count", []byte{byte('0' + n)}); err != nil {
			return shim.Error(err.Error())
		}
	case "page":
		if _, _, err := stub.GetStateByPartialCompositeKeyWithPagination("kv", nil, 1, ""); err != nil {
			return shim.Error(err.Error())
		}
		if err := stub.PutState("x", []byte("y")); err != nil {
			return shim.Error(err.Error())
		}
	case "lock":
		// lock k orgs...: k may from now on be changed only with the
		// peers of every org endorsing.
		k, _ := stub.CreateCompositeKey("kv", []string{args[0]})
		ep, _ := statebased.NewStateEP(nil)
		if err := ep.AddOrgs(statebased.RoleTypePeer, args[1:]...); err != nil {
			return shim.Error(err.Error())
		}
		policy, _ := ep.Policy()
		if err := stub.SetStateValidationParameter(k, policy); err != nil {
			return shim.Error(err.Error())
		}
	case "getmany":
		// getmany k...: read the keys in one request, then write two
		// keys through a write batch.
		keys := make([]string, len(args))
		for i, a := range args {
			keys[i], _ = stub.CreateCompositeKey("kv", []string{a})
		}
		stub.StartWriteBatch()
		values, err := stub.GetMultipleStates(keys...)
		if err != nil {
			return shim.Error(err.Error())
		}
		if err := stub.PutState("seen", []byte(fmt.Sprint(len(values)))); err != nil {
			return shim.Error(err.Error())
		}
		if err := stub.PutState("seen-too", []byte("y")); err != nil {
			return shim.Error(err.Error())
		}
		return shim.Success([]byte(fmt.Sprintf("%q", values)))
	case "private":
		if _, err := stub.GetPrivateData("c", "k"); err != nil {
			return shim.Error(err.Error())
		}
	}
	return shim.Success(nil)
}

func TestPeer(t *testing.T) {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	p := chaincodetest.New(kv{}, t0)
	if tx := p.Invoke("Org1MSP", "put", "a", "1"); !tx.OK() || len(tx.Events) != 1 || tx.Time != t0 {
		t.Fatalf("put: got %+v, want success with one event at %s", tx, t0)
	}
	if got := p.Now(); !got.Equal(t0.Add(time.Second)) {
		t.Errorf("got clock %s, want it advanced by a second", got)
	}
	if tx := p.Invoke("Org1MSP", "get", "a"); string(tx.Payload) != "1" {
		t.Errorf("get: got %q, want 1", tx.Payload)
	}

	t.Run("phantom read", func(t *testing.T) {
		a := p.Simulate("Org1MSP", "put", "b", "1")
		read := p.Simulate("Org1MSP", "count")
		if err := p.Commit(a); err != nil {
			t.Fatal(err)
		}
		if err := p.Commit(read); !errors.Is(err, chaincodetest.ErrPhantomRead) {
			t.Errorf("got %v, want %v", err, chaincodetest.ErrPhantomRead)
		}
	})
	t.Run("paginated queries are read-only", func(t *testing.T) {
		if tx := p.Invoke("Org1MSP", "page"); tx.OK() {
			t.Error("got a write after a paginated query accepted, want it refused")
		}
	})
	t.Run("unsupported", func(t *testing.T) {
		if tx := p.Invoke("Org1MSP", "private"); tx.OK() {
			t.Error("got private data served, want unsupported")
		}
	})
	t.Run("failed simulation is not committed", func(t *testing.T) {
		tx := p.Simulate("Org1MSP", "private")
		if err := p.Commit(tx); err == nil {
			t.Error("got a failed simulation committed")
		}
	})
}

// Key-level policies are enforced at commit against the organisations
// whose peers endorsed; a transaction whose endorsers are not set counts as
// endorsed by every organisation; a chaincode policy, when set, governs
// the keys without one.
func TestEndorsementPolicies(t *testing.T) {
	p := chaincodetest.New(kv{}, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	p.Invoke("Org1MSP", "put", "a", "1")
	if tx := p.Invoke("Org1MSP", "lock", "a", "Org1MSP", "Org2MSP"); !tx.OK() {
		t.Fatalf("lock: %s %v", tx.Message, tx.CommitErr)
	}
	for _, c := range []struct {
		endorsers []string
		ok        bool
	}{
		{[]string{"Org1MSP"}, false},
		{[]string{"Org2MSP", "Org3MSP"}, false},
		{[]string{"Org1MSP", "Org1MSP"}, false},
		{[]string{"Org2MSP", "Org1MSP"}, true},
		{nil, true},
	} {
		tx := p.InvokeEndorsedBy(c.endorsers, "Org1MSP", "put", "a", "2")
		if c.endorsers == nil {
			tx = p.Invoke("Org1MSP", "put", "a", "2")
		}
		if tx.OK() != c.ok || (!c.ok && !errors.Is(tx.CommitErr, chaincodetest.ErrEndorsementPolicy)) {
			t.Errorf("put endorsed by %v: got ok=%t (%v), want ok=%t", c.endorsers, tx.OK(), tx.CommitErr, c.ok)
		}
	}
	// Changing the policy itself is held to the policy in force.
	if tx := p.InvokeEndorsedBy([]string{"Org1MSP"}, "Org1MSP", "lock", "a", "Org1MSP"); !errors.Is(tx.CommitErr, chaincodetest.ErrEndorsementPolicy) {
		t.Errorf("relock by Org1MSP alone: got %v, want %v", tx.CommitErr, chaincodetest.ErrEndorsementPolicy)
	}
	// A key without a key-level policy is held to the chaincode policy.
	ep, _ := statebased.NewStateEP(nil)
	_ = ep.AddOrgs(statebased.RoleTypePeer, "Org1MSP", "Org2MSP")
	cc, _ := ep.Policy()
	p.SetChaincodePolicy(cc)
	if tx := p.InvokeEndorsedBy([]string{"Org1MSP"}, "Org1MSP", "put", "b", "1"); !errors.Is(tx.CommitErr, chaincodetest.ErrEndorsementPolicy) {
		t.Errorf("put of an unlocked key by Org1MSP alone under the chaincode policy: got %v", tx.CommitErr)
	}
	if tx := p.InvokeEndorsedBy([]string{"Org1MSP", "Org2MSP"}, "Org1MSP", "put", "b", "1"); !tx.OK() {
		t.Errorf("put endorsed by both: got %v", tx.CommitErr)
	}
}

// GetMultipleStates reads as GetState does — absent keys read nil, every key
// is in the read set and validated at commit — in one round trip; a write
// batch is one more, when the transaction ends.
func TestGetMultipleStates(t *testing.T) {
	p := chaincodetest.New(kv{}, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	p.Invoke("Org1MSP", "put", "a", "1")
	p.Invoke("Org1MSP", "put", "b", "2")
	tx := p.Simulate("Org1MSP", "getmany", "a", "b", "none")
	if string(tx.Payload) != `["1" "2" ""]` {
		t.Errorf("got values %s, want 1, 2 and nil", tx.Payload)
	}
	if got := tx.RoundTrips(); got != 2 {
		t.Errorf("got %d round trips, want 2 (the keys, the write batch)", got)
	}
	if got := len(tx.Reads()); got != 3 {
		t.Errorf("got read set %q, want the three keys", tx.Reads())
	}
	if tx := p.Invoke("Org1MSP", "get", "a"); tx.RoundTrips() != 1 {
		t.Errorf("get: got %d round trips, want 1", tx.RoundTrips())
	}
	p.Invoke("Org1MSP", "put", "b", "3")
	if err := p.Commit(tx); !errors.Is(err, chaincodetest.ErrMVCCConflict) {
		t.Errorf("commit after a key read together changed: got %v, want %v", err, chaincodetest.ErrMVCCConflict)
	}
	if err := p.Commit(p.Simulate("Org1MSP", "getmany")); err != nil {
		t.Errorf("no keys: got %v, want success", err)
	}
}
