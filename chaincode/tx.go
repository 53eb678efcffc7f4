package chaincode

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/grantledger/grantledger/ledger"
)

// txn is one transaction's view of the ledger: who calls, when, the
// configuration, and the single event it will emit.
type txn struct {
	ctx    contractapi.TransactionContextInterface
	op     string
	cfg    Config
	caller ledger.Actor
	now    time.Time
	stamp  ledger.Stamp
	event  *ledger.Event
}

// begin resolves the caller and the transaction time. The ledger must have
// been bootstrapped. Every transaction reads the expert row of its client
// identity (usually absent), so registering or retiring an expert
// invalidates that identity's transactions endorsed before.
func begin(ctx contractapi.TransactionContextInterface, op string) (*txn, error) {
	tx := &txn{ctx: ctx, op: op}
	raw, err := ctx.GetStub().GetState(configKey)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	if raw == nil {
		return nil, ledger.Refused("the ledger is not bootstrapped; the authority must run Bootstrap first")
	}
	if err := json.Unmarshal(raw, &tx.cfg); err != nil {
		return nil, fmt.Errorf("decode config: %w", err)
	}
	msp, err := ctx.GetClientIdentity().GetMSPID()
	if err != nil {
		return nil, fmt.Errorf("read caller MSP ID: %w", err)
	}
	id, err := ctx.GetClientIdentity().GetID()
	if err != nil {
		return nil, fmt.Errorf("read caller identity: %w", err)
	}
	if dec, err := base64.StdEncoding.DecodeString(id); err == nil {
		id = string(dec)
	}
	var expert *ledger.Expert
	if ledger.CheckClientIdentity("client", id) == nil {
		if expert, err = get[ledger.Expert](tx, typeExpert, id); err != nil {
			return nil, err
		}
	}
	var org *ledger.Participant
	if msp != tx.cfg.AuthorityMSP {
		if org, err = get[ledger.Participant](tx, typeParticipant, msp); err != nil {
			return nil, err
		}
	}
	tx.caller = ledger.ResolveActor(msp, id, tx.cfg.AuthorityMSP, org, expert)
	ts, err := ctx.GetStub().GetTxTimestamp()
	if err != nil {
		return nil, fmt.Errorf("read transaction time: %w", err)
	}
	tx.now = ts.AsTime().UTC()
	tx.stamp = ledger.NewStamp(tx.caller, ctx.GetStub().GetTxID(), tx.now)
	return tx, nil
}

// submit runs a state-changing transaction: fn decides and writes; on
// success the one event is emitted. Every error is mapped by txError.
func submit(ctx contractapi.TransactionContextInterface, op string, fn func(tx *txn) error) error {
	tx, err := begin(ctx, op)
	if err != nil {
		return txError(op, err)
	}
	if err := fn(tx); err != nil {
		return txError(tx.op, err)
	}
	if tx.event == nil {
		return txError(tx.op, errors.New("transaction changed state without an event"))
	}
	return txError(tx.op, tx.emitEvent())
}

// evaluate runs a query.
func evaluate(ctx contractapi.TransactionContextInterface, op string, fn func(tx *txn) error) error {
	tx, err := begin(ctx, op)
	if err != nil {
		return txError(op, err)
	}
	return txError(tx.op, fn(tx))
}

// decode parses a JSON request, refusing unknown fields. An empty string is
// taken as an empty object.
func decode(request string, v any) error {
	if strings.TrimSpace(request) == "" {
		request = "{}"
	}
	dec := json.NewDecoder(strings.NewReader(request))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return ledger.Invalid("request", "is not a valid JSON request: %s", err.Error())
	}
	if dec.More() {
		return ledger.Invalid("request", "has trailing data after the JSON object")
	}
	return nil
}

// named sets the operation name once the object's ID is known.
func (tx *txn) named(op string, id string) { tx.op = op + " " + id }

// hidden refuses a read of an object the caller may not see.
func (tx *txn) hidden(objectType, id string) error {
	return ledger.Forbidden("%s %s is not visible to %s", objectType, id, tx.caller.MSP)
}

// result drops the value of a failed transaction.
func result[T any](v *T, err error) (*T, error) {
	if err != nil {
		return nil, err
	}
	return v, nil
}
