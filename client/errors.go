package client

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	gateway "github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/grantledger/grantledger/ledger"
)

// The kinds of error callers branch on. The first five are the ledger's
// sentinels themselves (the contract sends them as the "<kind>: " prefix of
// its error messages), so errors.Is(err, ledger.ErrNotFound) holds as well;
// the last two are the network's.
var (
	// ErrNotFound: an object named in the request does not exist.
	ErrNotFound = ledger.ErrNotFound
	// ErrForbidden: the caller's identity or role may not do this.
	ErrForbidden = ledger.ErrForbidden
	// ErrConflict: the object is in a state that conflicts with the request
	// (already exists, already decided, replayed receipt), or the
	// transaction lost a read conflict to a concurrent one every time it was
	// tried.
	ErrConflict = ledger.ErrConflict
	// ErrInvalid: the request is malformed.
	ErrInvalid = ledger.ErrInvalid
	// ErrRefused: a business rule refuses a well-formed, permitted request.
	ErrRefused = ledger.ErrRefused
	// ErrEndorsement: the proposal was not endorsed, or the transaction was
	// invalidated at commit, for a reason the contract did not classify
	// (endorsement policy failure, the contract's "internal: " errors and
	// untagged errors, peers disagreeing).
	ErrEndorsement = errors.New("endorsement failed")
	// ErrUnavailable: the gateway, a peer or the orderer could not be
	// reached in time. When it happens after the transaction was sent to the
	// orderer the outcome is unknown: the message says so and names the
	// transaction.
	ErrUnavailable = errors.New("unavailable")
)

// contractKinds are the kinds the contract writes as a message prefix.
var contractKinds = []error{ErrNotFound, ErrForbidden, ErrConflict, ErrInvalid, ErrRefused}

// Error is the error every Client method returns for a failed call. It
// unwraps to both its Kind and the original error, so callers can test
// errors.Is(err, ErrForbidden) and still reach the gateway's
// *gateway.EndorseError, *gateway.SubmitError, *gateway.CommitStatusError or
// *gateway.CommitError with errors.As, and the gRPC status with status.Code.
type Error struct {
	// Kind is one of the package's sentinels, or context.Canceled when the
	// caller gave up; nil when the failure is not classified.
	Kind error
	// Op is the contract transaction (or client operation) that failed.
	Op string
	// Message is the most specific text available: the contract's message
	// without its kind prefix, else the gateway's.
	Message string
	// Err is the original error.
	Err error
}

// Error returns "<op>: <kind>: <message>".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Op)
	if e.Kind != nil {
		b.WriteString(": ")
		b.WriteString(e.Kind.Error())
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	return b.String()
}

// Unwrap returns the kind and the original error.
func (e *Error) Unwrap() []error {
	if e.Kind == nil {
		return []error{e.Err}
	}
	return []error{e.Kind, e.Err}
}

// chaincodeResponse matches the text the Fabric gateway puts in front of a
// chaincode's error message ("chaincode response 500, <message>").
var chaincodeResponse = regexp.MustCompile(`chaincode response \d+, `)

