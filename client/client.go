package client

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"time"

	gateway "github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-gateway/pkg/hash"
	"github.com/hyperledger/fabric-gateway/pkg/identity"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/status"
)

// Timeouts bound each gateway call. A zero field keeps the default.
type Timeouts struct {
	// Evaluate bounds a query (default 5s).
	Evaluate time.Duration
	// Endorse bounds collecting endorsements (default 15s).
	Endorse time.Duration
	// Submit bounds one send of the endorsed transaction to the ordering
	// service (default 5s).
	Submit time.Duration
	// CommitStatus bounds the whole of ordering and commit: sending the
	// endorsed transaction, again as often as needed, and waiting for its
	// commit (default 1m).
	CommitStatus time.Duration
	// Resend is how long the client waits for a commit before it sends the
	// same signed transaction again (default 5s): an orderer that accepted
	// it may have gone down before it reached a block. Answers took at most
	// 3.2s on the loaded test machine (docs/design.md), so 5s is reached
	// when the transaction was lost; a copy sent too early costs only its
	// invalidation as a duplicate.
	Resend time.Duration
}

// Retry is the policy for attempts that may safely be repeated: a
// submission invalidated by a read conflict, or not endorsed because a peer
// was unavailable or the endorsers' results did not match (one peer behind
// another), and a query on an unavailable peer. The delay before attempt
// n+1 is BaseDelay·2^(n-1), capped at MaxDelay, of which a random half is
// jitter so that clients that collided on a read conflict do not collide
// again. The event follower uses the same delays to reconnect.
type Retry struct {
	// MaxAttempts counts the first attempt: 1 disables retries (default 5).
	MaxAttempts int
	// BaseDelay is the delay before the second attempt (default 200ms).
	BaseDelay time.Duration
	// MaxDelay caps the delay (default 5s).
	MaxDelay time.Duration
}

// Option configures Connect.
type Option func(*options)

type options struct {
	timeouts Timeouts
	retry    Retry
	conn     grpc.ClientConnInterface
}

// defaultOptions holds the defaults documented on Timeouts and Retry.
func defaultOptions() options {
	return options{
		timeouts: Timeouts{
			Evaluate:     5 * time.Second,
			Endorse:      15 * time.Second,
			Submit:       5 * time.Second,
			Resend:       5 * time.Second,
			CommitStatus: time.Minute,
		},
		retry: Retry{MaxAttempts: 5, BaseDelay: 200 * time.Millisecond, MaxDelay: 5 * time.Second},
	}
}

// WithTimeouts overrides the default timeouts; zero fields keep the default.
func WithTimeouts(t Timeouts) Option {
	return func(o *options) {
		setPositive(&o.timeouts.Evaluate, t.Evaluate)
		setPositive(&o.timeouts.Endorse, t.Endorse)
		setPositive(&o.timeouts.Submit, t.Submit)
		setPositive(&o.timeouts.CommitStatus, t.CommitStatus)
		setPositive(&o.timeouts.Resend, t.Resend)
	}
}

// WithRetry overrides the default retry policy; zero fields keep the default.
func WithRetry(r Retry) Option {
	return func(o *options) {
		if r.MaxAttempts > 0 {
			o.retry.MaxAttempts = r.MaxAttempts
		}
		setPositive(&o.retry.BaseDelay, r.BaseDelay)
		setPositive(&o.retry.MaxDelay, r.MaxDelay)
	}
}

func setPositive(dst *time.Duration, v time.Duration) {
	if v > 0 {
		*dst = v
	}
}

// WithConnection makes the Client use an existing gRPC connection to the
// organisation's peer instead of opening its own, so that several identities
// of one organisation share one connection. Close leaves it open.
func WithConnection(conn grpc.ClientConnInterface) Option {
	return func(o *options) { o.conn = conn }
}

// Client is one identity's connection to the grantledger contract through its
// organisation's gateway peer. It is safe for concurrent use.
type Client struct {
	conn      *grpc.ClientConn // nil when the connection is shared (WithConnection)
	gate      *gateway.Gateway
	network   *gateway.Network
	contract  *gateway.Contract
	chaincode string
	// sign signs as the identity: transactions a request journals are
	// signed before they are recorded (journal.go).
	sign     identity.Sign
	timeouts Timeouts
	retry    Retry
	// sleep waits between attempts; tests replace it.
	sleep func(ctx context.Context, d time.Duration) error
	// jitter returns a random duration in [0, d); tests replace it.
	jitter func(d time.Duration) time.Duration
}

