// Command baseline is the benchmark's baseline chaincode: the least a
// Fabric transaction can do, one PutState, so that `make bench` can state
// every grantledger figure as a ratio to the bare write rate of the same
// network in the same run (the bare-write scenario).
//
// It is deployed on the bench network only (network.DeployBaseline), with
// the grantledger contract's endorsement policy, as a chaincode service
// per organisation exactly like grantledger-cc: the same environment
// (CHAINCODE_ID, CHAINCODE_SERVER_ADDRESS, CHAINCODE_TLS_CERT_FILE,
// CHAINCODE_TLS_KEY_FILE, CHAINCODE_TLS_CLIENT_CA_FILE: mutual TLS with the
// organisation's own peers) and the same server (chaincode.Serve). So the
// only difference the ratio measures is what the contract does per
// transaction: decoding, identity checks, reads, rules, indexes, events.
//
// Functions:
//
//	Put(key, value)  writes value under key, nothing else (no read, no event)
//	Get(key)         returns the value under key (readiness checks)
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"

	"github.com/grantledger/grantledger/chaincode"
	"github.com/grantledger/grantledger/internal/config"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stderr))
}

// Config is the baseline service's whole configuration: what the network
// sets for every organisation's chaincode service.
type Config struct {
	ID          string `flag:"id" env:"CHAINCODE_ID" required:"true" usage:"chaincode package ID (required)"`
	Address     string `flag:"address" env:"CHAINCODE_SERVER_ADDRESS" required:"true" usage:"listen address (required)"`
	TLSCert     string `flag:"tls-cert" env:"CHAINCODE_TLS_CERT_FILE" usage:"PEM TLS certificate; empty serves without TLS"`
	TLSKey      string `flag:"tls-key" env:"CHAINCODE_TLS_KEY_FILE" secret:"true" usage:"PEM TLS private key"`
	TLSClientCA string `flag:"tls-client-ca" env:"CHAINCODE_TLS_CLIENT_CA_FILE" usage:"PEM CA of the peers allowed (mutual TLS)"`
}

func run(ctx context.Context, args []string, stderr io.Writer) int {
	var cfg Config
	_, err := config.Load(&cfg, args, config.Options{
		Command:   "baseline",
		Usage:     "usage: baseline [flags]\n\nServe the benchmark's baseline chaincode (one PutState per transaction).\n",
		LookupEnv: os.LookupEnv,
		Output:    stderr,
	})
	if err != nil {
		return config.ExitCode(err, stderr, "baseline")
	}
	fmt.Fprintf(stderr, "baseline: serving %s on %s\n", cfg.ID, cfg.Address)
	err = chaincode.Serve(ctx, chaincode.Service{ID: cfg.ID, Address: cfg.Address, TLSCert: cfg.TLSCert, TLSKey: cfg.TLSKey, TLSClientCA: cfg.TLSClientCA}, baseline{})
	switch {
	case errors.Is(err, chaincode.ErrServiceConfig):
		fmt.Fprintln(stderr, "baseline:", err)
		return 2
	case err != nil:
		fmt.Fprintln(stderr, "baseline:", err)
		return 1
	}
	return 0
}

// baseline is the chaincode: no framework (contractapi), no JSON, so that
// a Put costs Fabric's own work and nothing more.
type baseline struct{}

func (baseline) Init(shim.ChaincodeStubInterface) *peer.Response { return shim.Success(nil) }

func (baseline) Invoke(stub shim.ChaincodeStubInterface) *peer.Response {
	fn, args := stub.GetFunctionAndParameters()
	switch fn {
	case "Put":
		if len(args) != 2 || args[0] == "" {
			return shim.Error("Put takes a non-empty key and a value")
		}
		if err := stub.PutState(args[0], []byte(args[1])); err != nil {
			return shim.Error("put " + args[0] + ": " + err.Error())
		}
		return shim.Success(nil)
	case "Get":
		if len(args) != 1 {
			return shim.Error("Get takes a key")
		}
		v, err := stub.GetState(args[0])
		if err != nil {
			return shim.Error("get " + args[0] + ": " + err.Error())
		}
		return shim.Success(v)
	default:
		return shim.Error(fmt.Sprintf("unknown function %q: want Put or Get", fn))
	}
}
