package api

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

// Middleware is the request handling every grantledger HTTP service
// shares — the API and the anchoring service (package anchor): request IDs,
// one log line per request, panics, body limits, bearer tokens, deadlines
// and the answer to an error. Each service builds one for its own server.
type Middleware struct {
	// Org is the organisation's MSP ID, written in request logs.
	Org string
	Log *slog.Logger
	// Tokens maps bearer tokens to the organisation's users.
	Tokens TokenChecker
	// NewID makes a request ID when the client sent none worth keeping.
	NewID   func() string
	MaxBody int64
	// Timeout is the deadline of every request Deadline is on.
	Timeout time.Duration
	// Quiet routes (health checks, metrics) are logged at debug level
	// when they succeed.
	Quiet []string
}

// RequestIDOf is the ID of the request, for logs and error bodies.
func RequestIDOf(c *gin.Context) string { return c.GetString(ctxRequestID) }

// UserOf is the user the request was authenticated as ("" before
// Authenticate).
func UserOf(c *gin.Context) string { return c.GetString(ctxUser) }

// RequestID takes the client's X-Request-ID when it is a sane token, or
// makes one, and echoes it on the response.
func (m Middleware) RequestID(c *gin.Context) {
	id := c.GetHeader("X-Request-ID")
	if !validRequestID(id) {
		id = m.NewID()
	}
	c.Set(ctxRequestID, id)
	c.Header("X-Request-ID", id)
	c.Next()
}

func validRequestID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		ch := id[i]
		if !(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || strings.IndexByte("-_.:", ch) >= 0) {
			return false
		}
	}
	return true
}

// LogRequests writes one JSON line per request: who (org, user), what
// (method, route, path), the outcome (status, error code) and how long it
// took. 5xx are logged at error level with the error's full text, which the
// response never shows.
func (m Middleware) LogRequests(c *gin.Context) {
	start := time.Now()
	c.Next()
	status := c.Writer.Status()
	attrs := []slog.Attr{
		slog.String("request_id", c.GetString(ctxRequestID)),
		slog.String("org", m.Org),
		slog.String("user", c.GetString(ctxUser)),
		slog.String("method", c.Request.Method),
		slog.String("route", c.FullPath()),
		slog.String("path", c.Request.URL.Path),
		slog.Int("status", status),
		slog.Int("bytes", c.Writer.Size()),
		slog.Duration("duration", time.Since(start)),
		slog.String("remote", c.ClientIP()),
	}
	level := slog.LevelInfo
	if v, ok := c.Get(ctxError); ok {
		if err, ok := v.(error); ok {
			attrs = append(attrs, slog.String("error", err.Error()))
		}
	}
	switch {
	case status >= 500 && c.FullPath() != "/readyz": // a peer not ready yet is no error of ours
		level = slog.LevelError
	case status >= 400:
		level = slog.LevelWarn
	case slices.Contains(m.Quiet, c.FullPath()):
		level = slog.LevelDebug
	}
	m.Log.LogAttrs(c.Request.Context(), level, "request", attrs...)
}

// RecoverPanics turns a panic in a handler into a 500 whose body says
// nothing of it; the log has the value and the stack.
func (m Middleware) RecoverPanics(c *gin.Context) {
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		m.Log.Error("panic", "request_id", c.GetString(ctxRequestID), "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
		_ = c.Error(fmt.Errorf("%w: %v", errPanic, v))
		c.Abort()
	}()
	c.Next()
}

// LimitBody refuses bodies larger than the limit: at once when
// Content-Length says so, otherwise when reading passes it.
func (m Middleware) LimitBody(c *gin.Context) {
	if c.Request.ContentLength > m.MaxBody {
		_ = c.Error(fmt.Errorf("%w: %d bytes, at most %d allowed", errTooLarge, c.Request.ContentLength, m.MaxBody))
		c.Abort()
		return
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, m.MaxBody)
	c.Next()
}

// Authenticate maps the bearer token to one of the organisation's users,
// whose Fabric identity the request then runs as.
func (m Middleware) Authenticate(c *gin.Context) {
	scheme, token, ok := strings.Cut(c.GetHeader("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		_ = c.Error(fmt.Errorf("%w: send Authorization: Bearer <token>", errUnauthenticated))
		c.Abort()
		return
	}
	user, ok := m.Tokens.User(strings.TrimSpace(token))
	if !ok {
		_ = c.Error(fmt.Errorf("%w: the bearer token is not valid", errUnauthenticated))
		c.Abort()
		return
	}
	c.Set(ctxUser, user)
	c.Next()
}

// Deadline bounds the request; the context flows into every ledger call.
func (m Middleware) Deadline(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), m.Timeout)
	defer cancel()
	c.Request = c.Request.WithContext(ctx)
	c.Next()
}

// HandleErrors answers the error a handler or middleware recorded, once
// everything else has run (renderError).
func (m Middleware) HandleErrors(c *gin.Context) {
	c.Next()
	renderError(c)
}

// NoRoute answers a path no route serves.
func NoRoute(c *gin.Context) {
	_ = c.Error(fmt.Errorf("%w: %s %s", errRouteNotFound, c.Request.Method, c.Request.URL.Path))
}

// NoMethod answers a method the path does not allow.
func NoMethod(c *gin.Context) {
	_ = c.Error(fmt.Errorf("%w: %s %s", errMethodNotAllowed, c.Request.Method, c.Request.URL.Path))
}
