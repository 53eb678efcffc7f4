package chaincode

import (
	"errors"
	"strings"

	"github.com/grantledger/grantledger/ledger"
)

// kindInternal prefixes errors that are not the caller's doing: the world
// state could not be read or written, or stored data did not decode.
const kindInternal = "internal"

// TxError is the error every transaction returns. Its message is
// "<kind>: <operation>: <detail>", where kind is one of not found,
// forbidden, conflict, invalid, refused (the ledger's sentinels) or internal,
// so that clients can map errors by prefix.
type TxError struct {
	// Kind is the ledger sentinel the error wraps, nil for internal errors.
	Kind error
	// Op names the operation and its object, e.g. "approve grant G1".
	Op  string
	Err error
}

// Error returns "<kind>: <op>: <detail>".
func (e *TxError) Error() string {
	kind := kindInternal
	if e.Kind != nil {
		kind = e.Kind.Error()
	}
	detail := strings.TrimPrefix(e.Err.Error(), kind+": ")
	return kind + ": " + e.Op + ": " + detail
}

// Unwrap returns the underlying error, so errors.Is(err, ledger.ErrRefused) works.
func (e *TxError) Unwrap() error { return e.Err }

// txError maps any error a transaction meets to a TxError; this is the one
// place where contract errors get their kind.
func txError(op string, err error) error {
	if err == nil {
		return nil
	}
	var te *TxError
	if errors.As(err, &te) {
		return te
	}
	return &TxError{Kind: ledger.Kind(err), Op: op, Err: err}
}
