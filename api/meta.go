package api

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/grantledger/grantledger/ledger"
)

// health handles /healthz and /readyz.
type health struct {
	ids     Identities
	user    string
	timeout time.Duration
}

// Status is the body of /healthz and /readyz.
type Status struct {
	Status string `json:"status"`
	// Authority is the data authority's MSP ID, as the contract reports it.
	Authority string `json:"authority,omitempty"`
}

// alive answers while the process serves HTTP.
func (h health) alive(c *gin.Context) error {
	c.JSON(http.StatusOK, Status{Status: "ok"})
	return nil
}

// ready answers 200 when the organisation's peer answers a query of the
// contract (GetConfig) within the readiness timeout, 503 otherwise.
func (h health) ready(c *gin.Context) error {
	ctx, cancel := context.WithTimeout(c.Request.Context(), h.timeout)
	defer cancel()
	l, err := narrow[ConfigLedger](ctx, h.ids, h.user)
	if err != nil {
		return fmt.Errorf("%w: identity %s: %w", errNotReady, h.user, err)
	}
	cfg, err := l.GetConfig(ctx)
	if err != nil {
		_, code := errorStatus(err)
		return fmt.Errorf("%w: the ledger did not answer (%s): %w", errNotReady, code, err)
	}
	c.JSON(http.StatusOK, Status{Status: "ready", Authority: cfg.AuthorityMSP})
	return nil
}

// Identity is the body of GET /v1/me: who the token acts as.
type Identity struct {
	// Org and User name the identity the token maps to.
	Org  string `json:"org"`
	User string `json:"user"`
	// Caller is that identity as the contract sees it: MSP, client
	// identity and registered role.
	Caller *ledger.Actor `json:"caller"`
}

// meta handles /v1/me and /v1/config.
type meta struct {
	group[MetaLedger]
	org string
}

func (h meta) me(c *gin.Context) error {
	l, err := h.ledger(c)
	if err != nil {
		return err
	}
	caller, err := l.WhoAmI(c.Request.Context())
	return h.reply(c, http.StatusOK, Identity{Org: h.org, User: c.GetString(ctxUser), Caller: caller}, err)
}

func (h meta) config(c *gin.Context) error {
	l, err := h.ledger(c)
	if err != nil {
		return err
	}
	cfg, err := l.GetConfig(c.Request.Context())
	return h.reply(c, http.StatusOK, cfg, err)
}
