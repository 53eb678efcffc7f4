package main

import (
	"io"
	"os"
	"strings"
	"testing"

	"github.com/grantledger/grantledger/internal/config"
)

func TestConfig(t *testing.T) {
	env := map[string]string{"CHAINCODE_ID": "cc:1", "CHAINCODE_TLS_KEY_FILE": "/k.pem", "GRANTLEDGER_AUTHORITY_MSP": "AuthorityMSP"}
	var cfg Config
	if _, err := config.Load(&cfg, []string{"-address", "127.0.0.1:1"}, configOptions(func(k string) (string, bool) { v, ok := env[k]; return v, ok }, io.Discard)); err != nil {
		t.Fatal(err)
	}
	if want := (Config{ID: "cc:1", Address: "127.0.0.1:1", TLSKey: "/k.pem", AuthorityMSP: "AuthorityMSP"}); cfg != want {
		t.Errorf("got %+v, want %+v", cfg, want)
	}
	if got := config.LogValue(cfg).String(); strings.Contains(got, "k.pem") || !strings.Contains(got, "tls-key=***") {
		t.Errorf("the key path is not redacted: %s", got)
	}
	var stderr strings.Builder
	if code := run(t.Context(), nil, &stderr); code != 2 || !strings.Contains(stderr.String(), "id is required (set -id or CHAINCODE_ID)") {
		t.Errorf("no ID: got exit %d, %q", code, stderr.String())
	}
}

func TestConfigDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/config.md")
	if err != nil {
		t.Fatal(err)
	}
	if err := config.CheckDoc(doc, "## grantledger-cc", configOptions(nil, io.Discard), config.Describe(Config{})); err != nil {
		t.Error(err)
	}
}

func TestConfigRefusals(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"no authority", []string{"-id", "cc:1"}, "authority is required"},
		{"client CA without TLS", []string{"-id", "cc:1", "-authority", "AuthorityMSP", "-tls-client-ca", "/ca.pem"}, "tls-client-ca needs -tls-cert"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var stderr strings.Builder
			if code := run(t.Context(), tt.args, &stderr); code != 2 || !strings.Contains(stderr.String(), tt.want) {
				t.Errorf("got exit %d, %q; want 2 and %q", code, stderr.String(), tt.want)
			}
		})
	}
}
