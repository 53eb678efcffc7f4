package network

import (
	"context"
	"fmt"
	"time"

	"github.com/grantledger/grantledger/client"
)

// waitEndorsable polls until every organisation's gateway can gather the
// endorsements the chaincode policy needs. A query answering is not enough:
// it runs on the caller's own peer only, while a submission needs the
// gateway's discovery service to know a majority of the organisations'
// peers, which takes gossip a few rounds after the peers join the channel.
// The proposal is endorsed but never submitted, so nothing is recorded.
// WaitEndorsable is waitEndorsable for callers that restarted peers: a
// restarted peer's gateway learns the others' peers again through gossip.
func (n *Network) WaitEndorsable(ctx context.Context) error { return n.waitEndorsable(ctx) }

func (n *Network) waitEndorsable(ctx context.Context) error {
	profile, err := client.LoadProfile(n.ProfilePath())
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	for _, org := range profile.Orgs {
		if err := n.endorsableFrom(ctx, profile, org.MSPID); err != nil {
			return err
		}
	}
	n.logf("every organisation's gateway can gather a majority of endorsements")
	return nil
}

func (n *Network) endorsableFrom(ctx context.Context, profile *client.Profile, org string) error {
	c, err := client.Connect(ctx, profile, org, "Admin")
	if err != nil {
		return err
	}
	defer c.Close()
	for {
		proposal, err := c.Contract().NewProposal("GetConfig")
		if err != nil {
			return fmt.Errorf("endorsement readiness for %s: %w", org, err)
		}
		_, err = proposal.EndorseWithContext(ctx)
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the gateway of %s cannot gather endorsements: %w", org, err)
		case <-time.After(500 * time.Millisecond):
		}
	}
}
