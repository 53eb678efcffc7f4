// Command grantledger-cc serves the grantledger contract as an external
// chaincode service (chaincode-as-a-service): the peers dial it at the
// address in the package's connection.json.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/grantledger/grantledger/chaincode"
	"github.com/grantledger/grantledger/internal/config"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stderr))
}

// Config is grantledger-cc's whole configuration, loaded by loadConfig
// (package internal/config): flags over environment over defaults; no
// config file. The peers' tooling (network/chaincode.go) sets the
// environment variables.
type Config struct {
	ID      string `flag:"id" env:"CHAINCODE_ID" required:"true" usage:"chaincode package ID (required)"`
	Address string `flag:"address" env:"CHAINCODE_SERVER_ADDRESS" default:"127.0.0.1:7999" usage:"listen address"`
	TLSCert string `flag:"tls-cert" env:"CHAINCODE_TLS_CERT_FILE" usage:"PEM TLS certificate; empty serves without TLS"`
	TLSKey  string `flag:"tls-key" env:"CHAINCODE_TLS_KEY_FILE" secret:"true" usage:"PEM TLS private key"`
	// TLSClientCA makes TLS mutual: only a peer holding a client
	// certificate of this CA (its own organisation's) may call the service.
	TLSClientCA string `flag:"tls-client-ca" env:"CHAINCODE_TLS_CLIENT_CA_FILE" usage:"PEM CA certificate(s) of the clients allowed; set, the service requires client certificates (mutual TLS)"`
	// AuthorityMSP binds Bootstrap to the authority named when the network
	// was set up: no other organisation can make itself the authority.
	AuthorityMSP string `flag:"authority" env:"GRANTLEDGER_AUTHORITY_MSP" required:"true" usage:"the data authority's MSP ID, from the network's topology (required)"`
}

// Validate refuses a client CA without a server certificate.
func (c *Config) Validate() error {
	if c.TLSClientCA != "" && c.TLSCert == "" {
		return config.Invalid("tls-client-ca", "needs -tls-cert and -tls-key: mutual TLS is TLS")
	}
	return nil
}

// configOptions say where grantledger-cc reads its settings.
func configOptions(lookupEnv func(string) (string, bool), stderr io.Writer) config.Options {
	return config.Options{
		Command:   "grantledger-cc",
		Usage:     "usage: grantledger-cc [flags]\n\nServe the grantledger contract as an external chaincode service.\n",
		LookupEnv: lookupEnv,
		Output:    stderr,
	}
}

func run(ctx context.Context, args []string, stderr io.Writer) int {
	var cfg Config
	if _, err := config.Load(&cfg, args, configOptions(os.LookupEnv, stderr)); err != nil {
		return config.ExitCode(err, stderr, "grantledger-cc")
	}
	cc, err := chaincode.NewChaincode(chaincode.WithAuthority(cfg.AuthorityMSP))
	if err != nil {
		fmt.Fprintln(stderr, "grantledger-cc:", err)
		return 1
	}
	fmt.Fprintf(stderr, "grantledger-cc: serving %s on %s\n", cfg.ID, cfg.Address)
	err = chaincode.Serve(ctx, chaincode.Service{ID: cfg.ID, Address: cfg.Address, TLSCert: cfg.TLSCert, TLSKey: cfg.TLSKey, TLSClientCA: cfg.TLSClientCA}, cc)
	switch {
	case errors.Is(err, chaincode.ErrServiceConfig):
		fmt.Fprintln(stderr, "grantledger-cc:", err)
		return 2
	case err != nil:
		fmt.Fprintln(stderr, "grantledger-cc:", err)
		return 1
	}
	return 0
}
