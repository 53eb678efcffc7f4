package main

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/grantledger/grantledger/internal/config"
)

func TestLoadConfig(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		args     []string
		env      map[string]string
		want     Config
		wantRest []string
	}{
		{name: "defaults from the working directory", args: []string{"-fabric", "/f", "up"},
			want:     Config{Root: wd, State: filepath.Join(wd, "var"), Topology: filepath.Join(wd, "test-network", "topology.json"), Fabric: "/f"},
			wantRest: []string{"up"}},
		{name: "environment", args: []string{"status"},
			env:      map[string]string{"GRANTLEDGER_ROOT": "/r", "GRANTLEDGER_FABRIC": "/f", "GLNET_STATE": "/s", "GLNET_TOPOLOGY": "/t.json", "GLNET_PORT_OFFSET": "20000"},
			want:     Config{Root: "/r", State: "/s", Topology: "/t.json", Fabric: "/f", PortOffset: 20000},
			wantRest: []string{"status"}},
		{name: "flags over environment", args: []string{"-root", "/r2", "-port-offset", "5", "-json", "status"},
			env:      map[string]string{"GRANTLEDGER_ROOT": "/r", "GRANTLEDGER_FABRIC": "/f", "GLNET_PORT_OFFSET": "20000", "GLNET_STATE": ""},
			want:     Config{Root: "/r2", State: "/r2/var", Topology: "/r2/test-network/topology.json", Fabric: "/f", PortOffset: 5, JSON: true},
			wantRest: []string{"status"}},
		{name: "stop takes its argument", args: []string{"-fabric", "/f", "stop", "peer0"},
			want:     Config{Root: wd, State: filepath.Join(wd, "var"), Topology: filepath.Join(wd, "test-network", "topology.json"), Fabric: "/f"},
			wantRest: []string{"stop", "peer0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, rest, err := loadConfig(tt.args, func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok }, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want || strings.Join(rest, " ") != strings.Join(tt.wantRest, " ") {
				t.Errorf("got %+v %q\nwant %+v %q", got, rest, tt.want, tt.wantRest)
			}
		})
	}
}

func TestLoadConfigErrors(t *testing.T) {
	for env, want := range map[string]string{
		"":                  "fabric is required (set -fabric or GRANTLEDGER_FABRIC)",
		"GLNET_PORT_OFFSET": `port-offset "many" is not a whole number in range (from environment GLNET_PORT_OFFSET)`,
	} {
		lookup := func(k string) (string, bool) {
			if k == env {
				return "many", true
			}
			return "", false
		}
		if _, _, err := loadConfig([]string{"up"}, lookup, io.Discard); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error: got %v, want %q", err, want)
		}
	}
}

func TestHelpAndUsage(t *testing.T) {
	var stderr bytes.Buffer
	if _, _, err := loadConfig([]string{"-h"}, nil, &stderr); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("-h: got %v", err)
	}
	for _, want := range []string{"Commands:", "-port-offset int", "(env GLNET_PORT_OFFSET)", "-json\n"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("help lacks %q:\n%s", want, stderr.String())
		}
	}
	if code := run(t.Context(), []string{"-fabric", "/f"}, io.Discard, io.Discard); code != 2 {
		t.Errorf("no command: got exit %d, want 2", code)
	}
}

func TestConfigDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/config.md")
	if err != nil {
		t.Fatal(err)
	}
	if err := config.CheckDoc(doc, "## glnet", config.Options{}, config.Describe(Config{})); err != nil {
		t.Error(err)
	}
}
