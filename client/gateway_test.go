package client

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"

	gateway "github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-gateway/pkg/identity"
	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	gatewaypb "github.com/hyperledger/fabric-protos-go-apiv2/gateway"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/protoadapt"
)

// call is one request the fake gateway received.
type call struct {
	Stage string // "endorse", "submit", "status" or "evaluate"
	TxID  string
	Name  string // transaction name (endorse and evaluate)
	Args  []string
	// Transient is the proposal's transient data (private input).
	Transient map[string][]byte
}

// fakeGateway is a Fabric Gateway service whose answers tests script: the
// process boundary the client talks to. Each hook gets the 1-based count of
// calls of its stage; nil hooks succeed.
type fakeGateway struct {
	gatewaypb.UnimplementedGatewayServer

	endorse  func(n int, c call) ([]byte, error)
	submit   func(n int) error
	status   func(n int) (peer.TxValidationCode, error)
	evaluate func(n int, c call) ([]byte, error)
	// ledger holds the chaincode events ChaincodeEvents serves.
	ledger []*gateway.ChaincodeEvent

	mu    sync.Mutex
	calls []call
}

func (f *fakeGateway) record(c call) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, c)
	n := 0
	for _, p := range f.calls {
		if p.Stage == c.Stage {
			n++
		}
	}
	return n
}

// stages returns the logged calls of one stage.
func (f *fakeGateway) stages(stage string) []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []call
	for _, c := range f.calls {
		if c.Stage == stage {
			out = append(out, c)
		}
	}
	return out
}

func (f *fakeGateway) Endorse(ctx context.Context, req *gatewaypb.EndorseRequest) (*gatewaypb.EndorseResponse, error) {
	c, err := parseProposal("endorse", req.GetTransactionId(), req.GetProposedTransaction())
	if err != nil {
		return nil, err
	}
	n := f.record(c)
	result := []byte("ok")
	if f.endorse != nil {
		if result, err = f.endorse(n, c); err != nil {
			return nil, err
		}
	}
	env, err := preparedTransaction(req.GetChannelId(), result)
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	return &gatewaypb.EndorseResponse{PreparedTransaction: env}, nil
}

func (f *fakeGateway) Submit(ctx context.Context, req *gatewaypb.SubmitRequest) (*gatewaypb.SubmitResponse, error) {
	n := f.record(call{Stage: "submit", TxID: req.GetTransactionId()})
	if f.submit != nil {
		if err := f.submit(n); err != nil {
			return nil, err
		}
	}
	return &gatewaypb.SubmitResponse{}, nil
}

func (f *fakeGateway) CommitStatus(ctx context.Context, req *gatewaypb.SignedCommitStatusRequest) (*gatewaypb.CommitStatusResponse, error) {
	var r gatewaypb.CommitStatusRequest
	if err := proto.Unmarshal(req.GetRequest(), &r); err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	n := f.record(call{Stage: "status", TxID: r.GetTransactionId()})
	code := peer.TxValidationCode_VALID
	if f.status != nil {
		var err error
		if code, err = f.status(n); err != nil {
			return nil, err
		}
	}
	return &gatewaypb.CommitStatusResponse{Result: code, BlockNumber: uint64(n)}, nil
}

func (f *fakeGateway) Evaluate(ctx context.Context, req *gatewaypb.EvaluateRequest) (*gatewaypb.EvaluateResponse, error) {
	c, err := parseProposal("evaluate", req.GetTransactionId(), req.GetProposedTransaction())
	if err != nil {
		return nil, err
	}
	n := f.record(c)
	result := []byte("ok")
	if f.evaluate != nil {
		if result, err = f.evaluate(n, c); err != nil {
			return nil, err
		}
	}
	return &gatewaypb.EvaluateResponse{Result: &peer.Response{Status: 200, Payload: result}}, nil
}

// parseProposal reads the transaction name and arguments of a signed proposal.
func parseProposal(stage, txID string, sp *peer.SignedProposal) (call, error) {
	var prop peer.Proposal
	if err := proto.Unmarshal(sp.GetProposalBytes(), &prop); err != nil {
		return call{}, status.Error(codes.InvalidArgument, err.Error())
	}
	var payload peer.ChaincodeProposalPayload
	if err := proto.Unmarshal(prop.GetPayload(), &payload); err != nil {
		return call{}, status.Error(codes.InvalidArgument, err.Error())
	}
	var spec peer.ChaincodeInvocationSpec
	if err := proto.Unmarshal(payload.GetInput(), &spec); err != nil {
		return call{}, status.Error(codes.InvalidArgument, err.Error())
	}
	args := spec.GetChaincodeSpec().GetInput().GetArgs()
	c := call{Stage: stage, TxID: txID, Transient: payload.GetTransientMap()}
	if len(args) > 0 {
		c.Name = string(args[0])
		for _, a := range args[1:] {
			c.Args = append(c.Args, string(a))
		}
	}
	return c, nil
}

