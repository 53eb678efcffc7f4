package api

import (
	"net/http"
	"sync"

	"github.com/grantledger/grantledger/ledger"
)

// What other services of the network reuse from the API, so that they
// bind and answer exactly as it does: the anchoring service (package
// anchor) takes the body of POST /v1/receipts and answers errors with the
// same statuses and bodies.

// receiptBinder is built once: a validator caches what it learns of each
// request type.
var receiptBinder = sync.OnceValue(newBinder)

// DecodeReceipt decodes and validates a POST /v1/receipts body
// ({statement, signature}) as the API does: one JSON object, no unknown
// fields, every field checked, errors naming the field at fault.
func DecodeReceipt(r *http.Request) (ledger.ReceiptRequest, error) {
	var req receiptRequest
	if err := receiptBinder().decodeJSON(r, &req); err != nil {
		return ledger.ReceiptRequest{}, err
	}
	return req.domain(), nil
}

// ErrorResponse returns the status and JSON body the API answers err
// with (the error table in docs/api.md); requestID is the one the body of
// a server-side failure points the reader of the log to.
func ErrorResponse(err error, requestID string) (int, ErrorBody) {
	status, code := errorStatus(err)
	return status, errorBody(err, status, code, requestID)
}

// ServiceError is an answer a service gives of its own, with its status,
// code and message as they are: the anchoring service's readiness, or its
// backlog (503 "overloaded": it is behind with work it has already taken,
// and records nothing more until a batch settles).
type ServiceError struct {
	Status int
	Code   string
	Msg    string
}

func (e *ServiceError) Error() string { return e.Code + ": " + e.Msg }