// Connect connects the named user of an organisation (MSP ID or short name)
// to the organisation's gateway peer as described by the profile: one gRPC
// connection, TLS-verified against the peer's root certificate, and one
// Gateway for the identity with all four call timeouts set. The connection is
// established lazily, on the first call.
func Connect(ctx context.Context, profile *Profile, org, user string, opts ...Option) (*Client, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("connect %s/%s: %w", org, user, err)
	}
	if profile == nil {
		return nil, fmt.Errorf("connect %s/%s: no profile", org, user)
	}
	if err := profile.Validate(); err != nil {
		return nil, fmt.Errorf("connect %s/%s: profile: %w", org, user, err)
	}
	o, err := profile.Org(org)
	if err != nil {
		return nil, fmt.Errorf("connect %s/%s: %w", org, user, err)
	}
	u, err := o.User(user)
	if err != nil {
		return nil, fmt.Errorf("connect %s/%s: %w", org, user, err)
	}
	id, sign, err := loadIdentity(o.MSPID, u)
	if err != nil {
		return nil, fmt.Errorf("connect %s/%s: %w", org, user, err)
	}
	cfg := defaultOptions()
	for _, opt := range opts {
		opt(&cfg)
	}
	var own *grpc.ClientConn
	if cfg.conn == nil {
		own, err = Dial(o.Peer)
		if err != nil {
			return nil, fmt.Errorf("connect %s/%s: %w", org, user, err)
		}
		cfg.conn = own
	}
	c, err := newClient(cfg, id, sign, profile.Channel, profile.Chaincode)
	if err != nil {
		if own != nil {
			_ = own.Close()
		}
		return nil, fmt.Errorf("connect %s/%s: %w", org, user, err)
	}
	c.conn = own
	return c, nil
}

