// Package chaincode is the grantledger Fabric contract: a thin adapter that
// reads and writes the world state and delegates every business rule to the
// plain-Go ledger package.
package chaincode

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/grantledger/grantledger/ledger"
)

// configKey holds the bootstrap configuration: which MSP is the data authority.
const configKey = "config"

// Config is what bootstrap fixes for the life of the channel.
type Config struct {
	AuthorityMSP string `json:"authorityMsp"`
}

// Contract is the grantledger smart contract, as one organisation's
// contract service runs it: with that organisation's clock and the
// authority named when the network was set up.
type Contract struct {
	contractapi.Contract
	authorityMSP string
	clock        func() time.Time
}

// Option configures a contract service.
type Option func(*Contract)

// WithAuthority names the data authority's MSP ID, as the network was set
// up: Bootstrap accepts no other.
func WithAuthority(msp string) Option { return func(c *Contract) { c.authorityMSP = msp } }

// WithClock sets the endorser's clock that proposal timestamps are checked
// against (default time.Now).
func WithClock(now func() time.Time) Option { return func(c *Contract) { c.clock = now } }

// NewChaincode returns the grantledger chaincode ready to be served.
func NewChaincode(opts ...Option) (*contractapi.ContractChaincode, error) {
	c := &Contract{clock: time.Now}
	for _, o := range opts {
		o(c)
	}
	cc, err := contractapi.NewChaincode(c)
	if err != nil {
		return nil, fmt.Errorf("create grantledger chaincode: %w", err)
	}
	cc.Info.Title = "grantledger"
	cc.Info.Version = "0.1.0"
	return cc, nil
}

// Bootstrap fixes the data authority's MSP ID. It is the chaincode's init
// transaction (the definition is committed with --init-required), so it runs
// before anything else; it must be submitted by the authority itself, and
// the authority must be the one each endorser's contract service was
// started with (WithAuthority), so that no other organisation racing to
// call it first can make itself the authority. A later call (a redeploy's
// init) is accepted only from that same authority.
func (c *Contract) Bootstrap(ctx contractapi.TransactionContextInterface, authorityMSP string) error {
	const op = "bootstrap"
	if _, err := c.checkedTime(ctx); err != nil {
		return txError(op, err)
	}
	if c.authorityMSP == "" {
		return txError(op, ledger.Refused("this contract service was started without the authority's MSP ID; it cannot bootstrap the ledger"))
	}
	caller, err := ctx.GetClientIdentity().GetMSPID()
	if err != nil {
		return txError(op, fmt.Errorf("read caller identity: %w", err))
	}
	if err := ledger.CheckID("authorityMsp", authorityMSP); err != nil {
		return txError(op, err)
	}
	if caller != authorityMSP || authorityMSP != c.authorityMSP {
		return txError(op, ledger.Forbidden("only the authority named when the network was set up bootstraps the ledger, not %s", caller))
	}
	existing, err := ctx.GetStub().GetState(configKey)
	if err != nil {
		return txError(op, fmt.Errorf("read config: %w", err))
	}
	if existing != nil {
		var cfg Config
		if err := json.Unmarshal(existing, &cfg); err != nil {
			return txError(op, fmt.Errorf("decode config: %w", err))
		}
		if cfg.AuthorityMSP != authorityMSP {
			return txError(op, &ledger.RuleError{Kind: ledger.ErrConflict, Msg: "already bootstrapped with authority " + cfg.AuthorityMSP})
		}
		// Experts exist once the ledger is bootstrapped: an identity of the
		// authority convened as an individual expert acts for no
		// organisation, and does not run the authority's init either.
		tx, err := c.begin(ctx, op)
		if err != nil {
			return txError(op, err)
		}
		if !tx.caller.Is(ledger.RoleAuthority) {
			return txError(op, ledger.Forbidden("only the authority named when the network was set up bootstraps the ledger, not %s acting as an individual expert", caller))
		}
		return nil
	}
	raw, err := json.Marshal(Config{AuthorityMSP: authorityMSP})
	if err != nil {
		return txError(op, fmt.Errorf("encode config: %w", err))
	}
	if err := ctx.GetStub().PutState(configKey, raw); err != nil {
		return txError(op, fmt.Errorf("write config: %w", err))
	}
	payload, err := json.Marshal(ledger.Event{Type: "config", ID: configKey, Change: "bootstrapped", TxID: ctx.GetStub().GetTxID(), Actor: caller})
	if err != nil {
		return txError(op, fmt.Errorf("encode event: %w", err))
	}
	return txError(op, ctx.GetStub().SetEvent("config.bootstrapped", payload))
}

// GetConfig returns the bootstrap configuration.
func (c *Contract) GetConfig(ctx contractapi.TransactionContextInterface) (*Config, error) {
	raw, err := ctx.GetStub().GetState(configKey)
	if err != nil {
		return nil, txError("get config", err)
	}
	if raw == nil {
		return nil, txError("get config", ledger.Refused("the ledger is not bootstrapped; the authority must run Bootstrap first"))
	}
	var cfg Config
	if err := json.Unmarshal(raw, &cfg); err != nil {
		return nil, txError("get config", fmt.Errorf("decode: %w", err))
	}
	return &cfg, nil
}