// classify is the one place where gateway, gRPC and contract errors become
// the package's kinds:
//
//   - *gateway.CommitError: MVCC_READ_CONFLICT, PHANTOM_READ_CONFLICT and
//     DUPLICATE_TXID are ErrConflict; every other validation code
//     (ENDORSEMENT_POLICY_FAILURE...) is ErrEndorsement.
//   - an error carrying a gRPC status (*gateway.EndorseError, SubmitError,
//     CommitStatusError, or the raw status Evaluate returns): when the
//     status details or message carry a chaincode message that starts with
//     "<kind>: ", that kind; otherwise by code: Unavailable,
//     DeadlineExceeded and ResourceExhausted are ErrUnavailable, Canceled is
//     context.Canceled, PermissionDenied ErrForbidden, InvalidArgument
//     ErrInvalid, NotFound ErrNotFound, anything else (Aborted with the
//     endorsers' details, Unknown, FailedPrecondition) ErrEndorsement.
//   - context.DeadlineExceeded is ErrUnavailable, context.Canceled itself.
//
// Failures after the transaction reached the orderer (SubmitError,
// CommitStatusError) are marked "outcome unknown" in the message.
func classify(op string, err error) error {
	if err == nil {
		return nil
	}
	if e, ok := errors.AsType[*Error](err); ok {
		return e
	}
	e := &Error{Op: op, Err: err}
	if ce, ok := errors.AsType[*gateway.CommitError](err); ok {
		e.Kind = commitKind(ce.Code)
		e.Message = fmt.Sprintf("transaction %s was invalidated: %s", ce.TransactionID, ce.Code)
		return e
	}
	if st, ok := grpcStatus(err); ok {
		e.Message, e.Kind = statusKind(st)
		if id, unknown := outcomeUnknown(err); unknown && e.Kind != ErrConflict {
			e.Message = fmt.Sprintf("outcome unknown, transaction %s may still commit: %s", id, e.Message)
		}
		return e
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		e.Kind = ErrUnavailable
	case errors.Is(err, context.Canceled):
		e.Kind = context.Canceled
	}
	e.Message = err.Error()
	return e
}

// grpcStatus returns the gRPC status err carries, if any.
func grpcStatus(err error) (*status.Status, bool) {
	var carrier interface{ GRPCStatus() *status.Status }
	if !errors.As(err, &carrier) {
		return nil, false
	}
	return status.Convert(err), true
}

func commitKind(code peer.TxValidationCode) error {
	switch code {
	case peer.TxValidationCode_MVCC_READ_CONFLICT,
		peer.TxValidationCode_PHANTOM_READ_CONFLICT,
		peer.TxValidationCode_DUPLICATE_TXID:
		return ErrConflict
	}
	return ErrEndorsement
}

// statusKind reads the kind and message of a gateway status: a contract
// message in the details (one per endorser) or the status message wins over
// the status code.
func statusKind(st *status.Status) (message string, kind error) {
	messages := append(detailMessages(st), st.Message())
	for _, m := range messages {
		if rest, kind := contractKind(m); kind != nil {
			return rest, kind
		}
	}
	// The first detail is the most specific untagged text: an endorser's
	// own message (a chaincode error without a kind, a policy failure).
	message = stripChaincodeResponse(messages[0])
	switch st.Code() {
	case codes.Unavailable, codes.DeadlineExceeded, codes.ResourceExhausted:
		return message, ErrUnavailable
	case codes.Canceled:
		return message, context.Canceled
	case codes.PermissionDenied:
		return message, ErrForbidden
	case codes.InvalidArgument:
		return message, ErrInvalid
	case codes.NotFound:
		return message, ErrNotFound
	}
	return message, ErrEndorsement
}

// contractKind splits a contract error message, with or without the
// gateway's "chaincode response 500, " in front, into the text after its
// "<kind>: " prefix and the kind; the kind is nil when there is no prefix.
func contractKind(message string) (rest string, kind error) {
	message = stripChaincodeResponse(message)
	for _, k := range contractKinds {
		if rest, ok := strings.CutPrefix(message, k.Error()+": "); ok {
			return rest, k
		}
	}
	return "", nil
}

func stripChaincodeResponse(message string) string {
	if loc := chaincodeResponse.FindStringIndex(message); loc != nil {
		return message[loc[1]:]
	}
	return message
}

// outcomeUnknown reports whether err comes from a stage after the
// transaction was handed to the orderer, and the transaction's ID.
func outcomeUnknown(err error) (string, bool) {
	if se, ok := errors.AsType[*gateway.SubmitError](err); ok {
		return se.TransactionID, true
	}
	if ce, ok := errors.AsType[*gateway.CommitStatusError](err); ok {
		return ce.TransactionID, true
	}
	return "", false
}

