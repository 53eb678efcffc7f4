package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/grantledger/grantledger/client"
	"github.com/grantledger/grantledger/ledger"
)

// handler answers one request, or returns why it could not. It never
// writes an error itself: serve does, so that every failure goes through
// the one error table (errorStatus).
type handler func(c *gin.Context) error

// serve adapts a handler to gin: a returned error is recorded on the
// context, where handleErrors (or, for a POST with an Idempotency-Key, the
// idempotency layer, which stores the answer) turns it into the response.
func serve(h handler) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := h(c); err != nil {
			_ = c.Error(err)
		}
	}
}

// narrow asks Identities for the ledger as user and narrows it to L, the
// part of the ledger one handler group uses. Ledger embeds every such
// part, so the narrowing fails only for a group whose interface is not
// part of Ledger: a programming error, answered as an internal error.
func narrow[L any](ctx context.Context, ids Identities, user string) (L, error) {
	var none L
	whole, err := ids.As(ctx, user)
	if err != nil {
		return none, err
	}
	part, ok := whole.(L)
	if !ok {
		return none, fmt.Errorf("ledger as %s: %T does not provide %v", user, whole, reflect.TypeFor[L]())
	}
	return part, nil
}

// group is what the handlers of one concept hold: the identities to call
// the ledger as, narrowed to L (the part of the ledger the group uses),
// the binder and the metrics.
type group[L any] struct {
	ids  Identities
	bind binder
	m    *metrics
}

func newGroup[L any](s *Server) group[L] { return group[L]{ids: s.ids, bind: s.bind, m: s.m} }

// ledger returns the group's part of the ledger as the request's user and
// starts the clock of the ledger call that reply counts.
func (g group[L]) ledger(c *gin.Context) (L, error) {
	l, err := narrow[L](c.Request.Context(), g.ids, c.GetString(ctxUser))
	if err != nil {
		return l, err
	}
	c.Set(ctxLedgerStart, time.Now())
	return l, nil
}

// withBody decodes the request body into dst, then returns the ledger.
func (g group[L]) withBody(c *gin.Context, dst any) (L, error) {
	if err := g.bind.decodeJSON(c.Request, dst); err != nil {
		var none L
		return none, err
	}
	return g.ledger(c)
}

// byID reads the object ID the path names, then returns the ledger.
func (g group[L]) byID(c *gin.Context, id pathParam) (L, string, error) {
	key, err := id(c)
	if err != nil {
		var none L
		return none, "", err
	}
	l, err := g.ledger(c)
	return l, key, err
}

// byIDWithBody reads the object ID the path names and decodes the request
// body into dst, then returns the ledger.
func (g group[L]) byIDWithBody(c *gin.Context, id pathParam, dst any) (L, string, error) {
	key, err := id(c)
	if err == nil {
		err = g.bind.decodeJSON(c.Request, dst)
	}
	if err != nil {
		var none L
		return none, "", err
	}
	l, err := g.ledger(c)
	return l, key, err
}

// listing reads a list's query string (pageSize, bookmark, one filter),
// then returns the ledger.
func (g group[L]) listing(c *gin.Context) (L, ledger.Query, error) {
	q, err := bindQuery(c)
	if err != nil {
		var none L
		return none, q, err
	}
	l, err := g.ledger(c)
	return l, q, err
}

// reply counts the ledger call the handler made since ledger() and answers
// v with status, or returns the call's error.
func (g group[L]) reply(c *gin.Context, status int, v any, err error) error {
	g.observe(c, err)
	if err != nil {
		return err
	}
	c.JSON(status, v)
	return nil
}

// created answers 201 with the new object and its location.
func (g group[L]) created(c *gin.Context, location string, v any, err error) error {
	if err == nil {
		c.Header("Location", location)
	}
	return g.reply(c, http.StatusCreated, v, err)
}

// observe counts the ledger call the handler made since ledger().
func (g group[L]) observe(c *gin.Context, err error) {
	if start, ok := c.Get(ctxLedgerStart); ok {
		if t, ok := start.(time.Time); ok {
			g.m.ledgerCall(c.GetString(ctxOp), t, err)
		}
	}
}

// The handlers of most routes differ only in the ledger method they call:
// read, list and the changes that take the object's ID and at most a
// reason. They are built from the method (a method expression such as
// DatasetLedger.GetDataset) by the functions below.

// byIDCall is a ledger method that takes the object's ID.
type byIDCall[L, T any] func(l L, ctx context.Context, id string) (T, error)

// reasonCall is a ledger method that takes the object's ID and a reason.
type reasonCall[L, T any] func(l L, ctx context.Context, id, reason string) (T, error)

