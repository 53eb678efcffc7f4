package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/grantledger/grantledger/ledger"
	lt "github.com/grantledger/grantledger/ledger/ledgertest"
)

// The examples run against sandbox: the gateway peer of one organisation,
// in this process, with the real contract on an in-memory ledger. Against a
// running network, load its profile instead (var/network.json after
// `make up`).

// Connect the authority's Admin to its organisation's gateway peer as the
// profile describes it, fix the channel's authority and ask who the caller
// is.
func ExampleConnect() {
	profilePath, stop := sandbox()
	defer stop()
	ctx := context.Background()

	profile, err := LoadProfile(profilePath)
	if err != nil {
		log.Fatal(err)
	}
	// The organisation by short name or MSP ID, the user by name; the
	// options are optional.
	c, err := Connect(ctx, profile, "authority", "Admin",
		WithTimeouts(Timeouts{CommitStatus: 30 * time.Second}),
		WithRetry(Retry{MaxAttempts: 3}))
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	if err := c.Bootstrap(ctx, "AuthorityMSP"); err != nil {
		log.Fatal(err)
	}
	me, err := c.WhoAmI(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(me.MSP, me.Role)
	// Output:
	// AuthorityMSP authority
}

// Register a data provider: the call returns once the transaction is
// committed. Registering it again is refused with an error of kind
// ErrConflict, and nothing is recorded.
func ExampleClient_RegisterParticipant() {
	c, stop := sandboxClient()
	defer stop()
	ctx := context.Background()
	if err := c.Bootstrap(ctx, "AuthorityMSP"); err != nil {
		log.Fatal(err)
	}

	req := ledger.ParticipantRequest{MSP: "HealthMSP", Role: ledger.RoleProvider, Name: "Health Commission"}
	p, err := c.RegisterParticipant(ctx, req)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s registered as %s by %s at %s\n", p.MSP, p.Role, p.Created.MSP, p.Created.Time.Format(time.DateTime))

	_, err = c.RegisterParticipant(ctx, req)
	var e *Error
	if errors.As(err, &e) {
		fmt.Println(e.Op, errors.Is(err, ErrConflict), e.Message)
	}
	// Output:
	// HealthMSP registered as provider by AuthorityMSP at 2025-01-01 00:00:01
	// RegisterParticipant true register participant HealthMSP: HealthMSP is already registered as provider
}

// Follow the contract's events with a checkpoint file: each event is
// acknowledged once handled, and a follower restarted on the same file
// resumes after the last acknowledged one.
func ExampleClient_FollowEvents() {
	c, stop := sandboxClient()
	defer stop()
	ctx := context.Background()
	if err := c.Bootstrap(ctx, "AuthorityMSP"); err != nil {
		log.Fatal(err)
	}
	for _, msp := range []string{"HealthMSP", "MarketMSP"} {
		req := ledger.ParticipantRequest{MSP: msp, Role: ledger.RoleProvider, Name: msp}
		if _, err := c.RegisterParticipant(ctx, req); err != nil {
			log.Fatal(err)
		}
	}
	dir, err := os.MkdirTemp("", "grantledger-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	checkpoint := filepath.Join(dir, "events.checkpoint")

	// follow handles n events, then stops the follower.
	follow := func(n int) {
		ctx, cancel := context.WithCancel(ctx)
		events, err := c.FollowEvents(ctx, checkpoint)
		if err != nil {
			log.Fatal(err)
		}
		for range n {
			e := <-events
			fmt.Println(e.BlockNumber, e.Name, e.ID, "by", e.Actor)
			if err := e.Ack(); err != nil { // the checkpoint is now past e
				log.Fatal(err)
			}
		}
		cancel()
		for range events { // wait until the follower has let go of the file
		}
	}
	follow(2)
	fmt.Println("restart")
	follow(1)
	// Output:
	// 1 config.bootstrapped config by AuthorityMSP
	// 2 participant.registered HealthMSP by AuthorityMSP
	// restart
	// 3 participant.registered MarketMSP by AuthorityMSP
}

// Read the contract's events from a block on, without a checkpoint: the
// caller keeps its own position.
func ExampleClient_ChaincodeEvents() {
	c, stop := sandboxClient()
	defer stop()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := c.Bootstrap(ctx, "AuthorityMSP"); err != nil {
		log.Fatal(err)
	}
	req := ledger.ParticipantRequest{MSP: "HealthMSP", Role: ledger.RoleProvider, Name: "Health Commission"}
	if _, err := c.RegisterParticipant(ctx, req); err != nil {
		log.Fatal(err)
	}

	start := uint64(2)
	events, err := c.ChaincodeEvents(ctx, &start)
	if err != nil {
		log.Fatal(err)
	}
	e := <-events
	fmt.Println(e.BlockNumber, e.Name)
	cancel() // closes events
	// Output:
	// 2 participant.registered
}

// sandbox starts the gateway peer of one organisation (authority,
// AuthorityMSP) with the grantledger contract on an in-memory ledger whose
// clock starts at 2025-01-01 00:00 UTC and moves one second per commit,
// reached over TLS on 127.0.0.1. It writes the profile describing it, with
// Admin's certificate and key, to a temporary directory, and returns the
// profile's path and stop, which stops the peer and removes the directory.
func sandbox() (profilePath string, stop func()) {
	dir, err := os.MkdirTemp("", "grantledger-sandbox-")
	if err != nil {
		panic(err)
	}
	gw, err := startContract(lt.T0)
	if err != nil {
		panic(err)
	}
	profile, stopPeer, err := serveTLS(gw, "peer0.authority.example.com", dir)
	if err != nil {
		panic(err)
	}
	raw, err := json.MarshalIndent(profile, "", "  ")
	if err != nil {
		panic(err)
	}
	profilePath = filepath.Join(dir, "network.json")
	if err := os.WriteFile(profilePath, raw, 0o600); err != nil {
		panic(err)
	}
	return profilePath, func() {
		stopPeer()
		_ = os.RemoveAll(dir)
	}
}

// sandboxClient connects the authority's Admin to a new sandbox as
// ExampleConnect does; stop closes the client and the sandbox.
func sandboxClient() (c *Client, stop func()) {
	profilePath, stopSandbox := sandbox()
	profile, err := LoadProfile(profilePath)
	if err != nil {
		panic(err)
	}
	c, err = Connect(context.Background(), profile, "authority", "Admin")
	if err != nil {
		panic(err)
	}
	return c, func() {
		_ = c.Close()
		stopSandbox()
	}
}
