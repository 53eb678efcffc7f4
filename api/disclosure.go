package api

import (
	"container/list"
	"fmt"
	"io/fs"
	"math"
	"net/http"
	"net/netip"
	"path"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"

	"github.com/grantledger/grantledger/client"
)

// The public disclosure (公开结果) is readable by anyone, without a token:
// GET /v1/disclosure/… answers the contract's disclosure queries, which
// show public fields only, so the answer is the same whoever asks. The API
// runs them as one fixed identity of its own organisation, the public
// identity (Options.PublicUser), whatever the request carries: a token is
// neither needed nor used. Only these four queries run as that identity:
// their handlers hold the ledger narrowed to DisclosureLedger, nothing
// else. Anonymous requests are limited per client address (PublicLimits).
// GET /public is a page (公开信息, HTML) that reads them.

// Defaults of the per-address limits of the public disclosure
// grantledger-api applies (its -public-* settings; docs/config.md says
// why these values), and of the addresses remembered.
const (
	DefaultPublicRate      = 10.0
	DefaultPublicBurst     = 20
	DefaultPublicAddresses = 10000
)

// PublicLimits bound what one client address may ask of the public
// disclosure. A zero Rate sets no limit (grantledger-api sets
// DefaultPublicRate and DefaultPublicBurst unless told otherwise).
type PublicLimits struct {
	// Rate is the requests a second one address may make, on average (a
	// token bucket refilled at this rate).
	Rate float64
	// Burst is how many requests an address may make at once; zero with a
	// Rate: the Rate rounded up.
	Burst int
	// Addresses is how many client addresses are remembered at most;
	// zero: DefaultPublicAddresses. An address idle long enough for its
	// bucket to fill again is forgotten first (nothing is lost: it would
	// get a full bucket anyway); beyond the bound, the least recently
	// seen is.
	Addresses int
}

// check refuses limits that cannot work.
func (l PublicLimits) check() error {
	switch {
	case l.Rate < 0 || math.IsNaN(l.Rate) || math.IsInf(l.Rate, 0):
		return fmt.Errorf("public rate %v is not a finite number of requests a second, 0 or more", l.Rate)
	case l.Burst < 0:
		return fmt.Errorf("public burst %d is negative", l.Burst)
	case l.Addresses < 0:
		return fmt.Errorf("public addresses %d is negative", l.Addresses)
	}
	return nil
}

// addressLimits applies PublicLimits: a token bucket per client address,
// at most Addresses of them, the most recently seen first. It is safe for
// concurrent use.
type addressLimits struct {
	PublicLimits
	now func() time.Time
	// refill is how long an empty bucket takes to fill: an address idle
	// that long is forgotten without loss.
	refill time.Duration

	mu     sync.Mutex
	recent *list.List // of *addressBucket, most recently seen first
	byKey  map[string]*list.Element
}

// addressBucket is the bucket of one address and when it was last seen.
type addressBucket struct {
	key  string
	lim  *rate.Limiter
	seen time.Time
}

func newAddressLimits(l PublicLimits, now func() time.Time) *addressLimits {
	if l.Rate > 0 && l.Burst == 0 {
		l.Burst = int(math.Ceil(l.Rate))
	}
	if l.Addresses == 0 {
		l.Addresses = DefaultPublicAddresses
	}
	a := &addressLimits{PublicLimits: l, now: now, recent: list.New(), byKey: map[string]*list.Element{}}
	if l.Rate > 0 {
		a.refill = time.Duration(math.Ceil(float64(l.Burst) / l.Rate * float64(time.Second)))
	}
	return a
}

