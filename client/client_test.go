package client

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	gateway "github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// statusCodes returns a status hook answering the given codes in turn, then VALID.
func statusCodes(cs ...peer.TxValidationCode) func(int) (peer.TxValidationCode, error) {
	return func(n int) (peer.TxValidationCode, error) {
		if n <= len(cs) {
			return cs[n-1], nil
		}
		return peer.TxValidationCode_VALID, nil
	}
}

const mvcc = peer.TxValidationCode_MVCC_READ_CONFLICT

func TestSubmit(t *testing.T) {
	unavailableOnce := func(n int, c call) ([]byte, error) {
		if n == 1 {
			return nil, status.Error(codes.Unavailable, "peer0 is down")
		}
		return []byte("done"), nil
	}
	tests := []struct {
		name         string
		gw           *fakeGateway
		wantResult   string
		wantKind     error // nil: success
		wantAs       any   // pointer to the gateway error type errors.As must find
		wantCode     codes.Code
		wantMessage  string // part of the error text
		wantAttempts int
		wantSlept    []time.Duration // with no jitter: half of each delay
	}{
		{
			name:         "committed",
			gw:           &fakeGateway{endorse: func(int, call) ([]byte, error) { return []byte("done"), nil }},
			wantResult:   "done",
			wantAttempts: 1,
		},
		{
			name:         "read conflict twice then committed",
			gw:           &fakeGateway{status: statusCodes(mvcc, mvcc)},
			wantResult:   "ok",
			wantAttempts: 3,
			wantSlept:    []time.Duration{50 * time.Millisecond, 100 * time.Millisecond},
		},
		{
			name:         "phantom read conflict then committed",
			gw:           &fakeGateway{status: statusCodes(peer.TxValidationCode_PHANTOM_READ_CONFLICT)},
			wantResult:   "ok",
			wantAttempts: 2,
			wantSlept:    []time.Duration{50 * time.Millisecond},
		},
		{
			name:         "read conflict every time",
			gw:           &fakeGateway{status: statusCodes(mvcc, mvcc, mvcc, mvcc, mvcc)},
			wantKind:     ErrConflict,
			wantAs:       new(*gateway.CommitError),
			wantMessage:  "MVCC_READ_CONFLICT",
			wantAttempts: 4,
			wantSlept:    []time.Duration{50 * time.Millisecond, 100 * time.Millisecond, 150 * time.Millisecond},
		},
		{
			name:         "peer unavailable at endorsement then committed",
			gw:           &fakeGateway{endorse: unavailableOnce},
			wantResult:   "done",
			wantAttempts: 2,
			wantSlept:    []time.Duration{50 * time.Millisecond},
		},
		{
			name: "endorsers' results differ, then committed",
			gw: &fakeGateway{endorse: func(n int, c call) ([]byte, error) {
				if n == 1 {
					return nil, payloadsDiffer()
				}
				return []byte("done"), nil
			}},
			wantResult:   "done",
			wantAttempts: 2,
			wantSlept:    []time.Duration{50 * time.Millisecond},
		},
		{
			name: "no peers for the endorsement policy for a moment, then committed",
			gw: &fakeGateway{endorse: func(n int, c call) ([]byte, error) {
				if n == 1 {
					return nil, status.Error(codes.FailedPrecondition, "no combination of peers can be derived which satisfy the endorsement policy: no peer combination can satisfy the endorsement policy")
				}
				return []byte("done"), nil
			}},
			wantResult:   "done",
			wantAttempts: 2,
			wantSlept:    []time.Duration{50 * time.Millisecond},
		},
		{
			name:         "endorsers' results differ every time",
			gw:           &fakeGateway{endorse: func(int, call) ([]byte, error) { return nil, payloadsDiffer() }},
			wantKind:     ErrEndorsement,
			wantAs:       new(*gateway.EndorseError),
			wantCode:     codes.Aborted,
			wantMessage:  "Bootstrap: endorsement failed: ProposalResponsePayloads do not match",
			wantAttempts: 4,
			wantSlept:    []time.Duration{50 * time.Millisecond, 100 * time.Millisecond, 150 * time.Millisecond},
		},
		{
			name: "another endorser refuses: not retried",
			gw: &fakeGateway{endorse: func(int, call) ([]byte, error) {
				return nil, gatewayError(codes.Aborted, "failed to collect enough transaction endorsements, see attached details for more info",
					"chaincode response 500, not found: grant g-1 does not exist")
			}},
			wantKind:     ErrNotFound,
			wantAs:       new(*gateway.EndorseError),
			wantMessage:  "grant g-1 does not exist",
			wantAttempts: 1,
		},
		{
			name: "unassembled for another reason: not retried",
			gw: &fakeGateway{endorse: func(int, call) ([]byte, error) {
				return nil, gatewayError(codes.Aborted, "failed to collect enough transaction endorsements, see attached details for more info",
					"failed to create new connection: context deadline exceeded")
			}},
			wantKind:     ErrEndorsement,
			wantAs:       new(*gateway.EndorseError),
			wantAttempts: 1,
		},
		{
			name:         "endorsement policy failure",
			gw:           &fakeGateway{status: statusCodes(peer.TxValidationCode_ENDORSEMENT_POLICY_FAILURE)},
			wantKind:     ErrEndorsement,
			wantAs:       new(*gateway.CommitError),
			wantMessage:  "ENDORSEMENT_POLICY_FAILURE",
			wantAttempts: 1,
		},
		{
			// A duplicate answered twice: the ID's first copy was itself
			// a duplicate of a transaction not ours.
			name:         "duplicate transaction ID",
			gw:           &fakeGateway{status: statusCodes(peer.TxValidationCode_DUPLICATE_TXID, peer.TxValidationCode_DUPLICATE_TXID)},
			wantKind:     ErrConflict,
			wantAs:       new(*gateway.CommitError),
			wantAttempts: 1,
		},
		{
			name: "contract forbids",
			gw: &fakeGateway{endorse: func(int, call) ([]byte, error) {
				return nil, gatewayError(codes.Aborted, "failed to endorse transaction, see attached details for more info",
					"chaincode response 500, forbidden: bootstrap: caller OperatorMSP is not the authority AuthorityMSP")
			}},
			wantKind:     ErrForbidden,
			wantAs:       new(*gateway.EndorseError),
			wantCode:     codes.Aborted,
			wantMessage:  "Bootstrap: forbidden: bootstrap: caller OperatorMSP is not the authority AuthorityMSP",
			wantAttempts: 1,
		},
		{
			name: "contract error without kind",
			gw: &fakeGateway{endorse: func(int, call) ([]byte, error) {
				return nil, gatewayError(codes.Aborted, "failed to endorse transaction, see attached details for more info",
					"chaincode response 500, bootstrap: authority MSP ID is empty")
			}},
			wantKind:     ErrEndorsement,
			wantAs:       new(*gateway.EndorseError),
			wantCode:     codes.Aborted,
			wantMessage:  "Bootstrap: endorsement failed: bootstrap: authority MSP ID is empty",
			wantAttempts: 1,
		},
		{
			name: "orderer refuses the transaction: not sent again",
			gw: &fakeGateway{submit: func(int) error {
				return status.Error(codes.Aborted, "received unsuccessful response from orderer: status=BAD_REQUEST")
			}},
			wantKind:     ErrEndorsement,
			wantAs:       new(*gateway.SubmitError),
			wantCode:     codes.Aborted,
			wantMessage:  "outcome unknown",
			wantAttempts: 1,
		},
		{
			name: "commit status times out: outcome unknown, not retried",
			gw: &fakeGateway{status: func(int) (peer.TxValidationCode, error) {
				return 0, status.Error(codes.DeadlineExceeded, "commit status timeout")
			}},
			wantKind:     ErrUnavailable,
			wantAs:       new(*gateway.CommitStatusError),
			wantCode:     codes.DeadlineExceeded,
			wantMessage:  "outcome unknown",
			wantAttempts: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newFakeClient(t, tt.gw, WithRetry(Retry{MaxAttempts: 4, BaseDelay: 100 * time.Millisecond, MaxDelay: 300 * time.Millisecond}))
			got, err := c.submit(context.Background(), "Bootstrap", "AuthorityMSP")
			if tt.wantKind == nil {
				if err != nil || string(got) != tt.wantResult {
					t.Fatalf("submit() = %q, %v; want %q, nil", got, err, tt.wantResult)
				}
			} else {
				checkError(t, err, tt.wantKind, tt.wantAs, tt.wantCode, tt.wantMessage)
			}
			endorsed := tt.gw.stages("endorse")
			if len(endorsed) != tt.wantAttempts {
				t.Errorf("got %d endorsements, want %d", len(endorsed), tt.wantAttempts)
			}
			ids := map[string]bool{}
			for _, e := range endorsed {
				if e.Name != "Bootstrap" || !slices.Equal(e.Args, []string{"AuthorityMSP"}) {
					t.Errorf("endorsed %s%q, want Bootstrap[\"AuthorityMSP\"]", e.Name, e.Args)
				}
				if ids[e.TxID] {
					t.Errorf("transaction ID %s endorsed twice, want a new proposal per attempt", e.TxID)
				}
				ids[e.TxID] = true
			}
			if !slices.Equal(c.slept, tt.wantSlept) {
				t.Errorf("slept %v, want %v", c.slept, tt.wantSlept)
			}
		})
	}
}

