package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/grantledger/grantledger/client"
)

// ErrorBody is the JSON body of every error response. Code is one of a
// fixed set of strings clients may branch on (listed in docs/api.md);
// Message says what went wrong in words a person can act on; Field names
// the request field at fault, when one is (a JSON path such as
// "scope.datasets[0].id", a query parameter or a header name).
type ErrorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

// InputError is a request the API rejects before it reaches the ledger:
// malformed JSON, a field of the wrong type or unknown, a failed
// validation, a bad query parameter or header. It is a client.ErrInvalid.
type InputError struct {
	// Field is the JSON path, query parameter or header at fault; empty
	// when the request as a whole is malformed.
	Field string
	// Msg says what is wrong with it.
	Msg string
}

// Error returns the field and the message.
func (e *InputError) Error() string {
	if e.Field == "" {
		return e.Msg
	}
	return e.Field + ": " + e.Msg
}

// Unwrap makes an InputError a client.ErrInvalid.
func (e *InputError) Unwrap() error { return client.ErrInvalid }

// statusClientClosed is the status logged for requests whose client went
// away before the answer (nginx's 499; no standard code exists).
const statusClientClosed = 499

// The API's own kinds of error, beside the client's.
var (
	errUnauthenticated    = errors.New("unauthenticated")
	errTooLarge           = errors.New("request body too large")
	errUnsupportedMedia   = errors.New("unsupported media type")
	errMethodNotAllowed   = errors.New("method not allowed")
	errKeyReused          = errors.New("idempotency key reused with a different request")
	errKeyInProgress      = errors.New("a request with this idempotency key is in progress")
	errRateLimited        = errors.New("too many requests")
	errTooManyStreams     = errors.New("too many open event streams")
	errDeadline           = errors.New("request deadline exceeded")
	errNotReady           = errors.New("not ready")
	errPanic              = errors.New("handler panicked")
	errRouteNotFound      = fmt.Errorf("%w: no such route", client.ErrNotFound)
	errUnknownIdentity    = errors.New("no identity for user")
	errStreamNotSupported = errors.New("response writer cannot stream")
)

// errorStatus is the one table that maps errors to HTTP status codes and
// error codes. The first matching row wins: the API's own errors first,
// then the contract's kinds as the client reports them, then the network's.
func errorStatus(err error) (status int, code string) {
	switch {
	case errors.Is(err, errUnauthenticated):
		return http.StatusUnauthorized, "unauthenticated"
	case errors.Is(err, errTooLarge):
		return http.StatusRequestEntityTooLarge, "payload_too_large"
	case errors.Is(err, errUnsupportedMedia):
		return http.StatusUnsupportedMediaType, "unsupported_media_type"
	case errors.Is(err, errMethodNotAllowed):
		return http.StatusMethodNotAllowed, "method_not_allowed"
	case errors.Is(err, errKeyReused):
		return http.StatusUnprocessableEntity, "idempotency_key_reused"
	case errors.Is(err, errKeyInProgress):
		return http.StatusConflict, "idempotency_key_in_progress"
	case errors.Is(err, errRateLimited):
		return http.StatusTooManyRequests, "rate_limited"
	case errors.Is(err, errTooManyStreams):
		return http.StatusTooManyRequests, "too_many_streams"
	case errors.Is(err, errDeadline):
		return http.StatusGatewayTimeout, "timeout"
	case errors.Is(err, errNotReady):
		return http.StatusServiceUnavailable, "not_ready"
	case isServiceError(err):
		se, _ := errors.AsType[*ServiceError](err)
		return se.Status, se.Code
	case errors.Is(err, client.ErrInvalid):
		return http.StatusBadRequest, "invalid"
	case errors.Is(err, client.ErrForbidden):
		return http.StatusForbidden, "forbidden"
	case errors.Is(err, client.ErrNotFound):
		return http.StatusNotFound, "not_found"
	case errors.Is(err, client.ErrConflict):
		return http.StatusConflict, "conflict"
	case errors.Is(err, client.ErrRefused):
		return http.StatusUnprocessableEntity, "refused"
	case errors.Is(err, client.ErrEndorsement):
		return http.StatusBadGateway, "endorsement_failed"
	case errors.Is(err, client.ErrUnavailable):
		return http.StatusServiceUnavailable, "unavailable"
	case errors.Is(err, context.Canceled):
		// The caller went away; nobody reads this answer.
		return statusClientClosed, "canceled"
	}
	return http.StatusInternalServerError, "internal"
}

