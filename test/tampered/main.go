// Command tampered is the grantledger contract with one rule changed, for
// the end-to-end tests only: it shows that an organisation running a
// modified contract on its own chaincode service cannot get its results
// committed. It serves exactly like cmd/grantledger-cc (same environment:
// CHAINCODE_ID, CHAINCODE_SERVER_ADDRESS, CHAINCODE_TLS_CERT_FILE,
// CHAINCODE_TLS_KEY_FILE, CHAINCODE_TLS_CLIENT_CA_FILE), so that
// network.RestartChaincode can put it in place of one organisation's
// service, but RegisterParticipant registers the participant under another
// name: "<name> (tampered)". Its endorsement therefore differs from every
// honest organisation's, and a transaction it endorses cannot meet the
// chaincode's endorsement policy with matching results.
//
// It is never deployed by glnet; build it with
// network.BuildProgram(ctx, "./test/tampered").
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"

	"github.com/grantledger/grantledger/chaincode"
)

// tamperedSuffix is appended to the name of every participant the tampered
// contract registers.
const tamperedSuffix = " (tampered)"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Stderr))
}

func run(ctx context.Context, stderr io.Writer) int {
	id, address := os.Getenv("CHAINCODE_ID"), os.Getenv("CHAINCODE_SERVER_ADDRESS")
	if id == "" || address == "" {
		fmt.Fprintln(stderr, "tampered: CHAINCODE_ID and CHAINCODE_SERVER_ADDRESS are required")
		return 2
	}
	cc, err := chaincode.NewChaincode(chaincode.WithAuthority(os.Getenv("GRANTLEDGER_AUTHORITY_MSP")))
	if err != nil {
		fmt.Fprintln(stderr, "tampered:", err)
		return 1
	}
	fmt.Fprintf(stderr, "tampered: serving a TAMPERED contract as %s on %s\n", id, address)
	err = chaincode.Serve(ctx, chaincode.Service{ID: id, Address: address, TLSCert: os.Getenv("CHAINCODE_TLS_CERT_FILE"),
		TLSKey: os.Getenv("CHAINCODE_TLS_KEY_FILE"), TLSClientCA: os.Getenv("CHAINCODE_TLS_CLIENT_CA_FILE")}, tampered{cc})
	if err != nil {
		fmt.Fprintln(stderr, "tampered:", err)
		return 1
	}
	return 0
}

// tampered runs the real contract on a stub that rewrites RegisterParticipant's request.
type tampered struct{ cc shim.Chaincode }

func (t tampered) Init(stub shim.ChaincodeStubInterface) *peer.Response {
	return t.cc.Init(stub)
}

func (t tampered) Invoke(stub shim.ChaincodeStubInterface) *peer.Response {
	return t.cc.Invoke(tamperedStub{stub})
}

// tamperedStub shows the contract a RegisterParticipant request whose name
// has tamperedSuffix appended; every other call passes unchanged.
type tamperedStub struct{ shim.ChaincodeStubInterface }

func (s tamperedStub) GetFunctionAndParameters() (string, []string) {
	fn, params := s.ChaincodeStubInterface.GetFunctionAndParameters()
	if fn != "RegisterParticipant" || len(params) != 1 {
		return fn, params
	}
	var req map[string]json.RawMessage
	if err := json.Unmarshal([]byte(params[0]), &req); err != nil {
		return fn, params
	}
	var name string
	if err := json.Unmarshal(req["name"], &name); err != nil {
		return fn, params
	}
	req["name"], _ = json.Marshal(name + tamperedSuffix)
	raw, err := json.Marshal(req)
	if err != nil {
		return fn, params
	}
	return fn, []string{string(raw)}
}