// payloadsDiffer is the gateway's error when an endorser's result did not
// match the first endorser's: the peers simulated on different states.
func payloadsDiffer() error {
	return gatewayError(codes.Aborted, "failed to collect enough transaction endorsements, see attached details for more info",
		"ProposalResponsePayloads do not match")
}

// checkError asserts the kind, the gateway error type, the gRPC code and a
// part of the text of a classified error.
func checkError(t *testing.T, err error, kind error, as any, code codes.Code, message string) {
	t.Helper()
	if !errors.Is(err, kind) {
		t.Fatalf("got error %v, want kind %v", err, kind)
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Errorf("got error %T, want *Error", err)
	}
	if as != nil && !errors.As(err, as) {
		t.Errorf("errors.As(%v, %T) = false, want true", err, as)
	}
	if code != codes.OK {
		if got := status.Code(err); got != code {
			t.Errorf("status.Code() = %v, want %v", got, code)
		}
	}
	if !strings.Contains(err.Error(), message) {
		t.Errorf("got error %q, want it to contain %q", err, message)
	}
}

func TestEvaluate(t *testing.T) {
	tests := []struct {
		name         string
		gw           *fakeGateway
		wantResult   string
		wantKind     error
		wantCode     codes.Code
		wantMessage  string
		wantAttempts int
	}{
		{
			name:         "result",
			gw:           &fakeGateway{evaluate: func(int, call) ([]byte, error) { return []byte(`{"authorityMsp":"AuthorityMSP"}`), nil }},
			wantResult:   `{"authorityMsp":"AuthorityMSP"}`,
			wantAttempts: 1,
		},
		{
			name: "contract not found",
			gw: &fakeGateway{evaluate: func(int, call) ([]byte, error) {
				return nil, gatewayError(codes.Unknown,
					"evaluate call to endorser returned error: chaincode response 500, not found: grant g-1 does not exist",
					"chaincode response 500, not found: grant g-1 does not exist")
			}},
			wantKind:     ErrNotFound,
			wantCode:     codes.Unknown,
			wantMessage:  "GetConfig: not found: grant g-1 does not exist",
			wantAttempts: 1,
		},
		{
			name: "contract kind in the status message only",
			gw: &fakeGateway{evaluate: func(int, call) ([]byte, error) {
				return nil, gatewayError(codes.Unknown, "evaluate call to endorser returned error: chaincode response 500, invalid: grant.id: is empty")
			}},
			wantKind:     ErrInvalid,
			wantMessage:  "GetConfig: invalid: grant.id: is empty",
			wantAttempts: 1,
		},
		{
			name: "unavailable then result",
			gw: &fakeGateway{evaluate: func(n int, _ call) ([]byte, error) {
				if n < 3 {
					return nil, status.Error(codes.Unavailable, "connection refused")
				}
				return []byte("late"), nil
			}},
			wantResult:   "late",
			wantAttempts: 3,
		},
		{
			name: "unavailable every time",
			gw: &fakeGateway{evaluate: func(int, call) ([]byte, error) {
				return nil, status.Error(codes.Unavailable, "connection refused")
			}},
			wantKind:     ErrUnavailable,
			wantCode:     codes.Unavailable,
			wantMessage:  "connection refused",
			wantAttempts: 3,
		},
		{
			name: "access denied",
			gw: &fakeGateway{evaluate: func(int, call) ([]byte, error) {
				return nil, status.Error(codes.PermissionDenied, "access denied")
			}},
			wantKind:     ErrForbidden,
			wantAttempts: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newFakeClient(t, tt.gw, WithRetry(Retry{MaxAttempts: 3, BaseDelay: time.Millisecond}))
			got, err := c.evaluate(context.Background(), "GetConfig")
			if tt.wantKind == nil {
				if err != nil || string(got) != tt.wantResult {
					t.Fatalf("evaluate() = %q, %v; want %q, nil", got, err, tt.wantResult)
				}
			} else {
				checkError(t, err, tt.wantKind, nil, tt.wantCode, tt.wantMessage)
			}
			if n := len(tt.gw.stages("evaluate")); n != tt.wantAttempts {
				t.Errorf("got %d evaluations, want %d", n, tt.wantAttempts)
			}
		})
	}
}

