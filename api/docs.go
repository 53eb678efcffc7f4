package api

import (
	"embed"
	"fmt"
	"net/http"
	"path"

	"github.com/gin-gonic/gin"

	"github.com/grantledger/grantledger/client"
)

// web holds the reference page of GET /v1/docs: a page and its script and
// style sheet, which read and render the OpenAPI document. They are built
// into the binary, so the page needs no network at run time: no CDN, no
// font, nothing but this server.
//
//go:embed web
var web embed.FS

// webMedia are the media types of the page's files, by extension.
var webMedia = map[string]string{
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
}

// docsPolicy lets the page load its script, style sheet and the document
// from this server only; no inline script or style, no frame elsewhere.
const docsPolicy = "default-src 'self'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'"

// docsPage serves the reference page.
func docsPage(c *gin.Context) error { return serveWeb(c, "index.html") }

// docsAsset serves the page's script or style sheet.
func docsAsset(c *gin.Context) error {
	name := c.Param("asset")
	if name == "index.html" || webMedia[path.Ext(name)] == "" {
		return fmt.Errorf("%w: the reference page has no file %q", client.ErrNotFound, name)
	}
	return serveWeb(c, name)
}

func serveWeb(c *gin.Context, name string) error {
	b, err := web.ReadFile("web/" + name)
	if err != nil {
		return fmt.Errorf("%w: the reference page has no file %q", client.ErrNotFound, name)
	}
	h := c.Writer.Header()
	h.Set("Content-Security-Policy", docsPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	// Revalidated each time, so that a new version of the API shows its
	// own page.
	h.Set("Cache-Control", "no-cache")
	c.Data(http.StatusOK, webMedia[path.Ext(name)], b)
	return nil
}
