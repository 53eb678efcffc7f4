package client

import (
	"context"
	"errors"
	"fmt"
	"testing"

	gateway "github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func TestClassify(t *testing.T) {
	already := &Error{Kind: ErrRefused, Op: "Earlier", Message: "over quota", Err: errors.New("x")}
	tests := []struct {
		name        string
		err         error
		wantKind    error // nil: unclassified
		wantMessage string
		retry       bool
	}{
		{name: "forbidden in details", err: gatewayError(codes.Aborted, "failed to endorse",
			"chaincode response 500, forbidden: createGrant: caller is not the authority"),
			wantKind: ErrForbidden, wantMessage: "createGrant: caller is not the authority"},
		{name: "not found", err: gatewayError(codes.Aborted, "failed", "chaincode response 500, not found: grant g does not exist"),
			wantKind: ErrNotFound, wantMessage: "grant g does not exist"},
		{name: "conflict", err: gatewayError(codes.Aborted, "failed", "chaincode response 500, conflict: receipt r-1 already recorded"),
			wantKind: ErrConflict, wantMessage: "receipt r-1 already recorded"},
		{name: "invalid", err: gatewayError(codes.Aborted, "failed", "chaincode response 500, invalid: grant.id: is empty"),
			wantKind: ErrInvalid, wantMessage: "grant.id: is empty"},
		{name: "refused", err: gatewayError(codes.Aborted, "failed", "chaincode response 500, refused: grant g expired"),
			wantKind: ErrRefused, wantMessage: "grant g expired"},
		{name: "kind in a later detail", err: gatewayError(codes.Aborted, "failed",
			"ProposalResponsePayloads do not match", "chaincode response 500, refused: over quota"),
			wantKind: ErrRefused, wantMessage: "over quota"},
		{name: "kind without the gateway's prefix", err: gatewayError(codes.Unknown, "refused: outside the grant's scope"),
			wantKind: ErrRefused, wantMessage: "outside the grant's scope"},
		{name: "kind word not as prefix", err: gatewayError(codes.Aborted, "failed", "chaincode response 500, lookup: not found: x"),
			wantKind: ErrEndorsement, wantMessage: "lookup: not found: x"},
		{name: "contract internal error", err: gatewayError(codes.Aborted, "failed", "chaincode response 500, internal: get grant G1: decode: unexpected end of JSON input"),
			wantKind: ErrEndorsement, wantMessage: "internal: get grant G1: decode: unexpected end of JSON input"},
		{name: "untagged chaincode error", err: gatewayError(codes.Aborted, "failed", "chaincode response 500, something broke"),
			wantKind: ErrEndorsement, wantMessage: "something broke"},
		{name: "aborted without details", err: status.Error(codes.Aborted, "failed to collect enough transaction endorsements"),
			wantKind: ErrEndorsement, wantMessage: "failed to collect enough transaction endorsements"},
		{name: "unavailable", err: status.Error(codes.Unavailable, "connection refused"),
			wantKind: ErrUnavailable, wantMessage: "connection refused"},
		{name: "deadline exceeded", err: status.Error(codes.DeadlineExceeded, "endorsement timeout expired"),
			wantKind: ErrUnavailable},
		{name: "resource exhausted", err: status.Error(codes.ResourceExhausted, "too many requests"),
			wantKind: ErrUnavailable},
		{name: "canceled", err: status.Error(codes.Canceled, "context canceled"),
			wantKind: context.Canceled},
		{name: "permission denied", err: status.Error(codes.PermissionDenied, "access denied"),
			wantKind: ErrForbidden},
		{name: "invalid argument", err: status.Error(codes.InvalidArgument, "a signed proposal is required"),
			wantKind: ErrInvalid},
		{name: "channel not found", err: status.Error(codes.NotFound, "channel nope not found"),
			wantKind: ErrNotFound},
		{name: "failed precondition", err: status.Error(codes.FailedPrecondition, "creator org unknown"),
			wantKind: ErrEndorsement},
		{name: "MVCC read conflict", err: &gateway.CommitError{TransactionID: "tx1", Code: peer.TxValidationCode_MVCC_READ_CONFLICT},
			wantKind: ErrConflict, wantMessage: "transaction tx1 was invalidated: MVCC_READ_CONFLICT", retry: true},
		{name: "phantom read conflict", err: &gateway.CommitError{TransactionID: "tx1", Code: peer.TxValidationCode_PHANTOM_READ_CONFLICT},
			wantKind: ErrConflict, retry: true},
		{name: "duplicate transaction ID", err: &gateway.CommitError{TransactionID: "tx1", Code: peer.TxValidationCode_DUPLICATE_TXID},
			wantKind: ErrConflict},
		{name: "endorsement policy failure", err: &gateway.CommitError{TransactionID: "tx1", Code: peer.TxValidationCode_ENDORSEMENT_POLICY_FAILURE},
			wantKind: ErrEndorsement, wantMessage: "transaction tx1 was invalidated: ENDORSEMENT_POLICY_FAILURE"},
		{name: "wrapped commit error", err: fmt.Errorf("submit: %w", &gateway.CommitError{Code: peer.TxValidationCode_MVCC_READ_CONFLICT}),
			wantKind: ErrConflict, retry: true},
		{name: "context deadline", err: fmt.Errorf("wait: %w", context.DeadlineExceeded),
			wantKind: ErrUnavailable, wantMessage: "wait: context deadline exceeded"},
		{name: "context canceled", err: context.Canceled, wantKind: context.Canceled},
		{name: "local error", err: errors.New("failed to marshal proposal"), wantMessage: "failed to marshal proposal"},
		{name: "already classified", err: already, wantKind: ErrRefused, wantMessage: "Earlier: refused: over quota"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := classify("Op", tt.err)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("classify() = %T %v, want *Error", err, err)
			}
			if e.Kind != tt.wantKind {
				t.Errorf("Kind = %v, want %v", e.Kind, tt.wantKind)
			}
			if tt.wantKind != nil && !errors.Is(err, tt.wantKind) {
				t.Errorf("errors.Is(%v, %v) = false, want true", err, tt.wantKind)
			}
			if !errors.Is(err, tt.err) {
				t.Errorf("errors.Is(classified, original) = false, want true")
			}
			if tt.wantMessage != "" && e.Message != tt.wantMessage && err.Error() != tt.wantMessage {
				t.Errorf("Message = %q (error %q), want %q", e.Message, err, tt.wantMessage)
			}
			if s, ok := status.FromError(tt.err); ok && status.Code(err) != s.Code() {
				t.Errorf("status.Code() = %v, want %v", status.Code(err), s.Code())
			}
			if got := retryable(tt.err); got != tt.retry {
				t.Errorf("retryable() = %t, want %t", got, tt.retry)
			}
		})
	}
	if err := classify("Op", nil); err != nil {
		t.Errorf("classify(nil) = %v, want nil", err)
	}
}

func TestErrorText(t *testing.T) {
	cause := errors.New("cause")
	tests := []struct {
		name string
		err  *Error
		want string
	}{
		{name: "kind and message", err: &Error{Kind: ErrRefused, Op: "RecordReceipt", Message: "grant expired", Err: cause}, want: "RecordReceipt: refused: grant expired"},
		{name: "no kind", err: &Error{Op: "GetConfig", Message: "decode result", Err: cause}, want: "GetConfig: decode result"},
		{name: "no message", err: &Error{Kind: ErrUnavailable, Op: "GetConfig", Err: cause}, want: "GetConfig: unavailable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("Error() = %q, want %q", got, tt.want)
			}
			if !errors.Is(tt.err, cause) {
				t.Errorf("errors.Is(err, cause) = false, want true")
			}
		})
	}
}