func TestTimeouts(t *testing.T) {
	block := make(chan struct{})
	t.Cleanup(func() { close(block) })
	wait := func() { <-block }
	tests := []struct {
		name     string
		gw       *fakeGateway
		run      func(*Client, context.Context) error
		ctx      func() (context.Context, context.CancelFunc)
		wantKind error
		wantCode codes.Code
	}{
		{
			name:     "endorse timeout",
			gw:       &fakeGateway{endorse: func(int, call) ([]byte, error) { wait(); return nil, nil }},
			run:      func(c *Client, ctx context.Context) error { _, err := c.submit(ctx, "Bootstrap", "A"); return err },
			ctx:      func() (context.Context, context.CancelFunc) { return context.WithCancel(context.Background()) },
			wantKind: ErrUnavailable,
			wantCode: codes.DeadlineExceeded,
		},
		{
			name:     "commit status timeout",
			gw:       &fakeGateway{status: func(int) (peer.TxValidationCode, error) { wait(); return 0, nil }},
			run:      func(c *Client, ctx context.Context) error { _, err := c.submit(ctx, "Bootstrap", "A"); return err },
			ctx:      func() (context.Context, context.CancelFunc) { return context.WithCancel(context.Background()) },
			wantKind: ErrUnavailable,
			wantCode: codes.DeadlineExceeded,
		},
		{
			name:     "evaluate timeout",
			gw:       &fakeGateway{evaluate: func(int, call) ([]byte, error) { wait(); return nil, nil }},
			run:      func(c *Client, ctx context.Context) error { _, err := c.evaluate(ctx, "GetConfig"); return err },
			ctx:      func() (context.Context, context.CancelFunc) { return context.WithCancel(context.Background()) },
			wantKind: ErrUnavailable,
			wantCode: codes.DeadlineExceeded,
		},
		{
			name: "caller cancels",
			gw:   &fakeGateway{evaluate: func(int, call) ([]byte, error) { wait(); return nil, nil }},
			run:  func(c *Client, ctx context.Context) error { _, err := c.evaluate(ctx, "GetConfig"); return err },
			ctx: func() (context.Context, context.CancelFunc) {
				ctx, cancel := context.WithCancel(context.Background())
				time.AfterFunc(20*time.Millisecond, cancel)
				return ctx, cancel
			},
			wantKind: context.Canceled,
			wantCode: codes.Canceled,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			short := 50 * time.Millisecond
			c := newFakeClient(t, tt.gw,
				WithTimeouts(Timeouts{Evaluate: short, Endorse: short, Submit: short, CommitStatus: short}),
				WithRetry(Retry{MaxAttempts: 1}))
			ctx, cancel := tt.ctx()
			defer cancel()
			start := time.Now()
			err := tt.run(c.Client, ctx)
			if elapsed := time.Since(start); elapsed > 5*time.Second {
				t.Errorf("call took %v, want it bounded by the %v timeout", elapsed, short)
			}
			checkError(t, err, tt.wantKind, nil, tt.wantCode, "")
		})
	}
}

