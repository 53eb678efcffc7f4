// Package chaincode is the grantledger Fabric contract: a thin adapter that
// reads and writes the world state and delegates every business rule to the
// plain-Go ledger package.
package chaincode

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"
)

// configKey holds the bootstrap configuration: which MSP is the data authority.
const configKey = "config"

// Config is what bootstrap fixes for the life of the channel.
type Config struct {
	AuthorityMSP string `json:"authorityMsp"`
}

// Contract is the grantledger smart contract.
type Contract struct {
	contractapi.Contract
}

// NewChaincode returns the grantledger chaincode ready to be served.
func NewChaincode() (*contractapi.ContractChaincode, error) {
	cc, err := contractapi.NewChaincode(&Contract{})
	if err != nil {
		return nil, fmt.Errorf("create grantledger chaincode: %w", err)
	}
	cc.Info.Title = "grantledger"
	cc.Info.Version = "0.1.0"
	return cc, nil
}

// Bootstrap fixes the data authority's MSP ID. It is the chaincode's init
// transaction (the definition is committed with --init-required), so it runs
// before anything else; it must be submitted by the authority itself, and a
// later call (a redeploy's init) is accepted only from that same authority.
func (c *Contract) Bootstrap(ctx contractapi.TransactionContextInterface, authorityMSP string) error {
	caller, err := ctx.GetClientIdentity().GetMSPID()
	if err != nil {
		return fmt.Errorf("bootstrap: read caller identity: %w", err)
	}
	if authorityMSP == "" {
		return errors.New("bootstrap: authority MSP ID is empty")
	}
	if caller != authorityMSP {
		return fmt.Errorf("bootstrap: caller %s is not the authority %s it names", caller, authorityMSP)
	}
	existing, err := ctx.GetStub().GetState(configKey)
	if err != nil {
		return fmt.Errorf("bootstrap: read config: %w", err)
	}
	if existing != nil {
		var cfg Config
		if err := json.Unmarshal(existing, &cfg); err != nil {
			return fmt.Errorf("bootstrap: decode config: %w", err)
		}
		if cfg.AuthorityMSP != authorityMSP {
			return fmt.Errorf("bootstrap: already bootstrapped with authority %s", cfg.AuthorityMSP)
		}
		return nil
	}
	raw, err := json.Marshal(Config{AuthorityMSP: authorityMSP})
	if err != nil {
		return fmt.Errorf("bootstrap: encode config: %w", err)
	}
	return ctx.GetStub().PutState(configKey, raw)
}

// GetConfig returns the bootstrap configuration.
func (c *Contract) GetConfig(ctx contractapi.TransactionContextInterface) (*Config, error) {
	raw, err := ctx.GetStub().GetState(configKey)
	if err != nil {
		return nil, fmt.Errorf("get config: %w", err)
	}
	if raw == nil {
		return nil, errors.New("get config: not bootstrapped")
	}
	var cfg Config
	if err := json.Unmarshal(raw, &cfg); err != nil {
		return nil, fmt.Errorf("get config: decode: %w", err)
	}
	return &cfg, nil
}
