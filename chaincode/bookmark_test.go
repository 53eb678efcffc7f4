package chaincode_test

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/grantledger/grantledger/ledger"
	lt "github.com/grantledger/grantledger/ledger/ledgertest"
)

// TestBookmarksCannotEscape replays the probes of a curious member: a
// bookmark naming a key outside the query's range (raw, or encoded as the
// contract encodes its own) is refused, not used as the start of a scan.
func TestBookmarksCannotEscape(t *testing.T) {
	n := world(t)
	enc := func(k string) string { return base64.RawURLEncoding.EncodeToString([]byte(k)) }
	tests := []struct {
		name, fn string
		q        ledger.Query
	}{
		{"raw key of another type", "QueryCalls", ledger.Query{Bookmark: "\x00agreement\x00"}},
		{"encoded key of another type", "QueryCalls", ledger.Query{Bookmark: enc("\x00agreement\x00")}},
		{"encoded key of another index", "DisclosedProducts", ledger.Query{Bookmark: enc("\x00idx~product\x00grant\x00")}},
		{"encoded key of another index value", "QueryDatasets", ledger.Query{By: "owner", Value: lt.HealthMSP, Bookmark: enc("\x00idx~dataset\x00owner\x00MarketMSP\x00loans\x00")}},
		{"the range's own prefix", "QueryCalls", ledger.Query{Bookmark: enc("\x00call\x00")}},
		{"not base64", "QueryCalls", ledger.Query{Bookmark: "%%%"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n.refused("invalid: ", lt.MarketMSP, tt.fn, tt.q)
		})
	}
}

// TestBookmarksRevealNothingHidden pages one item at a time through a list
// the caller may read only part of: every page it gets is full of what it
// may read, and no bookmark decodes to a key of what it may not.
func TestBookmarksRevealNothingHidden(t *testing.T) {
	n := world(t)
	for _, id := range []string{"app-2", "app-3"} {
		n.ok(lt.OperatorMSP, "SubmitApplication", lt.ApplicationRequest(id, "call-1"))
	}
	// MarketMSP, a provider, may read no application.
	var p ledger.ApplicationPage
	n.get(&p, lt.MarketMSP, "QueryApplications", ledger.Query{PageSize: 1})
	if len(p.Items) != 0 || p.Bookmark != "" {
		t.Errorf("applications read by a provider: got %d and bookmark %q, want none and no bookmark", len(p.Items), p.Bookmark)
	}
	// The operator reads its three, a page at a time.
	var got []string
	q := ledger.Query{PageSize: 1}
	for pages := 0; pages < 5; pages++ {
		var p ledger.ApplicationPage
		n.get(&p, lt.OperatorMSP, "QueryApplications", q)
		for _, a := range p.Items {
			got = append(got, a.ID)
		}
		if p.Bookmark == "" {
			break
		}
		raw, err := base64.RawURLEncoding.DecodeString(p.Bookmark)
		if err != nil || !strings.HasPrefix(string(raw), key("application", got[len(got)-1])) {
			t.Fatalf("bookmark %q: decodes to %q (%v), want the key after the last application returned", p.Bookmark, raw, err)
		}
		q.Bookmark = p.Bookmark
	}
	if strings.Join(got, ",") != "app-1,app-2,app-3" {
		t.Errorf("operator's applications page by page: got %v, want app-1,app-2,app-3", got)
	}
	// Listed products only, for a stranger: drafts in between are skipped
	// and the page is still full.
	var calls ledger.CallPage
	n.get(&calls, lt.MarketMSP, "QueryCalls", ledger.Query{PageSize: 1})
	if len(calls.Items) != 1 || calls.Items[0].ID != "call-1" {
		t.Errorf("calls: got %+v, want call-1", calls.Items)
	}
}