func isServiceError(err error) bool {
	_, ok := errors.AsType[*ServiceError](err)
	return ok
}

// fieldCarrier is implemented by ledger errors that know which request
// field is at fault. Without it the field is read from the contract's
// message (contractField).
type fieldCarrier interface {
	error
	InvalidField() string
}

// errorBody builds the JSON body for err. Messages of the API's own errors
// and of the contract's kinds (4xx) are meant for the caller and passed on.
// The network's failures (5xx) get a fixed message naming the request ID
// under which the log has the details, plus, when the client reports that
// a transaction reached the orderer, which transaction may still commit.
func errorBody(err error, status int, code, requestID string) ErrorBody {
	b := ErrorBody{Code: code}
	if se, ok := errors.AsType[*ServiceError](err); ok {
		b.Message = se.Msg
		return b
	}
	if ie, ok := errors.AsType[*InputError](err); ok {
		b.Field, b.Message = ie.Field, ie.Msg
		return b
	}
	if fc, ok := errors.AsType[fieldCarrier](err); ok {
		b.Field = fc.InvalidField()
	}
	ce, isClient := errors.AsType[*client.Error](err)
	if isClient && b.Field == "" && errors.Is(err, client.ErrInvalid) {
		b.Field = contractField(ce.Message)
	}
	see := "; the server log has the details under request ID " + requestID
	switch code {
	case "internal":
		b.Message = "internal error" + see
	case "endorsement_failed":
		b.Message = "the peers did not endorse the transaction" + see
	case "unavailable", "timeout":
		b.Message = "the ledger could not be reached in time"
		if code == "timeout" {
			b.Message = "the request did not finish within its deadline"
		}
		if isClient {
			if unknown, _, ok := strings.Cut(ce.Message, ": "); ok && strings.HasPrefix(unknown, "outcome unknown") {
				b.Message += " (" + unknown + ")"
			}
		}
		b.Message += see
	case "not_ready":
		b.Message = err.Error()
		if _, cause, ok := strings.Cut(b.Message, "("); ok {
			b.Message = "the ledger did not answer (" + strings.SplitN(cause, ")", 2)[0] + ")" + see
		}
	default:
		if isClient && ce.Message != "" {
			b.Message = ce.Message
		} else {
			b.Message = err.Error()
		}
	}
	return b
}

// handleErrors is the one middleware that turns the errors handlers and
// middleware record with c.Error into responses, through errorStatus.

// renderError writes the last recorded error unless a response was already
// written. The idempotency layer calls it early, to store the response it
// produces; otherwise handleErrors does, after everything else ran.
func renderError(c *gin.Context) {
	if len(c.Errors) == 0 || c.Writer.Written() {
		return
	}
	err := c.Errors.Last().Err
	status, code := errorStatus(err)
	if (status >= 500 || status == statusClientClosed) && errors.Is(c.Request.Context().Err(), context.DeadlineExceeded) {
		// The network's failure is the request's deadline running out.
		err = fmt.Errorf("%w: %w", errDeadline, err)
		status, code = errorStatus(err)
	}
	c.Set(ctxError, err)
	if status == http.StatusUnauthorized {
		c.Header("WWW-Authenticate", `Bearer realm="grantledger"`)
	}
	c.AbortWithStatusJSON(status, errorBody(err, status, code, c.GetString(ctxRequestID)))
}

// fieldPath matches a request field path: name, name.name, name[0].name.
var fieldPath = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]*(\[[0-9]+\])*(\.[A-Za-z][A-Za-z0-9]*(\[[0-9]+\])*)*$`)

// contractField reads the field at fault from the message of a contract
// invalid error, "<operation>: <field>: <detail>" (docs/domain.md); "" when
// the detail names no field.
func contractField(message string) string {
	parts := strings.SplitN(message, ": ", 3)
	if len(parts) == 3 && fieldPath.MatchString(parts[1]) {
		return parts[1]
	}
	return ""
}