func TestBackoff(t *testing.T) {
	policy := Retry{MaxAttempts: 10, BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second}
	tests := []struct {
		name    string
		failure int
		jitter  func(time.Duration) time.Duration
		want    time.Duration
	}{
		{name: "first, no jitter", failure: 1, jitter: func(time.Duration) time.Duration { return 0 }, want: 50 * time.Millisecond},
		{name: "first, most jitter", failure: 1, jitter: func(d time.Duration) time.Duration { return d - 1 }, want: 100*time.Millisecond - 1},
		{name: "third doubles twice", failure: 3, jitter: func(d time.Duration) time.Duration { return d / 2 }, want: 300 * time.Millisecond},
		{name: "capped", failure: 5, jitter: func(time.Duration) time.Duration { return 0 }, want: 500 * time.Millisecond},
		{name: "far past the cap", failure: 200, jitter: func(d time.Duration) time.Duration { return d / 2 }, want: 750 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &Client{retry: policy, jitter: tt.jitter}
			if got := c.backoff(tt.failure); got != tt.want {
				t.Errorf("backoff(%d) = %v, want %v", tt.failure, got, tt.want)
			}
		})
	}
}

func TestRetryStopsWhenContextEnds(t *testing.T) {
	gw := &fakeGateway{status: statusCodes(mvcc, mvcc, mvcc)}
	c := newFakeClient(t, gw)
	ctx, cancel := context.WithCancel(context.Background())
	c.sleep = func(context.Context, time.Duration) error { cancel(); return context.Canceled }
	_, err := c.submit(ctx, "Bootstrap", "A")
	if !errors.Is(err, ErrConflict) {
		t.Errorf("submit() error = %v, want the last attempt's ErrConflict", err)
	}
	if n := len(gw.stages("endorse")); n != 1 {
		t.Errorf("got %d attempts, want 1", n)
	}
}