// preparedTransaction builds the smallest envelope the gateway client
// accepts as an endorsed transaction with the given result.
func preparedTransaction(channel string, result []byte) (*common.Envelope, error) {
	var err error
	marshal := func(m proto.Message) []byte {
		if err != nil {
			return nil
		}
		var b []byte
		b, err = proto.Marshal(m)
		return b
	}
	action := &peer.ChaincodeAction{Response: &peer.Response{Status: 200, Payload: result}}
	prp := &peer.ProposalResponsePayload{Extension: marshal(action)}
	actionPayload := &peer.ChaincodeActionPayload{Action: &peer.ChaincodeEndorsedAction{ProposalResponsePayload: marshal(prp)}}
	tx := &peer.Transaction{Actions: []*peer.TransactionAction{{Payload: marshal(actionPayload)}}}
	payload := &common.Payload{
		Header: &common.Header{ChannelHeader: marshal(&common.ChannelHeader{ChannelId: channel})},
		Data:   marshal(tx),
	}
	env := &common.Envelope{Payload: marshal(payload)}
	return env, err
}

// gatewayError returns a gRPC status error carrying endorser details, as
// the Fabric gateway sends them.
func gatewayError(code codes.Code, msg string, details ...string) error {
	st := status.New(code, msg)
	var ds []protoadapt.MessageV1
	for _, d := range details {
		ds = append(ds, protoadapt.MessageV1Of(&gatewaypb.ErrorDetail{Address: "peer0:7051", MspId: "AuthorityMSP", Message: d}))
	}
	if withDetails, err := st.WithDetails(ds...); err == nil && len(ds) > 0 {
		st = withDetails
	}
	return st.Err()
}

// serve runs the fake gateway on an in-memory listener and returns a
// connection to it.
func serve(t *testing.T, srv gatewaypb.GatewayServer) *grpc.ClientConn {
	t.Helper()
	lis := bufconn.Listen(1 << 20)
	s := grpc.NewServer()
	gatewaypb.RegisterGatewayServer(s, srv)
	go func() { _ = s.Serve(lis) }()
	t.Cleanup(s.Stop)
	conn, err := grpc.NewClient("passthrough:///fake-gateway",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatalf("dial fake gateway: %v", err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// testCert returns a fresh P-256 key and a self-signed certificate for it,
// valid as a CA and for the DNS names given.
func testCert(t *testing.T, cn string, dnsNames ...string) (*ecdsa.PrivateKey, *x509.Certificate) {
	t.Helper()
	key, cert, err := newCert(cn, dnsNames...)
	if err != nil {
		t.Fatal(err)
	}
	return key, cert
}

// newCert is testCert for callers without a *testing.T.
func newCert(cn string, dnsNames ...string) (*ecdsa.PrivateKey, *x509.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("generate key: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: cn},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              dnsNames,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, fmt.Errorf("create certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, fmt.Errorf("parse certificate: %w", err)
	}
	return key, cert, nil
}

// fakeClient connects a Client to a fake gateway with fast retries whose
// delays it records instead of sleeping.
type fakeClient struct {
	*Client
	gw     *fakeGateway
	slept  []time.Duration
	sleepM sync.Mutex
}

func newFakeClient(t *testing.T, gw *fakeGateway, opts ...Option) *fakeClient {
	t.Helper()
	key, cert := testCert(t, "User1@authority.example.com")
	id, err := identity.NewX509Identity("AuthorityMSP", cert)
	if err != nil {
		t.Fatalf("identity: %v", err)
	}
	sign, err := identity.NewPrivateKeySign(key)
	if err != nil {
		t.Fatalf("signer: %v", err)
	}
	cfg := defaultOptions()
	cfg.conn = serve(t, gw)
	for _, o := range opts {
		o(&cfg)
	}
	c, err := newClient(cfg, id, sign, "grantledger", "grantledger")
	if err != nil {
		t.Fatalf("newClient() error = %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	fc := &fakeClient{Client: c, gw: gw}
	c.jitter = func(time.Duration) time.Duration { return 0 }
	c.sleep = func(ctx context.Context, d time.Duration) error {
		fc.sleepM.Lock()
		fc.slept = append(fc.slept, d)
		fc.sleepM.Unlock()
		return ctx.Err()
	}
	return fc
}