// Dial opens a gRPC connection to a peer's gateway service, verifying the
// peer's TLS certificate against its root certificate and, when set, the
// HostOverride name. Use it with WithConnection to share one connection
// among the identities of an organisation.
func Dial(p PeerProfile) (*grpc.ClientConn, error) {
	pemCert, err := os.ReadFile(p.TLSRootCert)
	if err != nil {
		return nil, fmt.Errorf("dial peer %s: read TLS root certificate: %w", p.Address, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemCert) {
		return nil, fmt.Errorf("dial peer %s: no PEM certificate in %s", p.Address, p.TLSRootCert)
	}
	creds := credentials.NewClientTLSFromCert(pool, p.HostOverride)
	conn, err := grpc.NewClient(p.Address, grpc.WithTransportCredentials(creds))
	if err != nil {
		return nil, fmt.Errorf("dial peer %s: %w", p.Address, err)
	}
	return conn, nil
}

// loadIdentity reads a user's X.509 certificate and PKCS#8 private key.
func loadIdentity(mspID string, u *UserProfile) (*identity.X509Identity, identity.Sign, error) {
	certPEM, err := os.ReadFile(u.Cert)
	if err != nil {
		return nil, nil, fmt.Errorf("read certificate of %s: %w", u.Name, err)
	}
	cert, err := identity.CertificateFromPEM(certPEM)
	if err != nil {
		return nil, nil, fmt.Errorf("parse certificate %s: %w", u.Cert, err)
	}
	id, err := identity.NewX509Identity(mspID, cert)
	if err != nil {
		return nil, nil, fmt.Errorf("identity of %s: %w", u.Name, err)
	}
	keyPEM, err := os.ReadFile(u.Key)
	if err != nil {
		return nil, nil, fmt.Errorf("read private key of %s: %w", u.Name, err)
	}
	key, err := identity.PrivateKeyFromPEM(keyPEM)
	if err != nil {
		return nil, nil, fmt.Errorf("parse private key %s: %w", u.Key, err)
	}
	sign, err := identity.NewPrivateKeySign(key)
	if err != nil {
		return nil, nil, fmt.Errorf("signer of %s: %w", u.Name, err)
	}
	return id, sign, nil
}

// newClient builds a Client over an open connection.
func newClient(cfg options, id identity.Identity, sign identity.Sign, channel, chaincode string) (*Client, error) {
	gw, err := gateway.Connect(id,
		gateway.WithSign(sign),
		gateway.WithHash(hash.SHA256),
		gateway.WithClientConnection(cfg.conn),
		gateway.WithEvaluateTimeout(cfg.timeouts.Evaluate),
		gateway.WithEndorseTimeout(cfg.timeouts.Endorse),
		gateway.WithSubmitTimeout(cfg.timeouts.Submit),
		gateway.WithCommitStatusTimeout(cfg.timeouts.CommitStatus),
	)
	if err != nil {
		return nil, fmt.Errorf("gateway: %w", err)
	}
	network := gw.GetNetwork(channel)
	return &Client{
		gate:      gw,
		network:   network,
		contract:  network.GetContract(chaincode),
		chaincode: chaincode,
		sign:      sign,
		timeouts:  cfg.timeouts,
		retry:     cfg.retry,
		sleep:     sleepContext,
		jitter:    func(d time.Duration) time.Duration { return rand.N(d) },
	}, nil
}

// Close releases the Gateway and, unless it was shared, the connection.
func (c *Client) Close() error {
	errGateway := c.gate.Close()
	var errConn error
	if c.conn != nil {
		errConn = c.conn.Close()
	}
	if err := errors.Join(errGateway, errConn); err != nil {
		return fmt.Errorf("close client: %w", err)
	}
	return nil
}

// Network returns the channel handle, for block and chaincode events.
func (c *Client) Network() *gateway.Network { return c.network }

// Contract returns the grantledger contract handle. Prefer the typed
// methods: they set timeouts, retry what is safe and classify errors.
func (c *Client) Contract() *gateway.Contract { return c.contract }

// evaluate runs a query on the gateway peer. The Gateway's configured
// timeouts do not apply to the …WithContext calls, so each call bounds the
// caller's context itself.
func (c *Client) evaluate(ctx context.Context, name string, args ...string) ([]byte, error) {
	var result []byte
	err := c.withRetry(ctx, name, retryableRead, func() error {
		callCtx, cancel := context.WithTimeout(ctx, c.timeouts.Evaluate)
		defer cancel()
		var err error
		result, err = c.contract.EvaluateWithContext(callCtx, name, gateway.WithArguments(args...))
		return err
	})
	return result, err
}

// submit endorses, submits and waits for the commit of a transaction,
// retrying with a new proposal what retryable allows.
func (c *Client) submit(ctx context.Context, name string, args ...string) ([]byte, error) {
	return c.submitWith(ctx, name, gateway.WithArguments(args...))
}

// submitPrivate is submit with private input as transient data, which the
// gateway sends only to the organisations of the collections the
// transaction writes, and which no block records.
func (c *Client) submitPrivate(ctx context.Context, name string, transient map[string][]byte, args ...string) ([]byte, error) {
	return c.submitWith(ctx, name, gateway.WithArguments(args...), gateway.WithTransient(transient))
}

func (c *Client) submitWith(ctx context.Context, name string, opts ...gateway.ProposalOption) ([]byte, error) {
	return c.submitUnless(ctx, name, nil, opts...)
}

// submitUnless is submitWith for a transaction whose endorsed result may
// show that it records nothing (receipts that were all refused): when
// recordsNothing says so, the result is returned without ordering the
// transaction, which would only commit an empty write set.
func (c *Client) submitUnless(ctx context.Context, name string, recordsNothing func(result []byte) bool, opts ...gateway.ProposalOption) ([]byte, error) {
	// Under a request's journal (journal.go) this is the request's n-th
	// transaction: an earlier run of the request may have sent it already.
	j, n := nextTransaction(ctx)
	resume := j != nil
	var result []byte
	err := c.withRetry(ctx, name, retryable, func() error {
		var err error
		if resume {
			resume = false
			if sent, ok := j.Sent(n); ok {
				result, err = c.resend(ctx, j, n, name, sent)
				return err
			}
		}
		result, err = c.submitOnce(ctx, name, recordsNothing, opts, j, n)
		return err
	})
	return result, err
}

// submitOnce is one attempt: a new proposal (new transaction ID), endorsed,
// recorded in the request's journal when there is one, then ordered and
// awaited until it commits, each stage under its own timeout.
func (c *Client) submitOnce(ctx context.Context, name string, recordsNothing func([]byte) bool, opts []gateway.ProposalOption, j Journal, n int) ([]byte, error) {
	proposal, err := c.contract.NewProposal(name, opts...)
	if err != nil {
		return nil, err
	}
	endorseCtx, cancel := context.WithTimeout(ctx, c.timeouts.Endorse)
	tx, err := proposal.EndorseWithContext(endorseCtx)
	cancel()
	if err != nil {
		return nil, err
	}
	if recordsNothing != nil && recordsNothing(tx.Result()) {
		return tx.Result(), nil
	}
	if j != nil {
		if tx, err = c.record(j, n, name, tx); err != nil {
			return nil, err
		}
	}
	return c.commit(ctx, tx, j, n)
}

// commit orders an endorsed transaction and waits for its commit. A
// transaction the gateway refused to send, or the ledger invalidated, is
// forgotten by the request's journal: it will never commit, so a later run
// of the request must send a new one.
func (c *Client) commit(ctx context.Context, tx *gateway.Transaction, j Journal, n int) ([]byte, error) {
	st, err := c.commitSigned(ctx, tx)
	if err != nil {
		if j != nil && !resendable(err) {
			if ferr := j.Forget(n); ferr != nil {
				return nil, fmt.Errorf("%w (and the request's journal could not forget it: %w)", err, ferr)
			}
		}
		return nil, err
	}
	if !st.Successful {
		// fabric-gateway builds this error's text internally; classify
		// writes the message, errors.As still finds the code.
		invalid := &gateway.CommitError{TransactionID: st.TransactionID, Code: st.Code}
		if j != nil {
			if err := j.Forget(n); err != nil {
				return nil, fmt.Errorf("%w (and the request's journal could not forget it: %w)", invalid, err)
			}
		}
		return nil, invalid
	}
	return tx.Result(), nil
}

// commitSigned orders an endorsed transaction and waits for its commit,
// within Timeouts.CommitStatus. An orderer can accept a transaction and go
// down before it is in a block (a Raft leader killed with it in flight):
// the transaction is then lost, and waiting longer would only end in
// "outcome unknown". So when no commit comes within Timeouts.Resend, the
// same signed transaction is sent again, and the gateway hands it to an
// orderer picked anew. That cannot record it twice: the transaction ID is
// the same, and a peer invalidates every copy after the first
// (DUPLICATE_TXID). The status the gateway reports for the ID is that of
// its first copy in the ledger (the peer's index keeps the first; its
// notifications come in block order).
func (c *Client) commitSigned(ctx context.Context, tx *gateway.Transaction) (*gateway.Status, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeouts.CommitStatus)
	defer cancel()
	for {
		commit, err := c.submitSigned(ctx, tx)
		if err != nil {
			return nil, err
		}
		// The wait ends at Timeouts.Resend by a timer of the client's, not
		// a deadline: gRPC passes a deadline on to the peer, whose timer
		// may fire first and end the stream as DeadlineExceeded before the
		// client's context is done, which reads as the peer's own answer.
		waitCtx, cancelWait := context.WithCancel(ctx)
		timer := time.AfterFunc(c.timeouts.Resend, cancelWait)
		st, err := commit.StatusWithContext(waitCtx)
		timer.Stop()
		waited := waitCtx.Err() != nil
		cancelWait()
		switch {
		case err == nil && st.Code == peer.TxValidationCode_DUPLICATE_TXID:
			// Only a copy of ours can carry our ID, so a copy was
			// recorded before this one: ask again for the ID's status,
			// which the ledger then answers with the first copy's.
			if st, err = commit.StatusWithContext(ctx); err != nil {
				return nil, err
			}
			return st, nil
		case err == nil:
			return st, nil
		case ctx.Err() != nil:
			return nil, err
		case waited:
			// No commit in time: send again and wait anew.
			continue
		case status.Code(err) == codes.Unavailable:
			// The peer could not answer: pause, send again (which
			// waits in turn while the peer is away) and wait anew.
			if serr := c.sleep(ctx, c.resendPause(1)); serr != nil {
				return nil, err
			}
			continue
		default:
			return nil, err
		}
	}
}

