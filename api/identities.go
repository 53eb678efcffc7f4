package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
)

// Connect connects one user of the organisation to the ledger.
type Connect func(ctx context.Context, user string) (Ledger, error)

// Pool is Identities over a Connect function: each user is connected on
// first use, once, and the connection reused by every later request of that
// user. Only the users it was made with can be connected. It is safe for
// concurrent use.
type Pool struct {
	connect Connect
	users   []string

	mu      sync.Mutex
	ledgers map[string]Ledger
}

// NewPool returns a Pool for the given users.
func NewPool(users []string, connect Connect) *Pool {
	return &Pool{connect: connect, users: slices.Clone(users), ledgers: map[string]Ledger{}}
}

// As returns the ledger as user, connecting the user on first use. A failed
// connection is not kept: the next request tries again.
func (p *Pool) As(ctx context.Context, user string) (Ledger, error) {
	if !slices.Contains(p.users, user) {
		return nil, fmt.Errorf("%w %q", errUnknownIdentity, user)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if l, ok := p.ledgers[user]; ok {
		return l, nil
	}
	l, err := p.connect(ctx, user)
	if err != nil {
		return nil, fmt.Errorf("connect user %s: %w", user, err)
	}
	p.ledgers[user] = l
	return l, nil
}

// Close closes every connection that can be closed.
func (p *Pool) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	var errs []error
	for user, l := range p.ledgers {
		if c, ok := l.(io.Closer); ok {
			if err := c.Close(); err != nil {
				errs = append(errs, fmt.Errorf("close user %s: %w", user, err))
			}
		}
		delete(p.ledgers, user)
	}
	return errors.Join(errs...)
}
