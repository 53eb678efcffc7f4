// Command grantledger-cc serves the grantledger contract as an external
// chaincode service (chaincode-as-a-service): the peers dial it at the
// address in the package's connection.json.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/hyperledger/fabric-chaincode-go/v2/shim"

	"github.com/grantledger/grantledger/chaincode"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stderr))
}

func run(ctx context.Context, args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("grantledger-cc", flag.ContinueOnError)
	fs.SetOutput(stderr)
	id := fs.String("id", os.Getenv("CHAINCODE_ID"), "chaincode package ID (env CHAINCODE_ID)")
	addr := fs.String("address", envOr("CHAINCODE_SERVER_ADDRESS", "127.0.0.1:7999"), "listen address (env CHAINCODE_SERVER_ADDRESS)")
	certFile := fs.String("tls-cert", os.Getenv("CHAINCODE_TLS_CERT_FILE"), "PEM TLS certificate; empty serves without TLS (env CHAINCODE_TLS_CERT_FILE)")
	keyFile := fs.String("tls-key", os.Getenv("CHAINCODE_TLS_KEY_FILE"), "PEM TLS private key (env CHAINCODE_TLS_KEY_FILE)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *id == "" {
		fmt.Fprintln(stderr, "grantledger-cc: the package ID is required (-id or CHAINCODE_ID)")
		return 2
	}
	cc, err := chaincode.NewChaincode()
	if err != nil {
		fmt.Fprintln(stderr, "grantledger-cc:", err)
		return 1
	}
	tls := shim.TLSProperties{Disabled: true}
	if *certFile != "" || *keyFile != "" {
		if tls.Cert, err = os.ReadFile(*certFile); err == nil {
			tls.Key, err = os.ReadFile(*keyFile)
		}
		if err != nil {
			fmt.Fprintln(stderr, "grantledger-cc: read TLS key pair:", err)
			return 2
		}
		tls.Disabled = false
	}
	server := &shim.ChaincodeServer{CCID: *id, Address: *addr, CC: cc, TLSProps: tls}
	errc := make(chan error, 1)
	go func() { errc <- server.Start() }()
	fmt.Fprintf(stderr, "grantledger-cc: serving %s on %s\n", *id, *addr)
	select {
	case err := <-errc:
		if err != nil && !errors.Is(err, context.Canceled) {
			fmt.Fprintln(stderr, "grantledger-cc:", err)
			return 1
		}
		return 0
	case <-ctx.Done():
		return 0
	}
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