func TestDefaults(t *testing.T) {
	c := newFakeClient(t, &fakeGateway{}, WithTimeouts(Timeouts{Submit: time.Second}), WithRetry(Retry{MaxDelay: time.Minute}))
	want := defaultOptions()
	want.timeouts.Submit = time.Second
	want.retry.MaxDelay = time.Minute
	if c.timeouts != want.timeouts {
		t.Errorf("timeouts = %+v, want %+v", c.timeouts, want.timeouts)
	}
	if c.retry != want.retry {
		t.Errorf("retry = %+v, want %+v", c.retry, want.retry)
	}
	if c.Network().Name() != "grantledger" || c.Contract().ChaincodeName() != "grantledger" {
		t.Errorf("Network() %s, Contract() %s; want grantledger, grantledger", c.Network().Name(), c.Contract().ChaincodeName())
	}
}

// TestSubmitSameTransactionToAnotherOrderer: when the gateway cannot reach
// an orderer, the client sends the same signed transaction again (same
// transaction ID, no new endorsement) and the caller sees only success.
func TestSubmitSameTransactionToAnotherOrderer(t *testing.T) {
	failures := 0
	gw := &fakeGateway{submit: func(int) error {
		if failures < 2 {
			failures++
			return status.Error(codes.Unavailable, "connection refused")
		}
		return nil
	}}
	c := newFakeClient(t, gw)
	if _, err := c.submit(context.Background(), "Bootstrap", "AuthorityMSP"); err != nil {
		t.Fatalf("submit() error = %v, want success once an orderer answers", err)
	}
	endorsed, submitted := gw.stages("endorse"), gw.stages("submit")
	if len(endorsed) != 1 || len(submitted) != 3 {
		t.Fatalf("got %d endorsements and %d submits, want 1 and 3", len(endorsed), len(submitted))
	}
	for _, s := range submitted {
		if s.TxID != endorsed[0].TxID {
			t.Errorf("submitted transaction %s, want the endorsed %s every time", s.TxID, endorsed[0].TxID)
		}
	}
}

// TestSameTransactionUntilAnOrdererTakesIt: while no orderer accepts the
// transaction (a Raft leader is being elected), the same signed transaction
// is sent again, with pauses of 100ms doubling to 1s (half of each random),
// until one accepts it.
func TestSameTransactionUntilAnOrdererTakesIt(t *testing.T) {
	gw := &fakeGateway{submit: func(n int) error {
		if n <= 6 {
			return status.Error(codes.Unavailable, "no orderers could successfully process transaction")
		}
		return nil
	}}
	c := newFakeClient(t, gw)
	if _, err := c.submit(context.Background(), "Bootstrap", "AuthorityMSP"); err != nil {
		t.Fatalf("submit() error = %v, want success once an orderer has a leader", err)
	}
	want := []time.Duration{50 * time.Millisecond, 100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond, 500 * time.Millisecond, 500 * time.Millisecond}
	if !slices.Equal(c.slept, want) {
		t.Errorf("paused %v, want %v", c.slept, want)
	}
	if e, s := len(gw.stages("endorse")), len(gw.stages("submit")); e != 1 || s != 7 {
		t.Errorf("got %d endorsements and %d sends, want 1 and 7", e, s)
	}
}

