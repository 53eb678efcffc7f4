package main

import (
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/grantledger/grantledger/bench"
	"github.com/grantledger/grantledger/internal/config"
)

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestLoadConfigDefaults(t *testing.T) {
	cfg, err := loadConfig([]string{"-root", "/r", "-fabric", "/f"}, env(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.State != "/r/var/bench/net" || cfg.Out != "/r/var/bench" || cfg.PortOffset != 10000 {
		t.Errorf("paths and offset: got %q %q %d", cfg.State, cfg.Out, cfg.PortOffset)
	}
	if cfg.Window != 30*time.Second || cfg.AnchoredWindow != time.Minute || cfg.Warmup != 3*time.Second || cfg.ProvenanceFill != 2000 || cfg.AnchorDrain != time.Minute {
		t.Errorf("full run: got window %s, anchored %s, warm-up %s, fill %d", cfg.Window, cfg.AnchoredWindow, cfg.Warmup, cfg.ProvenanceFill)
	}
	sel, err := cfg.selected()
	if err != nil || !slices.Equal(sel, bench.Names) {
		t.Errorf("selected by default: got %v (%v), want every scenario", sel, err)
	}
}

func TestLoadConfigQuickAndSelection(t *testing.T) {
	cfg, err := loadConfig([]string{"-quick"}, env(map[string]string{
		"GRANTLEDGER_ROOT": "/r", "GRANTLEDGER_FABRIC": "/f", "GLNET_STATE": "/s", "GLNET_PORT_OFFSET": "41000",
		"BENCH_SCENARIOS": "read-grant, bare-write", "BENCH_DURATION": "7s",
	}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.State != "/s" || cfg.PortOffset != 41000 {
		t.Errorf("environment: got state %q offset %d", cfg.State, cfg.PortOffset)
	}
	if cfg.Window != 7*time.Second || cfg.AnchoredWindow != 10*time.Second || cfg.Warmup != time.Second || cfg.ProvenanceFill != 500 || cfg.AnchorDrain != 20*time.Second {
		t.Errorf("quick: got window %s, anchored %s, warm-up %s, fill %d, drain %s", cfg.Window, cfg.AnchoredWindow, cfg.Warmup, cfg.ProvenanceFill, cfg.AnchorDrain)
	}
	// Selected scenarios run in the bench's order, not the list's.
	if sel, _ := cfg.selected(); !slices.Equal(sel, []string{bench.BareWrite, bench.ReadGrant}) {
		t.Errorf("selected: got %v", sel)
	}
}

func TestLoadConfigErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-scenarios", "bare-write,warp-speed"}, `"warp-speed" is not a scenario`},
		{[]string{"-batch-size", "501"}, "batch-size must be from 1 to 500"},
		{[]string{"-clients", "0"}, "clients must be at least 1"},
	} {
		_, err := loadConfig(append([]string{"-root", "/r", "-fabric", "/f"}, c.args...), env(nil), io.Discard)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: got %v, want %q", c.args, err, c.want)
		}
	}
}

func TestConfigDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/performance.md")
	if err != nil {
		t.Fatal(err)
	}
	if err := config.CheckDoc(doc, "## glbench", config.Options{}, config.Describe(Config{})); err != nil {
		t.Error(err)
	}
}

func TestParseStatTicks(t *testing.T) {
	// The command name holds a space and a parenthesis.
	stat := "1234 (peer (x) node) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 75 0 0 20 0 12 0 100 0 0"
	got, err := parseStatTicks(stat)
	if err != nil || got != 325 {
		t.Errorf("got %d (%v), want 325 ticks", got, err)
	}
	if _, err := parseStatTicks("garbage"); err == nil {
		t.Error("garbage: got no error")
	}
}

func TestReadTokens(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tokens.env")
	if err := os.WriteFile(path, []byte("# issued\nAdmin=a\nUser1=u1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := readTokens(path)
	if err != nil || got["User1"] != "u1" || got["Admin"] != "a" || len(got) != 2 {
		t.Errorf("got %v, %v", got, err)
	}
	if err := os.WriteFile(path, []byte("Admin=a\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := readTokens(path); err == nil {
		t.Error("a file without User1: got no error")
	}
}
