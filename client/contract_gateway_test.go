package client

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	gateway "github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-gateway/pkg/identity"
	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	gatewaypb "github.com/hyperledger/fabric-protos-go-apiv2/gateway"
	"github.com/hyperledger/fabric-protos-go-apiv2/msp"
	"github.com/hyperledger/fabric-protos-go-apiv2/orderer"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/grantledger/grantledger/chaincode"
	"github.com/grantledger/grantledger/chaincode/chaincodetest"
	"github.com/grantledger/grantledger/ledger"
	lt "github.com/grantledger/grantledger/ledger/ledgertest"
)

// contractGateway is a Fabric Gateway service in front of the real
// grantledger contract on an in-memory peer: Endorse simulates the proposal
// as its creator's MSP, CommitStatus commits it with MVCC validation (one
// block per transaction) and ChaincodeEvents serves the committed events.
type contractGateway struct {
	gatewaypb.UnimplementedGatewayServer

	mu      sync.Mutex
	peer    *chaincodetest.Peer
	pending map[string]*chaincodetest.Tx // endorsed, by gateway transaction ID
	events  []*gateway.ChaincodeEvent
	block   uint64
	// newEvents is closed, and replaced, when an event is committed: open
	// event streams wait on it for new blocks.
	newEvents chan struct{}
	// streams counts the event streams opened, once their start is fixed.
	streams int
	// beforeCommit, when set, runs before a transaction is committed, with
	// the peer, so that a test can commit a competing transaction first.
	beforeCommit func(p *chaincodetest.Peer, txID string)
	commits      int
}

