package client

import (
	"context"
	"errors"
	"slices"
	"testing"
)

func TestBootstrap(t *testing.T) {
	gw := &fakeGateway{}
	c := newFakeClient(t, gw)
	if err := c.Bootstrap(context.Background(), "AuthorityMSP"); err != nil {
		t.Fatalf("Bootstrap() error = %v", err)
	}
	got := gw.stages("endorse")
	if len(got) != 1 || got[0].Name != "Bootstrap" || !slices.Equal(got[0].Args, []string{"AuthorityMSP"}) {
		t.Errorf("endorsed %+v, want one Bootstrap[AuthorityMSP]", got)
	}
	if n := len(gw.stages("status")); n != 1 {
		t.Errorf("got %d commit status calls, want 1: Bootstrap waits for the commit", n)
	}
}

func TestGetConfig(t *testing.T) {
	tests := []struct {
		name    string
		result  string
		want    string
		wantErr bool
	}{
		{name: "config", result: `{"authorityMsp":"AuthorityMSP"}`, want: "AuthorityMSP"},
		{name: "not JSON", result: `AuthorityMSP`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gw := &fakeGateway{evaluate: func(int, call) ([]byte, error) { return []byte(tt.result), nil }}
			c := newFakeClient(t, gw)
			cfg, err := c.GetConfig(context.Background())
			if tt.wantErr {
				var e *Error
				if !errors.As(err, &e) || e.Op != "GetConfig" {
					t.Errorf("GetConfig() = %+v, %v; want an *Error of op GetConfig", cfg, err)
				}
				return
			}
			if err != nil || cfg.AuthorityMSP != tt.want {
				t.Errorf("GetConfig() = %+v, %v; want %s, nil", cfg, err, tt.want)
			}
			if got := gw.stages("evaluate"); len(got) != 1 || got[0].Name != "GetConfig" || len(got[0].Args) != 0 {
				t.Errorf("evaluated %+v, want one GetConfig without arguments", got)
			}
		})
	}
}
