//go:build e2e

package e2e

// The pages people read, in a real browser: headless Chromium (Debian's
// chromium, which .ci/run installs with fonts-noto-cjk) driven over the
// DevTools protocol with chromedp. Screenshots are written as test
// artifacts to E2E_ARTIFACTS/screenshots.

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/css"
	"github.com/chromedp/chromedp"
)

// browser starts a headless Chromium for the test and returns a tab's
// context; Chromium ends with the test.
func browser(t *testing.T, width, height int) context.Context {
	t.Helper()
	path := os.Getenv("CHROMIUM")
	if path == "" {
		var err error
		if path, err = exec.LookPath("chromium"); err != nil {
			t.Fatalf("no chromium to run the pages in (install Debian's chromium, or set CHROMIUM): %v", err)
		}
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.WindowSize(width, height),
		// root in a CI container: Chromium's sandbox needs user namespaces
		// it may not have; the pages are the project's own.
		chromedp.NoSandbox,
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	tab, cancelTab := chromedp.NewContext(alloc)
	// The first run starts the browser, which lives as long as that run's
	// context: the deadline goes on the runs after it.
	if err := chromedp.Do(tab); err != nil {
		cancelTab()
		cancelAlloc()
		t.Fatalf("start %s: %v", path, err)
	}
	ctx, cancelTime := context.WithTimeout(tab, time.Minute)
	t.Cleanup(func() { cancelTime(); cancelTab(); cancelAlloc() })
	return ctx
}

// screenshot writes an image under E2E_ARTIFACTS/screenshots (scripts/test.sh
// sets it to var/e2e-artifacts, which outlives the network's state).
func screenshot(t *testing.T, name string, png []byte) {
	t.Helper()
	dir := filepath.Join(os.Getenv("E2E_ARTIFACTS"), "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s (%d bytes)", path, len(png))
}

// platformFonts returns the platform fonts Chromium drew the first element
// sel matches with, as the DevTools protocol reports them.
func platformFonts(ctx context.Context, sel string) ([]string, error) {
	ids, err := chromedp.Run(ctx, chromedp.QueryNodeIDs(chromedp.CSS(sel)))
	if err != nil || len(ids) == 0 {
		return nil, fmt.Errorf("%s: %d nodes, %v", sel, len(ids), err)
	}
	return chromedp.Run(ctx, func(ctx context.Context, t *chromedp.Target) ([]string, error) {
		if _, err := cdp.Call(ctx, t, css.Enable, cdp.Empty{}); err != nil {
			return nil, err
		}
		res, err := cdp.Call(ctx, t, css.GetPlatformFontsForNode, css.GetPlatformFontsForNodeParams{NodeID: ids[0]})
		if err != nil {
			return nil, err
		}
		var names []string
		for _, f := range res.Fonts {
			names = append(names, f.FamilyName)
		}
		return names, nil
	})
}

// publicPageInBrowser opens the regulator's public disclosure page with no
// token, at 1280×800 and at a phone's width: the four lists load rows from
// the ledger, no list shows an error, the page is in Chinese and its
// heading is drawn with a CJK font.
func (p *apiProcess) publicPageInBrowser(t *testing.T) {
	for _, size := range []struct {
		name          string
		width, height int
	}{{"desktop", 1280, 800}, {"phone", 390, 844}} {
		t.Run(size.name, func(t *testing.T) {
			ctx := browser(t, size.width, size.height)
			err := chromedp.Do(ctx,
				chromedp.Navigate(p.regulator.url+"/public"),
				chromedp.WaitVisible(chromedp.CSS("#grants table tbody tr")),
				chromedp.WaitVisible(chromedp.CSS("#products table tbody tr")),
				chromedp.WaitVisible(chromedp.CSS("#operators table tbody tr")),
				chromedp.WaitVisible(chromedp.CSS("#agreements table tbody tr")),
			)
			if err != nil {
				t.Fatalf("the public page in Chromium: %v", err)
			}
			lang, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.lang`))
			if err != nil || lang != "zh-CN" {
				t.Errorf("page language %q (%v), want zh-CN", lang, err)
			}
			shown, err := chromedp.Run(ctx, chromedp.Evaluate[string](`Array.from(document.querySelectorAll(".error")).map(e => e.textContent).join(" | ")`))
			if err != nil || shown != "" {
				t.Errorf("the page shows errors: %q (%v)", shown, err)
			}
			fonts, err := platformFonts(ctx, "h1")
			if err != nil || !slices.ContainsFunc(fonts, func(f string) bool { return strings.Contains(f, "CJK") }) {
				t.Errorf("the Chinese heading is drawn with %v (%v), no CJK font", fonts, err)
			}
			png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatalf("screenshot: %v", err)
			}
			screenshot(t, "public-"+size.name+".png", png)
		})
	}
}

// apiDocsInBrowser opens /v1/docs: the operations of the OpenAPI document
// are listed.
func (p *apiProcess) apiDocsInBrowser(t *testing.T) {
	ctx := browser(t, 1280, 800)
	if err := chromedp.Do(ctx, chromedp.Navigate(p.regulator.url+"/v1/docs"), chromedp.WaitVisible(chromedp.CSS("#SubmitReceipt"))); err != nil {
		t.Fatalf("/v1/docs in Chromium: %v", err)
	}
	operations, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll(".op").length`))
	if err != nil || operations < 50 {
		t.Errorf("/v1/docs lists %d operations (%v), want every one of the API's", operations, err)
	}
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	screenshot(t, "api-docs.png", png)
}
