package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/grantledger/grantledger/anchor"
	"github.com/grantledger/grantledger/internal/config"
)

// defaultConfig is what the tags must give: the anchor package's defaults.
func defaultConfig() Config {
	return Config{
		Listen:          "127.0.0.1:8110",
		Profile:         "var/network.json",
		User:            "User1",
		BatchMax:        anchor.DefaultMaxBatch,
		BatchWait:       anchor.DefaultMaxWait,
		MaxBacklog:      anchor.DefaultMaxBacklog,
		Retain:          anchor.DefaultRetain,
		RequestTimeout:  anchor.DefaultRequestTimeout,
		MaxBodyBytes:    anchor.DefaultMaxBodyBytes,
		LogLevel:        config.Level(slog.LevelInfo),
		ReadyTimeout:    anchor.DefaultReadyTimeout,
		ShutdownTimeout: 15 * time.Second,
	}
}

func TestLoadConfig(t *testing.T) {
	file := filepath.Join(t.TempDir(), "anchor.json")
	if err := os.WriteFile(file, []byte(`{"org":"platform","store":"f.db","batch-max":100,"batch-wait":"50ms"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	base := []string{"-org", "platform", "-tokens", "t.json", "-store", "a.db"}
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		want    func(*Config)
		wantErr string
	}{
		{name: "defaults", args: base, want: func(c *Config) {}},
		{name: "file over defaults", args: []string{"-config", file, "-tokens", "t.json"},
			want: func(c *Config) { c.Store, c.BatchMax, c.BatchWait = "f.db", 100, 50*time.Millisecond }},
		{name: "environment over file", args: []string{"-config", file},
			env: map[string]string{"GLANCHOR_TOKENS": "e.json", "GLANCHOR_BATCH_MAX": "7", "GLANCHOR_USER": "User2"},
			want: func(c *Config) {
				c.Store, c.BatchMax, c.BatchWait, c.User, c.Tokens = "f.db", 7, 50*time.Millisecond, "User2", "e.json"
			}},
		{name: "flags over environment", args: append(base, "-batch-wait", "1s", "-listen", "127.0.0.1:9"),
			env:  map[string]string{"GLANCHOR_BATCH_WAIT": "2s"},
			want: func(c *Config) { c.BatchWait, c.Listen = time.Second, "127.0.0.1:9" }},
		{name: "kept for ever", args: append(base, "-retain", "0"), want: func(c *Config) { c.Retain = 0 }},
		{name: "kept an hour", args: base, env: map[string]string{"GLANCHOR_RETAIN": "1h"}, want: func(c *Config) { c.Retain = time.Hour }},
		{name: "retention too short", args: append(base, "-retain", "500ms"), wantErr: "retain must be 0 (keep for ever) or at least 1s (from flag -retain)"},
		{name: "negative retention", args: append(base, "-retain", "-1h"), wantErr: "retain must be 0 (keep for ever) or at least 1s"},
		{name: "no store", args: []string{"-org", "platform", "-tokens", "t.json"}, wantErr: `store is required (set -store, GLANCHOR_STORE or "store" in the config file)`},
		{name: "batch too large", args: append(base, "-batch-max", "501"), wantErr: "batch-max must be from 1 to 500 (the contract's largest batch) (from flag -batch-max)"},
		{name: "no batch", args: append(base, "-batch-max", "0"), wantErr: "batch-max must be from 1 to 500"},
		{name: "no wait", args: append(base, "-batch-wait", "0"), wantErr: "batch-wait must be positive and at most 1m0s"},
		{name: "a wait too long", args: append(base, "-batch-wait", "2m"), wantErr: "batch-wait must be positive"},
		{name: "a bare number", args: append(base, "-batch-wait", "200"), wantErr: "batch-wait"},
		{name: "bad listen", args: append(base, "-listen", "8110"), wantErr: `listen "8110" is not host:port`},
		{name: "small body", args: append(base, "-max-body-bytes", "10"), wantErr: "max-body-bytes must be at least 1024"},
		{name: "unknown key", args: []string{"-config", writeFile(t, `{"org":"x","colour":"red"}`)}, wantErr: `unknown key "colour"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lookup := func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok }
			got, err := loadConfig(tt.args, lookup, io.Discard)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error: got %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := defaultConfig()
			want.Org, want.Tokens, want.Store = "platform", "t.json", "a.db"
			tt.want(&want)
			if got != want {
				t.Errorf("config:\ngot  %+v\nwant %+v", got, want)
			}
		})
	}
}

func writeFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "c.json")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestConfigDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/config.md")
	if err != nil {
		t.Fatal(err)
	}
	if err := config.CheckDoc(doc, "## glanchor", options, config.Describe(Config{})); err != nil {
		t.Error(err)
	}
}

// TestServeFailsEarly: a missing profile, and a token file of another
// organisation, stop the service before it opens its store.
func TestServeFailsEarly(t *testing.T) {
	dir := t.TempDir()
	cfg := defaultConfig()
	cfg.Org, cfg.Tokens, cfg.Store, cfg.Profile = "platform", filepath.Join(dir, "t.json"), filepath.Join(dir, "a.db"), filepath.Join(dir, "none.json")
	var out bytes.Buffer
	if err := serve(context.Background(), cfg, &out); err == nil || !strings.Contains(err.Error(), "none.json") {
		t.Errorf("serve without a profile: got %v", err)
	}
	if _, err := os.Stat(cfg.Store); err == nil {
		t.Error("the store was created before the configuration was checked")
	}
	if code := run(context.Background(), []string{"-org", "x"}, io.Discard, io.Discard); code != 2 {
		t.Errorf("exit status for a bad configuration: got %d, want 2", code)
	}
}
