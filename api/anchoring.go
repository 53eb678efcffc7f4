package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/grantledger/grantledger/client"
	"github.com/grantledger/grantledger/ledger"
)

// AnchoringBacklog is the anchoring service's backlog, as glanchor answers
// GET /v1/backlog from its log and the platform's API passes it on (GET
// /v1/anchoring/backlog): the receipts it has acknowledged (202) that the
// contract has not decided yet, and what it has decided.
type AnchoringBacklog struct {
	// Pending counts the receipts acknowledged and not yet anchored or
	// refused: waiting to be cut into a batch, or in the batch in flight.
	// A receipt posted while Pending is MaxBacklog waits (then 503).
	Pending uint64 `json:"pending"`
	// Waiting counts those of Pending not yet cut into a batch.
	Waiting uint64 `json:"waiting"`
	// OldestPending is when the oldest pending receipt was acknowledged;
	// absent when none is pending.
	OldestPending time.Time `json:"oldestPending,omitzero"`
	// InFlight is the batch on its way to the ledger; absent when none is.
	InFlight *BatchInFlight `json:"inFlight,omitempty"`
	// Received counts every receipt acknowledged since the log began;
	// Anchored and Refused those the contract accepted and refused.
	Received uint64 `json:"received"`
	Anchored uint64 `json:"anchored"`
	Refused  uint64 `json:"refused"`
	// MaxBacklog is the service's bound on Pending (glanchor -max-backlog).
	MaxBacklog uint64 `json:"maxBacklog"`
}

// BatchInFlight is a batch cut from the anchoring log and not yet settled.
type BatchInFlight struct {
	ID string `json:"id"`
	// Size is the number of receipts in it.
	Size int `json:"size"`
	// Since is when it was cut, before its first submission.
	Since time.Time `json:"since"`
}

// errNoAnchor answers GET /v1/anchoring/backlog of an API started without
// -anchor-url.
var errNoAnchor = &ServiceError{Status: http.StatusNotFound, Code: "not_found",
	Msg: "this organisation runs no anchoring service (the API was started without -anchor-url)"}

// errAnchoringFailed is the kind of the anchoring service's failures, for
// the OpenAPI document; each answer carries its own message.
var errAnchoringFailed = &ServiceError{Status: http.StatusBadGateway, Code: "anchoring_failed", Msg: "the anchoring service could not be reached, or answered other than 200"}

// anchoring handles /v1/anchoring/…: the organisation's anchoring service
// (glanchor), asked over HTTP with the caller's own bearer token.
type anchoring struct {
	group[ActorLedger]
	// url is the service's base URL; "": none.
	url  string
	http *http.Client
}

// anchoringRoutes are the routes of the anchoring service's backlog.
func anchoringRoutes(an anchoring) []route {
	return []route{
		{Method: http.MethodGet, Path: "/v1/anchoring/backlog", Op: "AnchoringBacklog", Tag: "anchoring", Status: http.StatusOK,
			Response: AnchoringBacklog{}, Handler: an.backlog,
			Errors:  []error{client.ErrForbidden, client.ErrNotFound, errAnchoringFailed},
			Summary: "The organisation's anchoring service's backlog: receipts acknowledged and not yet anchored, the batch in flight, the receipts anchored (platform)"},
	}
}

// backlog answers the anchoring service's backlog to a platform caller.
// The role is the ledger's (WhoAmI), as everywhere. The service is asked
// with the caller's Authorization header: glanchor reads the API's token
// file (network/anchor.go), so the caller's token is one it knows, and the
// API needs no token of its own (it holds only their hashes).
func (h anchoring) backlog(c *gin.Context) error {
	l, err := h.ledger(c)
	if err != nil {
		return err
	}
	caller, err := l.WhoAmI(c.Request.Context())
	h.observe(c, err)
	if err != nil {
		return err
	}
	if caller == nil || caller.Role != ledger.RolePlatform || caller.Individual {
		return fmt.Errorf("%w: only the platform reads its anchoring service's backlog", client.ErrForbidden)
	}
	if h.url == "" {
		return errNoAnchor
	}
	b, err := h.ask(c.Request.Context(), c.GetHeader("Authorization"), c.GetString(ctxRequestID))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, b)
	return nil
}

// ask reads GET /v1/backlog of the anchoring service. Whatever it answers
// but 200 is 502 "anchoring_failed", its words passed on: its 401 above all
// must not reach the portal as the caller's own, which would sign it out.
func (h anchoring) ask(ctx context.Context, authorization, requestID string) (*AnchoringBacklog, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.url+"/v1/backlog", nil)
	if err != nil {
		return nil, fmt.Errorf("ask the anchoring service %s: %w", h.url, err)
	}
	req.Header.Set("Authorization", authorization)
	req.Header.Set("Accept", "application/json")
	// One request ID in both services' logs.
	req.Header.Set("X-Request-ID", requestID)
	res, err := h.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("ask the anchoring service: %v: %w", err,
			&ServiceError{Status: http.StatusBadGateway, Code: "anchoring_failed", Msg: "the anchoring service at " + h.url + " could not be reached"})
	}
	defer func() { _ = res.Body.Close() }()
	raw, err := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	if err != nil {
		return nil, fmt.Errorf("read the anchoring service's answer: %v: %w", err,
			&ServiceError{Status: http.StatusBadGateway, Code: "anchoring_failed", Msg: "the anchoring service's answer was cut off"})
	}
	if res.StatusCode != http.StatusOK {
		var body ErrorBody
		_ = json.Unmarshal(raw, &body)
		msg := fmt.Sprintf("the anchoring service answered %d", res.StatusCode)
		if body.Code != "" {
			msg += " " + body.Code + ": " + body.Message
		}
		if res.StatusCode == http.StatusUnauthorized {
			msg += " (it must read this API's token file: glanchor -tokens)"
		}
		return nil, &ServiceError{Status: http.StatusBadGateway, Code: "anchoring_failed", Msg: msg}
	}
	var b AnchoringBacklog
	if err := json.Unmarshal(raw, &b); err != nil {
		return nil, fmt.Errorf("decode the anchoring service's backlog: %v: %w", err,
			&ServiceError{Status: http.StatusBadGateway, Code: "anchoring_failed", Msg: "the anchoring service answered something other than its backlog"})
	}
	return &b, nil
}

// newAnchorClient is the HTTP client of the anchoring service: the
// request's deadline bounds each call; this bounds a service that accepts
// the connection and never answers, should the deadline be long.
func newAnchorClient(timeout time.Duration) *http.Client {
	return &http.Client{Timeout: timeout, CheckRedirect: func(*http.Request, []*http.Request) error {
		// The caller's token goes to the configured service alone.
		return errors.New("the anchoring service redirected; it is not followed")
	}}
}
