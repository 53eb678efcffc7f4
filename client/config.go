package client

// The channel's configuration: which organisation is the data authority
// (数据主管部门). WhoAmI, the caller's own view of itself, is in participant.go
// like the contract's.

import "context"

// Config is the contract's bootstrap configuration.
type Config struct {
	// AuthorityMSP is the MSP ID of the data authority (数据主管部门).
	AuthorityMSP string `json:"authorityMsp"`
}

// Bootstrap fixes the data authority of the channel. It must be submitted by
// an identity of that authority; repeating it with the same authority is
// accepted, with another one is ErrConflict.
func (c *Client) Bootstrap(ctx context.Context, authorityMSP string) error {
	_, err := c.submit(ctx, "Bootstrap", authorityMSP)
	return err
}

// GetConfig returns the bootstrap configuration.
func (c *Client) GetConfig(ctx context.Context) (*Config, error) {
	return evaluateArgs[Config](ctx, c, "GetConfig")
}