// allow takes one request from the address's bucket; when it is empty, it
// takes nothing and tells how long until a request would be allowed.
func (l *addressLimits) allow(addr string) (time.Duration, bool) {
	if l.Rate <= 0 {
		return 0, true
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.bucket(addressKey(addr), now)
	r := b.lim.ReserveN(now, 1)
	if !r.OK() { // only for a burst below 1, which newAddressLimits rules out
		return time.Second, false
	}
	if wait := r.DelayFrom(now); wait > 0 {
		r.CancelAt(now) // a refused request uses nothing of the bucket
		return wait, false
	}
	return 0, true
}

// bucket returns the bucket of key, marked as seen now; a new one after
// forgetting the addresses whose buckets are full again and, at the
// bound, the least recently seen. l.mu is held.
func (l *addressLimits) bucket(key string, now time.Time) *addressBucket {
	if e, ok := l.byKey[key]; ok {
		b := e.Value.(*addressBucket)
		b.seen = now
		l.recent.MoveToFront(e)
		return b
	}
	for e := l.recent.Back(); e != nil; e = l.recent.Back() {
		b := e.Value.(*addressBucket)
		if l.recent.Len() < l.Addresses && now.Sub(b.seen) < l.refill {
			break
		}
		l.recent.Remove(e)
		delete(l.byKey, b.key)
	}
	b := &addressBucket{key: key, lim: rate.NewLimiter(rate.Limit(l.Rate), l.Burst), seen: now}
	l.byKey[key] = l.recent.PushFront(b)
	return b
}

// remembered is how many addresses have a bucket.
func (l *addressLimits) remembered() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.recent.Len()
}

// addressKey is what one client is limited by: its IPv4 address, or the
// /64 prefix of its IPv6 address (what one subscriber is given, so that
// its 2^64 addresses share one bucket).
func addressKey(addr string) string {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return addr
	}
	a = a.Unmap().WithZone("")
	if a.Is4() {
		return a.String()
	}
	p, _ := a.Prefix(64)
	return p.String()
}

// limitAddress refuses a request of a client address that made more than
// its rate allows: 429 rate_limited, with Retry-After. The address is the
// connection's: the API trusts no X-Forwarded-For (SetTrustedProxies).
func (s *Server) limitAddress(c *gin.Context) {
	wait, ok := s.public.allow(c.ClientIP())
	if !ok {
		s.m.limit("address")
		c.Header("Retry-After", retryAfter(wait))
		_ = c.Error(fmt.Errorf("%w: a client address may make %g requests a second to the public disclosure, %d at once; retry after %s s",
			errRateLimited, s.public.Rate, s.public.Burst, retryAfter(wait)))
		c.Abort()
		return
	}
	c.Next()
}

// disclosure handles GET /v1/disclosure/…: the contract's disclosure
// queries, run as the public identity whoever asks.
type disclosure struct {
	group[DisclosureLedger]
	// user is the public identity.
	user string
}

// answerDisclosure answers 200 with one page of a disclosure, read with
// the route's query string as the public identity.
func answerDisclosure[T any](d disclosure, call listCall[DisclosureLedger, T]) handler {
	return func(c *gin.Context) error {
		q, err := bindQuery(c)
		if err != nil {
			return err
		}
		l, err := narrow[DisclosureLedger](c.Request.Context(), d.ids, d.user)
		if err != nil {
			return err
		}
		c.Set(ctxLedgerStart, time.Now())
		v, err := call(l, c.Request.Context(), q)
		return d.reply(c, http.StatusOK, v, err)
	}
}

// publicDir is where the public page's files are, in web (docs.go).
const publicDir = "public"

// publicPage serves the public disclosure page (公开信息).
func publicPage(c *gin.Context) error { return serveWeb(c, publicDir+"/index.html") }

// publicAsset serves the public page's script or style sheet.
func publicAsset(c *gin.Context) error {
	name := c.Param("asset")
	if _, err := fs.Stat(web, "web/"+publicDir+"/"+name); err != nil || name == "index.html" || webMedia[path.Ext(name)] == "" {
		return fmt.Errorf("%w: the public page has no file %q", client.ErrNotFound, name)
	}
	return serveWeb(c, publicDir+"/"+name)
}