// TestResendGivesUpAtTheCommitBound: when no orderer ever accepts, the
// client stops at Timeouts.CommitStatus and says the outcome is unknown.
func TestResendGivesUpAtTheCommitBound(t *testing.T) {
	gw := &fakeGateway{submit: func(int) error { return status.Error(codes.Unavailable, "no orderer nodes available") }}
	c := newFakeClient(t, gw, WithTimeouts(Timeouts{CommitStatus: 300 * time.Millisecond}))
	c.sleep = sleepContext
	start := time.Now()
	_, err := c.submit(context.Background(), "Bootstrap", "AuthorityMSP")
	if elapsed := time.Since(start); elapsed > 3*time.Second {
		t.Errorf("took %v, want about the 300ms bound", elapsed)
	}
	checkError(t, err, ErrUnavailable, new(*gateway.SubmitError), codes.OK, "outcome unknown")
	if e, s := len(gw.stages("endorse")), len(gw.stages("submit")); e != 1 || s < 2 {
		t.Errorf("got %d endorsements and %d sends, want 1 and at least 2", e, s)
	}
}

// TestResendWhenNoCommitComes: an orderer accepted the transaction and went
// down with it, so no commit comes; after Timeouts.Resend the client sends
// the same signed transaction again and reads the commit of that copy.
func TestResendWhenNoCommitComes(t *testing.T) {
	gw := &fakeGateway{status: func(n int) (peer.TxValidationCode, error) {
		if n == 1 {
			time.Sleep(500 * time.Millisecond) // the lost copy never commits in time
		}
		return peer.TxValidationCode_VALID, nil
	}}
	c := newFakeClient(t, gw, WithTimeouts(Timeouts{Resend: 50 * time.Millisecond}))
	if _, err := c.submit(context.Background(), "Bootstrap", "AuthorityMSP"); err != nil {
		t.Fatalf("submit() error = %v, want the resent copy's commit", err)
	}
	endorsed, sent := gw.stages("endorse"), gw.stages("submit")
	if len(endorsed) != 1 || len(sent) != 2 || sent[0].TxID != endorsed[0].TxID || sent[1].TxID != endorsed[0].TxID {
		t.Errorf("got %d endorsements and sends %+v, want the one endorsed transaction sent twice", len(endorsed), sent)
	}
}

// TestDuplicateReadAsTheFirstCopy: a copy sent again is invalidated as a
// duplicate when the first was recorded; the client reads the status of the
// ID again, which the ledger answers with the first copy's.
func TestDuplicateReadAsTheFirstCopy(t *testing.T) {
	gw := &fakeGateway{status: statusCodes(peer.TxValidationCode_DUPLICATE_TXID)}
	c := newFakeClient(t, gw)
	if _, err := c.submit(context.Background(), "Bootstrap", "AuthorityMSP"); err != nil {
		t.Fatalf("submit() error = %v, want the first copy's success", err)
	}
	if e, s, st := len(gw.stages("endorse")), len(gw.stages("submit")), len(gw.stages("status")); e != 1 || s != 1 || st != 2 {
		t.Errorf("got %d endorsements, %d sends, %d status reads; want 1, 1, 2", e, s, st)
	}
}

// TestResendWhenThePeerCannotAnswer: the gateway peer could not read the
// commit status (it restarts); the client pauses, sends the same signed
// transaction again and reads the status anew.
func TestResendWhenThePeerCannotAnswer(t *testing.T) {
	gw := &fakeGateway{status: func(n int) (peer.TxValidationCode, error) {
		if n == 1 {
			return 0, status.Error(codes.Unavailable, "peer restarting")
		}
		return peer.TxValidationCode_VALID, nil
	}}
	c := newFakeClient(t, gw)
	if _, err := c.submit(context.Background(), "Bootstrap", "AuthorityMSP"); err != nil {
		t.Fatalf("submit() error = %v, want the commit read after the peer is back", err)
	}
	endorsed, sent := gw.stages("endorse"), gw.stages("submit")
	if len(endorsed) != 1 || len(sent) != 2 || sent[1].TxID != endorsed[0].TxID {
		t.Errorf("got %d endorsements and sends %+v, want the one endorsed transaction sent twice", len(endorsed), sent)
	}
	if !slices.Equal(c.slept, []time.Duration{50 * time.Millisecond}) {
		t.Errorf("paused %v, want one pause of 50ms", c.slept)
	}
}
