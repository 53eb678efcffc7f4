package chaincode

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
)

// ErrServiceConfig is returned by Serve when the service's own settings
// (its TLS files) cannot be used.
var ErrServiceConfig = errors.New("contract service configuration")

// Service is where and how one organisation's contract service listens:
// its package ID and address, and its TLS key pair and the CA of the peers
// it accepts (mutual TLS when set). Empty TLS files serve without TLS.
type Service struct {
	ID, Address                  string
	TLSCert, TLSKey, TLSClientCA string
}

// Serve serves cc as a chaincode service (chaincode as a service) until
// ctx ends or the server fails.
func Serve(ctx context.Context, s Service, cc shim.Chaincode) error {
	tls := shim.TLSProperties{Disabled: true}
	if s.TLSCert != "" || s.TLSKey != "" {
		var err error
		if tls.Cert, err = os.ReadFile(s.TLSCert); err == nil {
			tls.Key, err = os.ReadFile(s.TLSKey)
		}
		if err != nil {
			return fmt.Errorf("%w: read TLS key pair: %w", ErrServiceConfig, err)
		}
		tls.Disabled = false
	}
	if s.TLSClientCA != "" {
		var err error
		if tls.ClientCACerts, err = os.ReadFile(s.TLSClientCA); err != nil {
			return fmt.Errorf("%w: read TLS client CA: %w", ErrServiceConfig, err)
		}
	}
	server := &shim.ChaincodeServer{CCID: s.ID, Address: s.Address, CC: cc, TLSProps: tls}
	errc := make(chan error, 1)
	go func() { errc <- server.Start() }()
	select {
	case err := <-errc:
		if err != nil && !errors.Is(err, context.Canceled) {
			return fmt.Errorf("serve %s on %s: %w", s.ID, s.Address, err)
		}
		return nil
	case <-ctx.Done():
		return nil
	}
}