// retryable reports whether a failed attempt may be repeated with a new
// proposal without any risk of recording a fact twice:
//
//   - a commit invalidated by MVCC_READ_CONFLICT or PHANTOM_READ_CONFLICT:
//     the peers marked the transaction invalid, so none of its writes were
//     applied; a new proposal reads the new state and is endorsed afresh;
//   - an endorsement refused because the peer was Unavailable: nothing was
//     sent to the orderer;
//   - an endorsement the gateway could not assemble because the endorsers'
//     results differed ("ProposalResponsePayloads do not match"): they
//     simulated against different states, typically because one peer had
//     not yet committed the block another had (an organisation acting right
//     after another's commit). Nothing was sent to the orderer, and the
//     peers agree again within a block's commit; a new proposal is
//     simulated afresh. Should they keep disagreeing (a contract that is
//     not deterministic), the last attempt's error is returned.
//
// A contract refusal is not retried, even when a lagging peer alone
// returned it: nothing tells it apart from a refusal on current state.
//
// Nothing that failed after the transaction reached the orderer (a
// SubmitError or CommitStatusError, including timeouts) is retried: it may
// still commit. Even so a resubmission could not record a fact twice,
// because the facts carry caller-chosen IDs (receipt IDs, object IDs) that
// the contract refuses to record again with ErrConflict; the caller decides,
// knowing that.
func retryable(err error) bool {
	if ce, ok := errors.AsType[*gateway.CommitError](err); ok {
		return ce.Code == peer.TxValidationCode_MVCC_READ_CONFLICT ||
			ce.Code == peer.TxValidationCode_PHANTOM_READ_CONFLICT
	}
	if _, ok := errors.AsType[*gateway.EndorseError](err); ok {
		return status.Code(err) == codes.Unavailable || endorsersDisagreed(err) || noEndorsers(err)
	}
	return false
}

// noEndorsers reports whether the gateway found no peers to satisfy the
// endorsement policy. Besides a peer that is down, that is a peer the
// gateway's membership view dropped for a moment: one that missed gossip
// heartbeats for the expiry time on a loaded machine, or just restarted,
// comes back within seconds. Nothing was endorsed, so a new proposal is
// safe; when the peer stays away, the retries end in the same error.
func noEndorsers(err error) bool {
	return status.Code(err) == codes.FailedPrecondition && strings.Contains(status.Convert(err).Message(), "no combination of peers can be derived")
}

// Retryable reports whether a failed submission (the error a Client method
// returned) recorded nothing and a new proposal may succeed: a read
// conflict, endorsers that disagreed, a peer unavailable before ordering,
// no peers found for the endorsement policy — what the client retries itself, returned when its attempts ran out. A
// caller that holds work for many requests (the API's receipt coalescer)
// tries again with a fresh endorsement instead of answering it.
func Retryable(err error) bool { return retryable(err) }

// payloadMismatch is the Fabric gateway's detail for an endorser whose
// result differs from the first endorser's.
const payloadMismatch = "ProposalResponsePayloads do not match"

// endorsersDisagreed reports whether the gateway aborted an endorsement
// because the endorsers' results differed.
func endorsersDisagreed(err error) bool {
	st, ok := grpcStatus(err)
	if !ok || st.Code() != codes.Aborted {
		return false
	}
	return slices.ContainsFunc(detailMessages(st), func(m string) bool { return strings.Contains(m, payloadMismatch) })
}

// detailMessages returns the messages of a gateway status's details, one
// per endorser that failed.
func detailMessages(st *status.Status) []string {
	var messages []string
	for _, d := range st.Details() {
		if m, ok := d.(interface{ GetMessage() string }); ok && m.GetMessage() != "" {
			messages = append(messages, m.GetMessage())
		}
	}
	return messages
}

// retryableRead reports whether a failed evaluation may be repeated:
// evaluations record nothing, so any unavailability is safe to retry.
func retryableRead(err error) bool {
	switch status.Code(err) {
	case codes.Unavailable, codes.ResourceExhausted:
		return true
	}
	return false
}