// submitSigned sends an endorsed transaction to the ordering service. The
// gateway tries the orderers it knows in random order; when none accepts
// it (one was killed and the others have no Raft leader yet, which takes
// up to two election timeouts, 5–10s here), the same signed transaction is
// sent again after a pause, with jitter, until ctx ends. That is safe for
// the reason commitSigned gives.
func (c *Client) submitSigned(ctx context.Context, tx *gateway.Transaction) (*gateway.Commit, error) {
	for n := 1; ; n++ {
		submitCtx, cancel := context.WithTimeout(ctx, c.timeouts.Submit)
		commit, err := tx.SubmitWithContext(submitCtx)
		cancel()
		if err == nil || !resendable(err) || ctx.Err() != nil {
			return commit, err
		}
		if serr := c.sleep(ctx, c.resendPause(n)); serr != nil {
			return nil, err
		}
	}
}

// resendPause is the pause after the n-th failed send: 100ms doubling to
// at most 1s, half of it random, so that a leader election is noticed
// within about a second of its end.
func (c *Client) resendPause(n int) time.Duration {
	d := 100 * time.Millisecond
	for i := 1; i < n && d < time.Second; i++ {
		d *= 2
	}
	d = min(d, time.Second)
	return d/2 + c.jitter(d/2)
}

