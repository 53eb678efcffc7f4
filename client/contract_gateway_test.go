package client

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-gateway/pkg/identity"
	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/gateway"
	"github.com/hyperledger/fabric-protos-go-apiv2/msp"
	"github.com/hyperledger/fabric-protos-go-apiv2/orderer"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/grantledger/grantledger/chaincode"
	"github.com/grantledger/grantledger/chaincode/chaincodetest"
)

// contractGateway is a Fabric Gateway service in front of the real
// grantledger contract on an in-memory peer: Endorse simulates the proposal
// as its creator's MSP, CommitStatus commits it with MVCC validation (one
// block per transaction) and ChaincodeEvents serves the committed events.
type contractGateway struct {
	gateway.UnimplementedGatewayServer

	mu      sync.Mutex
	peer    *chaincodetest.Peer
	pending map[string]*chaincodetest.Tx // endorsed, by gateway transaction ID
	events  []*client.ChaincodeEvent
	block   uint64
	// beforeCommit, when set, runs before a transaction is committed, with
	// the peer, so that a test can commit a competing transaction first.
	beforeCommit func(p *chaincodetest.Peer, txID string)
	commits      int
}

func newContractGateway(t *testing.T, start time.Time) *contractGateway {
	t.Helper()
	cc, err := chaincode.NewChaincode()
	if err != nil {
		t.Fatalf("NewChaincode() error = %v", err)
	}
	return &contractGateway{peer: chaincodetest.New(cc, start), pending: map[string]*chaincodetest.Tx{}}
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
	return g.peer.Simulate(mspID, c.Name, c.Args...), nil
}

func (g *contractGateway) Endorse(ctx context.Context, req *gateway.EndorseRequest) (*gateway.EndorseResponse, error) {
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
	return &gateway.EndorseResponse{PreparedTransaction: env}, nil
}

func (g *contractGateway) Submit(ctx context.Context, req *gateway.SubmitRequest) (*gateway.SubmitResponse, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.pending[req.GetTransactionId()] == nil {
		return nil, status.Errorf(codes.FailedPrecondition, "transaction %s was not endorsed", req.GetTransactionId())
	}
	return &gateway.SubmitResponse{}, nil
}

func (g *contractGateway) CommitStatus(ctx context.Context, req *gateway.SignedCommitStatusRequest) (*gateway.CommitStatusResponse, error) {
	var r gateway.CommitStatusRequest
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
			g.events = append(g.events, &client.ChaincodeEvent{
				BlockNumber: g.block, TransactionID: r.GetTransactionId(), ChaincodeName: "grantledger",
				EventName: e.Name, Payload: e.Payload,
			})
		}
	}
	g.peer.SetTime(g.peer.Now().Add(time.Second))
	return &gateway.CommitStatusResponse{Result: code, BlockNumber: g.block}, nil
}

func (g *contractGateway) Evaluate(ctx context.Context, req *gateway.EvaluateRequest) (*gateway.EvaluateResponse, error) {
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
	return &gateway.EvaluateResponse{Result: &peer.Response{Status: tx.Status, Payload: tx.Payload}}, nil
}

func (g *contractGateway) ChaincodeEvents(req *gateway.SignedChaincodeEventsRequest, stream grpc.ServerStreamingServer[gateway.ChaincodeEventsResponse]) error {
	var r gateway.ChaincodeEventsRequest
	if err := proto.Unmarshal(req.GetRequest(), &r); err != nil {
		return status.Error(codes.InvalidArgument, err.Error())
	}
	g.mu.Lock()
	start := g.block + 1
	if s, ok := r.GetStartPosition().GetType().(*orderer.SeekPosition_Specified); ok {
		start = s.Specified.GetNumber()
	}
	events := eventsAfter(g.events, start, r.GetAfterTransactionId())
	g.mu.Unlock()
	for _, e := range events {
		resp := &gateway.ChaincodeEventsResponse{BlockNumber: e.BlockNumber, Events: []*peer.ChaincodeEvent{{
			ChaincodeId: e.ChaincodeName, TxId: e.TransactionID, EventName: e.EventName, Payload: e.Payload,
		}}}
		if err := stream.Send(resp); err != nil {
			return err
		}
	}
	<-stream.Context().Done()
	return nil
}

// orgs connects one Client per MSP ID to a gateway over one shared
// connection, as an API serving several identities would.
type orgs struct {
	t       *testing.T
	conn    *grpc.ClientConn
	clients map[string]*Client
}

func newOrgs(t *testing.T, srv gateway.GatewayServer) *orgs {
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