// listCall is a ledger method that reads one page of a list.
type listCall[L, T any] func(l L, ctx context.Context, q ledger.Query) (T, error)

// bodyCall is a ledger method that takes the object's ID and a request.
type bodyCall[L, Q, T any] func(l L, ctx context.Context, id string, req Q) (T, error)

// privateBody is the body of a route that attaches an object's private
// part: it gives the ledger's request, or the refusal the contract would
// answer for sure, so that nothing is sent that cannot be recorded.
type privateBody[Q any] interface {
	attachment() (Q, error)
}

// answerAttach answers 200 with what call returns for the object the path
// names and the private part in the body (R decodes it).
func answerAttach[R privateBody[Q], Q, L, T any](g group[L], id pathParam, call bodyCall[L, Q, T]) handler {
	return func(c *gin.Context) error {
		var req R
		l, key, err := g.byIDWithBody(c, id, &req)
		if err != nil {
			return err
		}
		q, err := req.attachment()
		if err != nil {
			return err
		}
		v, err := call(l, c.Request.Context(), key, q)
		return g.reply(c, http.StatusOK, v, err)
	}
}

// createThenAttach answers a creation whose body holds private fields,
// which the contract takes in a transaction of their own (Attach…): create
// records the public object, then attach the private part, and the answer
// is 201 with what attach returns, the object as the caller may read it.
// The handler refuses beforehand what attach would refuse for sure, so
// that a refused request records nothing. When create succeeds and attach
// fails, the answer is attach's error (its status and message): the
// object exists without its private part, which the caller attaches with
// POST attachPath; the error as logged says so.
func createThenAttach[L, P, T any](g group[L], c *gin.Context, location, attachPath string, create func() (P, error), attach func() (T, error)) error {
	if _, err := create(); err != nil {
		g.observe(c, err)
		return err
	}
	v, err := attach()
	// attach is endorsed by the peers of the private part's collection;
	// one of them may not have committed create's block yet (create waited
	// for its own peer only) and answer that the object does not exist.
	// It exists: attach again once that peer has caught up, a block or two.
	for pause := attachCatchUp; err != nil && errors.Is(err, client.ErrNotFound) && pause <= 4*attachCatchUp; pause *= 2 {
		if sleepCtx(c.Request.Context(), pause) != nil {
			break
		}
		v, err = attach()
	}
	if err != nil {
		err = fmt.Errorf("%s recorded without its private part; attach it with POST %s: %w", location, attachPath, err)
	}
	return g.created(c, location, v, err)
}

// attachCatchUp is the first pause before attach is sent again for a peer
// behind by a block: about a block's cut (250 ms) and commit; it doubles,
// three attempts more at most (1.75 s in all).
const attachCatchUp = 250 * time.Millisecond

// sleepCtx waits for d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// answerByID answers 200 with what call returns for the object the path
// names: a read, or a change that needs no body.
func answerByID[L, T any](g group[L], id pathParam, call byIDCall[L, T]) handler {
	return func(c *gin.Context) error {
		l, key, err := g.byID(c, id)
		if err != nil {
			return err
		}
		v, err := call(l, c.Request.Context(), key)
		return g.reply(c, http.StatusOK, v, err)
	}
}

// answerWithReason answers 200 with what call returns for the object the
// path names and the reason in the body; R (reasonRequest or
// optionalReasonRequest) says whether the reason is required.
func answerWithReason[R reasonBody, L, T any](g group[L], id pathParam, call reasonCall[L, T]) handler {
	return func(c *gin.Context) error {
		var req R
		l, key, err := g.byIDWithBody(c, id, &req)
		if err != nil {
			return err
		}
		v, err := call(l, c.Request.Context(), key, req.reason())
		return g.reply(c, http.StatusOK, v, err)
	}
}

// answerList answers 200 with one page of a list, read with the route's
// query string.
func answerList[L, T any](g group[L], call listCall[L, T]) handler {
	return func(c *gin.Context) error {
		l, q, err := g.listing(c)
		if err != nil {
			return err
		}
		v, err := call(l, c.Request.Context(), q)
		return g.reply(c, http.StatusOK, v, err)
	}
}

// reasonRequest carries the reason a change needs.
type reasonRequest struct {
	Reason string `json:"reason" binding:"required,max=2000"`
}

// optionalReasonRequest carries the reason a change may give.
type optionalReasonRequest struct {
	Reason string `json:"reason" binding:"max=2000"`
}

// reasonBody is the body of a change that carries a reason.
type reasonBody interface {
	reasonRequest | optionalReasonRequest
	reason() string
}

func (r reasonRequest) reason() string         { return r.Reason }
func (r optionalReasonRequest) reason() string { return r.Reason }
