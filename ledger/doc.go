// Package ledger is the grantledger domain: the objects of public data
// authorized operation (公共数据授权运营) — participants, datasets, calls,
// applications, reviews, grants, agreements, attestors, usage receipts and
// products — with their state machines, validation and policy checks.
//
// The package is plain Go with no Fabric imports. Every rule is a function
// that takes the caller, the request, the objects it depends on and the
// transaction stamp, and returns the new or changed objects or an error
// wrapping one of the sentinels ErrNotFound, ErrForbidden, ErrConflict,
// ErrInvalid or ErrRefused. The chaincode loads state, calls these functions
// and writes what they return; a refused call returns before anything is
// changed.
package ledger
