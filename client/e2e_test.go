//go:build e2e

package client_test

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/grantledger/grantledger/client"
)

// e2eProfile loads the profile of the running network named by
// GRANTLEDGER_PROFILE. A run with the e2e tag that has no network fails.
func e2eProfile(t *testing.T) *client.Profile {
	t.Helper()
	path := os.Getenv("GRANTLEDGER_PROFILE")
	if path == "" {
		t.Fatal("GRANTLEDGER_PROFILE is not set: the e2e tests need a running network's profile (var/network.json)")
	}
	p, err := client.LoadProfile(path)
	if err != nil {
		t.Fatalf("LoadProfile() error = %v", err)
	}
	return p
}

func TestE2EConfigAndBootstrap(t *testing.T) {
	p := e2eProfile(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	var authority string
	for _, o := range p.Orgs {
		t.Run(o.Name+"/GetConfig", func(t *testing.T) {
			c, err := client.Connect(ctx, p, o.MSPID, o.Users[len(o.Users)-1].Name)
			if err != nil {
				t.Fatalf("Connect() error = %v", err)
			}
			defer c.Close()
			cfg, err := c.GetConfig(ctx)
			if err != nil {
				t.Fatalf("GetConfig() error = %v", err)
			}
			if cfg.AuthorityMSP == "" {
				t.Fatalf("GetConfig() = %+v, want the bootstrapped authority", cfg)
			}
			authority = cfg.AuthorityMSP
		})
	}
	if authority == "" {
		t.Fatal("no organisation could read the configuration")
	}
	for _, o := range p.Orgs {
		t.Run(o.Name+"/Bootstrap", func(t *testing.T) {
			c, err := client.Connect(ctx, p, o.MSPID, "Admin")
			if err != nil {
				t.Fatalf("Connect() error = %v", err)
			}
			defer c.Close()
			err = c.Bootstrap(ctx, authority)
			switch {
			case o.MSPID == authority && err != nil:
				t.Errorf("Bootstrap(%s) by the authority = %v, want nil (repeating it is accepted)", authority, err)
			case o.MSPID != authority && !errors.Is(err, client.ErrForbidden):
				t.Errorf("Bootstrap(%s) by %s = %v, want ErrForbidden", authority, o.MSPID, err)
			}
		})
	}
}