// resendable reports whether a failed send of a signed transaction may
// have failed on the way to an orderer (none could be reached or had a
// leader, the stream was cut, it did not answer in time): not a refusal of
// the transaction itself (an orderer's 4xx, which the gateway answers
// Aborted), which sending it again would only repeat.
func resendable(err error) bool {
	switch status.Code(err) {
	case codes.Unavailable, codes.Canceled, codes.DeadlineExceeded, codes.Internal, codes.Unknown:
		return true
	}
	return false
}

// submitArgs submits a transaction with string arguments and decodes its
// JSON result.
func submitArgs[T any](ctx context.Context, c *Client, name string, args ...string) (*T, error) {
	raw, err := c.submit(ctx, name, args...)
	if err != nil {
		return nil, err
	}
	return decodeResult[T](name, raw)
}

// attach submits a private transaction: string arguments, and a JSON
// request as transient data (key "request"). Its result, the object's
// public record, is not what the caller wants (the private part is read
// back with a query), so it is dropped.
func (c *Client) attach(ctx context.Context, name string, req any, args ...string) error {
	raw, err := encodeRequest(name, req)
	if err != nil {
		return err
	}
	_, err = c.submitPrivate(ctx, name, map[string][]byte{"request": []byte(raw)}, args...)
	return err
}

// submitJSON submits a transaction whose one argument is a JSON request.
func submitJSON[T any](ctx context.Context, c *Client, name string, req any) (*T, error) {
	arg, err := encodeRequest(name, req)
	if err != nil {
		return nil, err
	}
	return submitArgs[T](ctx, c, name, arg)
}

// evaluateArgs evaluates a query with string arguments and decodes its
// JSON result.
func evaluateArgs[T any](ctx context.Context, c *Client, name string, args ...string) (*T, error) {
	raw, err := c.evaluate(ctx, name, args...)
	if err != nil {
		return nil, err
	}
	return decodeResult[T](name, raw)
}

// evaluateJSON evaluates a query whose one argument is a JSON request.
func evaluateJSON[T any](ctx context.Context, c *Client, name string, req any) (*T, error) {
	arg, err := encodeRequest(name, req)
	if err != nil {
		return nil, err
	}
	return evaluateArgs[T](ctx, c, name, arg)
}

func encodeRequest(op string, req any) (string, error) {
	raw, err := json.Marshal(req)
	if err != nil {
		return "", &Error{Kind: ErrInvalid, Op: op, Message: fmt.Sprintf("encode request: %v", err), Err: err}
	}
	return string(raw), nil
}

// decodeResult decodes a transaction's JSON result.
func decodeResult[T any](op string, raw []byte) (*T, error) {
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, &Error{Op: op, Message: fmt.Sprintf("decode result: %v", err), Err: err}
	}
	return &v, nil
}

// withRetry runs attempt until it succeeds, fails in a way again does not
// accept, runs out of attempts or ctx ends, and classifies the last error.
func (c *Client) withRetry(ctx context.Context, op string, again func(error) bool, attempt func() error) error {
	for n := 1; ; n++ {
		err := attempt()
		if err == nil {
			return nil
		}
		if n >= c.retry.MaxAttempts || !again(err) {
			return classify(op, err)
		}
		if serr := c.sleep(ctx, c.backoff(n)); serr != nil {
			return classify(op, err)
		}
	}
}

// backoff returns the delay after the n-th failed attempt: half of
// min(MaxDelay, BaseDelay·2^(n-1)) plus a random part of the other half.
func (c *Client) backoff(n int) time.Duration {
	d := c.retry.BaseDelay
	for i := 1; i < n && d < c.retry.MaxDelay; i++ {
		d *= 2
	}
	d = min(d, c.retry.MaxDelay)
	half := d / 2
	if half <= 0 {
		return d
	}
	return d - half + c.jitter(half)
}

// sleepContext waits for d or until ctx ends.
func sleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
