package ledger

import (
	"errors"
	"fmt"
)

// The kinds of error every rule returns. Their text is the kind itself, so a
// contract error message reads "<kind>: <operation>: <detail>".
var (
	// ErrNotFound: an object named in the request does not exist, or the
	// caller may not read it (the two answer alike).
	ErrNotFound = errors.New("not found")
	// ErrForbidden: the caller's identity or role may not do this.
	ErrForbidden = errors.New("forbidden")
	// ErrConflict: the object is in a state that conflicts with the request
	// (already exists, already decided, replayed receipt).
	ErrConflict = errors.New("conflict")
	// ErrInvalid: the request is malformed; the error names the field.
	ErrInvalid = errors.New("invalid")
	// ErrRefused: the request is well formed and allowed to the caller, but a
	// business rule refuses it (out of scope, expired, over quota...).
	ErrRefused = errors.New("refused")
)

// kinds lists the sentinels in the order Kind tests them.
var kinds = []error{ErrNotFound, ErrForbidden, ErrConflict, ErrInvalid, ErrRefused}

// RuleError is a domain error of a given kind. Its message does not repeat
// the kind; Kind and the contract's error mapping add it in front.
type RuleError struct {
	// Kind is one of ErrNotFound, ErrForbidden, ErrConflict, ErrInvalid, ErrRefused.
	Kind error
	// Field names the request field at fault, for ErrInvalid.
	Field string
	// Msg says what is wrong in words the caller can act on.
	Msg string
}

// Error returns the field (if any) and the message.
func (e *RuleError) Error() string {
	if e.Field != "" {
		return e.Field + ": " + e.Msg
	}
	return e.Msg
}

// Unwrap returns the kind, so errors.Is(err, ErrRefused) works.
func (e *RuleError) Unwrap() error { return e.Kind }

// Kind returns the sentinel err wraps, or nil when err is not a domain error.
func Kind(err error) error {
	for _, k := range kinds {
		if errors.Is(err, k) {
			return k
		}
	}
	return nil
}

func newRuleError(kind error, format string, a ...any) error {
	return &RuleError{Kind: kind, Msg: fmt.Sprintf(format, a...)}
}

func notFound(format string, a ...any) error  { return newRuleError(ErrNotFound, format, a...) }
func forbidden(format string, a ...any) error { return newRuleError(ErrForbidden, format, a...) }
func conflict(format string, a ...any) error  { return newRuleError(ErrConflict, format, a...) }
func refused(format string, a ...any) error   { return newRuleError(ErrRefused, format, a...) }

// invalid reports a malformed request field.
func invalid(field, format string, a ...any) error {
	return &RuleError{Kind: ErrInvalid, Field: field, Msg: fmt.Sprintf(format, a...)}
}

// NotFound reports that an object of the given type does not exist. The
// chaincode uses it when a load finds nothing.
func NotFound(objectType, id string) error {
	return notFound("%s %s does not exist", objectType, id)
}

// Invalid reports a malformed request field; the chaincode uses it for
// requests that do not decode.
func Invalid(field, format string, a ...any) error { return invalid(field, format, a...) }

// message returns the message of a domain error without its field, or the
// error text.
func message(err error) string {
	var re *RuleError
	if errors.As(err, &re) {
		return re.Msg
	}
	return err.Error()
}

// Forbidden reports that the caller may not do or see something; the
// chaincode uses it for reads.
func Forbidden(format string, a ...any) error { return forbidden(format, a...) }

// Refused reports a business-rule refusal found outside the domain rules,
// such as a ledger that has not been bootstrapped.
func Refused(format string, a ...any) error { return refused(format, a...) }

// unlessVisible answers for an object the caller may not read exactly as for
// one that does not exist, so that a refusal is no existence oracle: err
// when the caller may read typ id, NotFound otherwise.
func unlessVisible(visible bool, typ, id string, err error) error {
	if !visible {
		return NotFound(typ, id)
	}
	return err
}