func newContractGateway(t *testing.T, start time.Time) *contractGateway {
	t.Helper()
	g, err := startContract(start)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// startContract is newContractGateway for callers without a *testing.T.
func startContract(start time.Time) (*contractGateway, error) {
	g := &contractGateway{pending: map[string]*chaincodetest.Tx{}, newEvents: make(chan struct{})}
	// The endorser's clock is the peer's simulated one, so that proposals
	// stamped with it pass the contract's time check.
	cc, err := chaincode.NewChaincode(chaincode.WithAuthority(lt.AuthorityMSP), chaincode.WithClock(func() time.Time { return g.peer.Now() }))
	if err != nil {
		return nil, fmt.Errorf("NewChaincode() error = %w", err)
	}
	g.peer = chaincodetest.New(cc, start)
	for _, msp := range []string{lt.OperatorMSP, lt.DeveloperMSP} {
		g.peer.DefineCollection(ledger.OperatorCollection(msp), lt.AuthorityMSP, lt.RegulatorMSP, msp)
	}
	return g, nil
}

// creatorMSP reads the MSP ID of a signed proposal's creator.
func creatorMSP(sp *peer.SignedProposal) (string, error) {
	var prop peer.Proposal
	if err := proto.Unmarshal(sp.GetProposalBytes(), &prop); err != nil {
		return "", status.Error(codes.InvalidArgument, err.Error())
	}
	var hdr common.Header
	if err := proto.Unmarshal(prop.GetHeader(), &hdr); err != nil {
		return "", status.Error(codes.InvalidArgument, err.Error())
	}
	var sig common.SignatureHeader
	if err := proto.Unmarshal(hdr.GetSignatureHeader(), &sig); err != nil {
		return "", status.Error(codes.InvalidArgument, err.Error())
	}
	var id msp.SerializedIdentity
	if err := proto.Unmarshal(sig.GetCreator(), &id); err != nil {
		return "", status.Error(codes.InvalidArgument, err.Error())
	}
	return id.GetMspid(), nil
}

func (g *contractGateway) simulate(txID string, sp *peer.SignedProposal) (*chaincodetest.Tx, error) {
	c, err := parseProposal("", txID, sp)
	if err != nil {
		return nil, err
	}
	mspID, err := creatorMSP(sp)
	if err != nil {
		return nil, err
	}
	return g.peer.SimulateTransient(mspID, c.Transient, c.Name, c.Args...), nil
}

func (g *contractGateway) Endorse(ctx context.Context, req *gatewaypb.EndorseRequest) (*gatewaypb.EndorseResponse, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	tx, err := g.simulate(req.GetTransactionId(), req.GetProposedTransaction())
	if err != nil {
		return nil, err
	}
	if tx.Status != 200 {
		return nil, gatewayError(codes.Aborted, "failed to endorse transaction, see attached details for more info",
			fmt.Sprintf("chaincode response %d, %s", tx.Status, tx.Message))
	}
	g.pending[req.GetTransactionId()] = tx
	env, err := preparedTransaction(req.GetChannelId(), tx.Payload)
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	return &gatewaypb.EndorseResponse{PreparedTransaction: env}, nil
}

func (g *contractGateway) Submit(ctx context.Context, req *gatewaypb.SubmitRequest) (*gatewaypb.SubmitResponse, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.pending[req.GetTransactionId()] == nil {
		return nil, status.Errorf(codes.FailedPrecondition, "transaction %s was not endorsed", req.GetTransactionId())
	}
	return &gatewaypb.SubmitResponse{}, nil
}

func (g *contractGateway) CommitStatus(ctx context.Context, req *gatewaypb.SignedCommitStatusRequest) (*gatewaypb.CommitStatusResponse, error) {
	var r gatewaypb.CommitStatusRequest
	if err := proto.Unmarshal(req.GetRequest(), &r); err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	tx := g.pending[r.GetTransactionId()]
	if tx == nil {
		return nil, status.Errorf(codes.NotFound, "transaction %s was not submitted", r.GetTransactionId())
	}
	delete(g.pending, r.GetTransactionId())
	if g.beforeCommit != nil {
		g.beforeCommit(g.peer, r.GetTransactionId())
	}
	g.commits++
	g.block++
	code := peer.TxValidationCode_VALID
	switch err := g.peer.Commit(tx); {
	case errors.Is(err, chaincodetest.ErrMVCCConflict):
		code = peer.TxValidationCode_MVCC_READ_CONFLICT
	case errors.Is(err, chaincodetest.ErrPhantomRead):
		code = peer.TxValidationCode_PHANTOM_READ_CONFLICT
	case err != nil:
		return nil, status.Error(codes.Internal, err.Error())
	default:
		if n := len(tx.Events); n > 0 { // Fabric keeps the last event
			e := tx.Events[n-1]
			g.events = append(g.events, &gateway.ChaincodeEvent{
				BlockNumber: g.block, TransactionID: r.GetTransactionId(), ChaincodeName: "grantledger",
				EventName: e.Name, Payload: e.Payload,
			})
			close(g.newEvents)
			g.newEvents = make(chan struct{})
		}
	}
	g.peer.SetTime(g.peer.Now().Add(time.Second))
	return &gatewaypb.CommitStatusResponse{Result: code, BlockNumber: g.block}, nil
}

func (g *contractGateway) Evaluate(ctx context.Context, req *gatewaypb.EvaluateRequest) (*gatewaypb.EvaluateResponse, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	tx, err := g.simulate(req.GetTransactionId(), req.GetProposedTransaction())
	if err != nil {
		return nil, err
	}
	if tx.Status != 200 {
		msg := fmt.Sprintf("chaincode response %d, %s", tx.Status, tx.Message)
		return nil, gatewayError(codes.Unknown, "evaluate call to endorser returned error: "+msg, msg)
	}
	return &gatewaypb.EvaluateResponse{Result: &peer.Response{Status: tx.Status, Payload: tx.Payload}}, nil
}

// ChaincodeEvents serves the committed events from the requested block (by
// default the next one), after the checkpointed transaction, and then the
// events of new blocks as they are committed, like a peer.
func (g *contractGateway) ChaincodeEvents(req *gatewaypb.SignedChaincodeEventsRequest, stream grpc.ServerStreamingServer[gatewaypb.ChaincodeEventsResponse]) error {
	var r gatewaypb.ChaincodeEventsRequest
	if err := proto.Unmarshal(req.GetRequest(), &r); err != nil {
		return status.Error(codes.InvalidArgument, err.Error())
	}
	g.mu.Lock()
	start := g.block + 1
	if s, ok := r.GetStartPosition().GetType().(*orderer.SeekPosition_Specified); ok {
		start = s.Specified.GetNumber()
	}
	g.streams++
	g.mu.Unlock()
	sent := 0
	for {
		g.mu.Lock()
		events := eventsAfter(g.events, start, r.GetAfterTransactionId())[sent:]
		more := g.newEvents
		g.mu.Unlock()
		for _, e := range events {
			resp := &gatewaypb.ChaincodeEventsResponse{BlockNumber: e.BlockNumber, Events: []*peer.ChaincodeEvent{{
				ChaincodeId: e.ChaincodeName, TxId: e.TransactionID, EventName: e.EventName, Payload: e.Payload,
			}}}
			if err := stream.Send(resp); err != nil {
				return err
			}
			sent++
		}
		select {
		case <-more:
		case <-stream.Context().Done():
			return nil
		}
	}
}

// openStreams returns how many event streams the gateway has opened.
func (g *contractGateway) openStreams() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.streams
}

// orgs connects one Client per MSP ID to a gateway over one shared
// connection, as an API serving several identities would.
type orgs struct {
	t       *testing.T
	conn    *grpc.ClientConn
	clients map[string]*Client
}

func newOrgs(t *testing.T, srv gatewaypb.GatewayServer) *orgs {
	return &orgs{t: t, conn: serve(t, srv), clients: map[string]*Client{}}
}

// as returns the client of an identity of the MSP.
func (o *orgs) as(mspID string) *Client {
	o.t.Helper()
	if c, ok := o.clients[mspID]; ok {
		return c
	}
	key, cert := testCert(o.t, "User1@"+mspID)
	id, err := identity.NewX509Identity(mspID, cert)
	if err != nil {
		o.t.Fatalf("identity: %v", err)
	}
	sign, err := identity.NewPrivateKeySign(key)
	if err != nil {
		o.t.Fatalf("signer: %v", err)
	}
	cfg := defaultOptions()
	cfg.conn = o.conn
	cfg.retry.BaseDelay = time.Millisecond
	c, err := newClient(cfg, id, sign, "grantledger", "grantledger")
	if err != nil {
		o.t.Fatalf("newClient() error = %v", err)
	}
	o.t.Cleanup(func() { _ = c.Close() })
	o.clients[mspID] = c
	return c
}
