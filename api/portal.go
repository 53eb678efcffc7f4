package api

import (
	"fmt"
	"io/fs"
	"net/http"
	"path"

	"github.com/gin-gonic/gin"

	"github.com/grantledger/grantledger/client"
)

// The portal (门户) is the page people use: each organisation's API serves
// it at / (same binary, same origin), and it acts with the user's own
// identity through the same /v1 routes, sending the user's bearer token as
// the Authorization header of each fetch. The token lives in the page's
// memory and sessionStorage only: never in a URL, never in a cookie, so no
// other site's page can make the browser send it (no CSRF), and the
// request log, which writes the path and never a header, never sees it.
// Its files are in web/portal (docs.go embeds web), written by hand: plain
// HTML, CSS and ES modules, no build, nothing from another server.

// portalDir is where the portal's files are, in web.
const portalDir = "portal"

// portalPolicy lets the portal load its modules, style sheet and
// catalogues and call the API on this server only, with no inline script
// or style. Its forms are handled by its script and submit nowhere
// (form-action 'none'): a form submitted by the browser itself, were the
// script not running, would put its fields, the token among them, in a
// URL. No site may frame it (clickjacking of its action buttons).
const portalPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
	"object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// portalRoutes are the routes of the portal: its page and its files.
func portalRoutes() []route {
	return []route{
		{Method: http.MethodGet, Path: "/", Op: "PortalPage", Tag: "portal", Public: true, Status: http.StatusOK, Media: []string{"text/html"}, Handler: portalPage,
			Summary: "The portal (门户, HTML, 中文 with English): sign in with a bearer token, each role's inbox (待办) and actions, the regulator's provenance graph"},
		{Method: http.MethodGet, Path: "/portal/:asset", Op: "PortalAsset", Tag: "portal", Public: true, Status: http.StatusOK, Media: []string{"text/javascript", "text/css", "application/json"}, Handler: portalAsset,
			Errors: []error{client.ErrNotFound}, Summary: "The portal's modules (*.js), style sheet (portal.css) and message catalogues (zh.json, en.json)"},
	}
}

// portalMedia are the media types of the portal's files, by extension.
var portalMedia = map[string]string{
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".json": "application/json; charset=utf-8",
}

// portalPage serves the portal.
func portalPage(c *gin.Context) error { return servePortal(c, "index.html") }

// portalAsset serves one of the portal's files, but its page.
func portalAsset(c *gin.Context) error {
	name := c.Param("asset")
	if name == "index.html" || portalMedia[path.Ext(name)] == "" {
		return fmt.Errorf("%w: the portal has no file %q", client.ErrNotFound, name)
	}
	return servePortal(c, name)
}

func servePortal(c *gin.Context, name string) error {
	b, err := fs.ReadFile(web, "web/"+portalDir+"/"+name)
	if err != nil {
		return fmt.Errorf("%w: the portal has no file %q", client.ErrNotFound, name)
	}
	h := c.Writer.Header()
	h.Set("Content-Security-Policy", portalPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	// Revalidated each time, so that a new version of the API shows its
	// own portal.
	h.Set("Cache-Control", "no-cache")
	c.Data(http.StatusOK, portalMedia[path.Ext(name)], b)
	return nil
}
