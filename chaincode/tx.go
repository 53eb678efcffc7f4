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
	// written holds the objects the transaction wrote, by type and ID,
	// for the audiences of its event.
	written map[string]any
	// read holds the world-state values the transaction read (state) or
	// read ahead (readAhead), by key: a transaction never sees its own
	// writes, so they stay what it reads.
	read map[string][]byte
	// batchStamps are the Created stamps of the batches whose records the
	// transaction read (getReceipt), by batch ID.
	batchStamps map[string]ledger.Stamp
}

// begin checks the transaction time and resolves the caller. The ledger must have
// been bootstrapped. Every transaction reads the expert row of its client
// identity (usually absent), so registering or retiring an expert
// invalidates that identity's transactions endorsed before.
func (c *Contract) begin(ctx contractapi.TransactionContextInterface, op string) (*txn, error) {
	tx := &txn{ctx: ctx, op: op}
	ts, err := c.checkedTime(ctx)
	if err != nil {
		return nil, err
	}
	tx.now = ts
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
	if err := tx.readCaller(msp, id, c.authorityMSP); err != nil {
		return nil, err
	}
	raw, err := tx.state(configKey)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	if raw == nil {
		return nil, ledger.Refused("the ledger is not bootstrapped; the authority must run Bootstrap first")
	}
	if err := json.Unmarshal(raw, &tx.cfg); err != nil {
		return nil, fmt.Errorf("decode config: %w", err)
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
	tx.stamp = ledger.NewStamp(tx.caller, ctx.GetStub().GetTxID(), tx.now)
	return tx, nil
}

// readCaller reads ahead (readAhead), in one request to the peer, the rows
// begin reads: the configuration, the expert row of the client identity
// and the participant row of the caller's organisation. The participant
// row is read by begin for every organisation but the authority's, known
// from the configuration; it is read ahead unless the caller is the
// authority this contract service was started with (WithAuthority), which
// bootstrap made the configuration's, so that the read set stays what
// begin reads (a service started without it reads the row when begin
// asks for it).
func (tx *txn) readCaller(msp, client, authorityMSP string) error {
	keys := []string{configKey}
	if ledger.CheckClientIdentity("client", client) == nil {
		if k, err := tx.key(typeExpert, client); err == nil {
			keys = append(keys, k)
		}
	}
	if authorityMSP != "" && msp != authorityMSP {
		if k, err := tx.key(typeParticipant, msp); err == nil {
			keys = append(keys, k)
		}
	}
	return tx.readAhead(keys)
}

// submit runs a state-changing transaction: fn decides and writes; on
// success the one event is emitted. Every error is mapped by txError.
func (c *Contract) submit(ctx contractapi.TransactionContextInterface, op string, fn func(tx *txn) error) error {
	startWrites(ctx)
	tx, err := c.begin(ctx, op)
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

// submitMaybe is submit for a transaction that may find nothing to change
// (a batch sent again, receipts all refused): when it wrote nothing it
// emits no event, and its result is an answer, not a record.
func (c *Contract) submitMaybe(ctx contractapi.TransactionContextInterface, op string, fn func(tx *txn) error) error {
	startWrites(ctx)
	tx, err := c.begin(ctx, op)
	if err != nil {
		return txError(op, err)
	}
	if err := fn(tx); err != nil {
		return txError(tx.op, err)
	}
	if tx.event == nil {
		if len(tx.written) > 0 {
			return txError(tx.op, errors.New("transaction changed state without an event"))
		}
		return nil
	}
	return txError(tx.op, tx.emitEvent())
}

// startWrites has the transaction's writes sent to the peer together when
// it ends (Fabric 3.1's write batches, when the peer offers them), instead
// of one message and its answer per key: a batch of receipts writes
// thousands of keys. What is written, and so the transaction, is the same.
func startWrites(ctx contractapi.TransactionContextInterface) {
	ctx.GetStub().StartWriteBatch()
}

// evaluate runs a query.
func (c *Contract) evaluate(ctx contractapi.TransactionContextInterface, op string, fn func(tx *txn) error) error {
	tx, err := c.begin(ctx, op)
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
	if strings.TrimSpace(request[dec.InputOffset():]) != "" {
		return ledger.Invalid("request", "has trailing data after the JSON object")
	}
	return nil
}

// named sets the operation name once the object's ID is known.
func (tx *txn) named(op string, id string) { tx.op = op + " " + id }

// hidden refuses a read of an object the caller may not see exactly as a
// read of one that does not exist, so that reads are no existence oracle.
// What everyone may know of it is in the Disclosed* queries.
func (tx *txn) hidden(objectType, id string) error {
	return ledger.NotFound(objectType, id)
}

// result drops the value of a failed transaction.
func result[T any](v *T, err error) (*T, error) {
	if err != nil {
		return nil, err
	}
	return v, nil
}

// MaxProposalSkew is how far a proposal's timestamp may be from the
// endorser's own clock. The timestamp is chosen by the submitting client and
// every deadline rule (terms, expiry, signatures, registrations) reads it,
// so each endorsing organisation's contract compares it with its own clock:
// a member cannot move "now" further than this without every endorser it
// needs agreeing. Two minutes covers clocks kept by NTP and the time a
// proposal takes to reach the endorsers.
const MaxProposalSkew = 2 * time.Minute

// checkedTime returns the proposal's timestamp once the endorser's clock
// confirms it.
func (c *Contract) checkedTime(ctx contractapi.TransactionContextInterface) (time.Time, error) {
	ts, err := ctx.GetStub().GetTxTimestamp()
	if err != nil {
		return time.Time{}, fmt.Errorf("read transaction time: %w", err)
	}
	t := ts.AsTime().UTC()
	now := c.clock().UTC()
	if d := t.Sub(now); d > MaxProposalSkew || d < -MaxProposalSkew {
		return time.Time{}, ledger.Refused("the proposal's timestamp %s is %s from this endorser's clock %s, more than the %s allowed",
			t.Format(time.RFC3339), d.Round(time.Second), now.Format(time.RFC3339), MaxProposalSkew)
	}
	return t, nil
}
