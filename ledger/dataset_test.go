package ledger_test

import (
	"strings"
	"testing"
	"time"

	"github.com/grantledger/grantledger/ledger"
	lt "github.com/grantledger/grantledger/ledger/ledgertest"
)

func TestCreateDataset(t *testing.T) {
	tests := []struct {
		name     string
		caller   ledger.Actor
		edit     func(*ledger.DatasetRequest)
		existing *ledger.Dataset
		want     error
	}{
		{"provider", lt.Health, nil, nil, nil},
		{"province returned core data", lt.Health, func(r *ledger.DatasetRequest) {
			r.Classification, r.ProvinceReturned, r.PersonalInfo = ledger.ClassCore, true, true
		}, nil, nil},
		{"wrong party", lt.Operator, nil, nil, ledger.ErrForbidden},
		{"bad id", lt.Health, func(r *ledger.DatasetRequest) { r.ID = "-x" }, nil, ledger.ErrInvalid},
		{"no name", lt.Health, func(r *ledger.DatasetRequest) { r.Name = " " }, nil, ledger.ErrInvalid},
		{"long name", lt.Health, func(r *ledger.DatasetRequest) { r.Name = strings.Repeat("名", ledger.MaxNameLen+1) }, nil, ledger.ErrInvalid},
		{"control character", lt.Health, func(r *ledger.DatasetRequest) { r.Description = "a\x00b" }, nil, ledger.ErrInvalid},
		{"invalid utf-8", lt.Health, func(r *ledger.DatasetRequest) { r.Description = "\xff" }, nil, ledger.ErrInvalid},
		{"unknown domain", lt.Health, func(r *ledger.DatasetRequest) { r.Domain = "astrology" }, nil, ledger.ErrInvalid},
		{"bad classification", lt.Health, func(r *ledger.DatasetRequest) { r.Classification = "secret" }, nil, ledger.ErrInvalid},
		{"no fields", lt.Health, func(r *ledger.DatasetRequest) { r.Fields = nil }, nil, ledger.ErrInvalid},
		{"too many fields", lt.Health, func(r *ledger.DatasetRequest) { r.Fields = make([]ledger.Field, ledger.MaxListLen+1) }, nil, ledger.ErrInvalid},
		{"bad field name", lt.Health, func(r *ledger.DatasetRequest) { r.Fields[0].Name = "a b" }, nil, ledger.ErrInvalid},
		{"duplicate field", lt.Health, func(r *ledger.DatasetRequest) { r.Fields[1].Name = r.Fields[0].Name }, nil, ledger.ErrInvalid},
		{"sensitivity out of range", lt.Health, func(r *ledger.DatasetRequest) { r.Fields[0].Sensitivity = 5 }, nil, ledger.ErrInvalid},
		{"bad field description", lt.Health, func(r *ledger.DatasetRequest) { r.Fields[0].Description = "\x01" }, nil, ledger.ErrInvalid},
		{"exists", lt.Health, nil, &ledger.Dataset{ID: "visits", Owner: lt.MarketMSP}, ledger.ErrConflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := lt.DatasetRequest("visits", "medical", "name", "age")
			if tt.edit != nil {
				tt.edit(&req)
			}
			d, err := ledger.CreateDataset(tt.caller, req, tt.existing, lt.Stamp(tt.caller, lt.T0))
			wantErr(t, err, tt.want)
			if err != nil {
				return
			}
			if d.Owner != tt.caller.MSP || d.Status != ledger.DatasetListed {
				t.Errorf("got owner %s status %s, want %s listed", d.Owner, d.Status, tt.caller.MSP)
			}
			if d.Fields[0].Name != "age" {
				t.Errorf("got first field %q, want fields sorted with age first", d.Fields[0].Name)
			}
			if !d.HasField("name") || d.HasField("salary") {
				t.Error("HasField disagrees with the fields")
			}
		})
	}
}

func TestDatasetLifecycle(t *testing.T) {
	newDataset := func(t *testing.T) *ledger.Dataset {
		d, err := ledger.CreateDataset(lt.Health, lt.DatasetRequest("visits", "medical", "age"), nil, lt.Stamp(lt.Health, lt.T0))
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	tests := []struct {
		name   string
		act    func(d *ledger.Dataset) error
		want   error
		status ledger.DatasetStatus
	}{
		{"update by owner", func(d *ledger.Dataset) error {
			req := lt.DatasetRequest("visits", "health", "age", "sex")
			return d.Update(lt.Health, req, lt.Stamp(lt.Health, lt.Days(1)))
		}, nil, ledger.DatasetListed},
		{"update by other provider", func(d *ledger.Dataset) error {
			return d.Update(lt.Market, lt.DatasetRequest("visits", "medical", "age"), lt.Stamp(lt.Market, lt.Days(1)))
		}, ledger.ErrForbidden, ledger.DatasetListed},
		{"update renames", func(d *ledger.Dataset) error {
			return d.Update(lt.Health, lt.DatasetRequest("other", "medical", "age"), lt.Stamp(lt.Health, lt.Days(1)))
		}, ledger.ErrInvalid, ledger.DatasetListed},
		{"update invalid", func(d *ledger.Dataset) error {
			return d.Update(lt.Health, lt.DatasetRequest("visits", "medical"), lt.Stamp(lt.Health, lt.Days(1)))
		}, ledger.ErrInvalid, ledger.DatasetListed},
		{"withdraw", func(d *ledger.Dataset) error {
			return d.Withdraw(lt.Health, "source retired", lt.Stamp(lt.Health, lt.Days(1)))
		}, nil, ledger.DatasetWithdrawn},
		{"withdraw without reason", func(d *ledger.Dataset) error {
			return d.Withdraw(lt.Health, "", lt.Stamp(lt.Health, lt.Days(1)))
		}, ledger.ErrInvalid, ledger.DatasetListed},
		{"withdraw by other", func(d *ledger.Dataset) error {
			return d.Withdraw(lt.Authority, "x", lt.Stamp(lt.Authority, lt.Days(1)))
		}, ledger.ErrForbidden, ledger.DatasetListed},
		{"withdraw twice", func(d *ledger.Dataset) error {
			_ = d.Withdraw(lt.Health, "x", lt.Stamp(lt.Health, lt.Days(1)))
			return d.Withdraw(lt.Health, "x", lt.Stamp(lt.Health, lt.Days(2)))
		}, ledger.ErrConflict, ledger.DatasetWithdrawn},
		{"relist", func(d *ledger.Dataset) error {
			_ = d.Withdraw(lt.Health, "x", lt.Stamp(lt.Health, lt.Days(1)))
			return d.Relist(lt.Health, lt.Stamp(lt.Health, lt.Days(2)))
		}, nil, ledger.DatasetListed},
		{"relist listed", func(d *ledger.Dataset) error {
			return d.Relist(lt.Health, lt.Stamp(lt.Health, lt.Days(2)))
		}, ledger.ErrConflict, ledger.DatasetListed},
		{"relist by other", func(d *ledger.Dataset) error {
			return d.Relist(lt.Market, lt.Stamp(lt.Market, lt.Days(2)))
		}, ledger.ErrForbidden, ledger.DatasetListed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newDataset(t)
			wantErr(t, tt.act(d), tt.want)
			if d.Status != tt.status {
				t.Errorf("got status %q, want %q", d.Status, tt.status)
			}
		})
	}
}

func TestPublishCall(t *testing.T) {
	w := lt.NewWorld(t)
	tests := []struct {
		name     string
		caller   ledger.Actor
		edit     func(*ledger.CallRequest)
		existing *ledger.Call
		want     error
	}{
		{"scenario call", lt.Authority, nil, nil, nil},
		{"whole call without domains", lt.Authority, func(r *ledger.CallRequest) { r.Mode, r.Domains = ledger.ModeWhole, nil }, nil, nil},
		{"restricted to datasets", lt.Authority, func(r *ledger.CallRequest) { r.Datasets = []string{"visits", "loans"} }, nil, nil},
		{"wrong party", lt.Operator, nil, nil, ledger.ErrForbidden},
		{"bad id", lt.Authority, func(r *ledger.CallRequest) { r.ID = "" }, nil, ledger.ErrInvalid},
		{"no title", lt.Authority, func(r *ledger.CallRequest) { r.Title = "" }, nil, ledger.ErrInvalid},
		{"bad mode", lt.Authority, func(r *ledger.CallRequest) { r.Mode = "all" }, nil, ledger.ErrInvalid},
		{"bad domain", lt.Authority, func(r *ledger.CallRequest) { r.Domains = []string{"astrology"} }, nil, ledger.ErrInvalid},
		{"domain call without domains", lt.Authority, func(r *ledger.CallRequest) { r.Mode, r.Domains = ledger.ModeDomain, nil }, nil, ledger.ErrInvalid},
		{"bad dataset id", lt.Authority, func(r *ledger.CallRequest) { r.Datasets = []string{"a b"} }, nil, ledger.ErrInvalid},
		{"no conditions", lt.Authority, func(r *ledger.CallRequest) { r.Conditions = "" }, nil, ledger.ErrInvalid},
		{"no criteria", lt.Authority, func(r *ledger.CallRequest) { r.Criteria = "" }, nil, ledger.ErrInvalid},
		{"no dates", lt.Authority, func(r *ledger.CallRequest) { r.Opens = time.Time{} }, nil, ledger.ErrInvalid},
		{"closes before opens", lt.Authority, func(r *ledger.CallRequest) { r.Closes = r.Opens.Add(-1) }, nil, ledger.ErrInvalid},
		{"already closed", lt.Authority, func(r *ledger.CallRequest) { r.Opens, r.Closes = lt.T0.AddDate(0, -2, 0), lt.T0.AddDate(0, -1, 0) }, nil, ledger.ErrInvalid},
		{"exists", lt.Authority, nil, w.Call, ledger.ErrConflict},
		{"unknown dataset", lt.Authority, func(r *ledger.CallRequest) { r.Datasets = []string{"weather"} }, nil, ledger.ErrNotFound},
		{"dataset outside domains", lt.Authority, func(r *ledger.CallRequest) { r.Domains = []string{"medical"}; r.Datasets = []string{"loans"} }, nil, ledger.ErrRefused},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := lt.CallRequest("call-2")
			if tt.edit != nil {
				tt.edit(&req)
			}
			c, err := ledger.PublishCall(tt.caller, req, tt.existing, w.Datasets, lt.Stamp(tt.caller, lt.T0))
			wantErr(t, err, tt.want)
			if err == nil && !c.OpenAt(lt.Days(1)) {
				t.Errorf("got call closed at %s, want open", lt.Days(1))
			}
		})
	}
}

func TestCallOpenAndCancel(t *testing.T) {
	w := lt.NewWorld(t)
	for _, tt := range []struct {
		at   int
		want bool
	}{{-1, false}, {0, true}, {89, true}, {90, false}} {
		if got := w.Call.OpenAt(lt.Days(tt.at)); got != tt.want {
			t.Errorf("OpenAt(day %d): got %v, want %v", tt.at, got, tt.want)
		}
	}
	tests := []struct {
		name   string
		caller ledger.Actor
		reason string
		at     int
		want   error
	}{
		{"cancel", lt.Authority, "policy changed", 10, nil},
		{"wrong party", lt.Operator, "x", 10, ledger.ErrForbidden},
		{"no reason", lt.Authority, "", 10, ledger.ErrInvalid},
		{"after close", lt.Authority, "x", 95, ledger.ErrConflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := *w.Call
			err := c.Cancel(tt.caller, tt.reason, lt.Stamp(tt.caller, lt.Days(tt.at)))
			wantErr(t, err, tt.want)
			if err == nil && c.OpenAt(lt.Days(11)) {
				t.Error("got cancelled call open, want closed")
			}
		})
	}
	t.Run("twice", func(t *testing.T) {
		c := *w.Call
		_ = c.Cancel(lt.Authority, "x", lt.Stamp(lt.Authority, lt.Days(1)))
		wantErr(t, c.Cancel(lt.Authority, "x", lt.Stamp(lt.Authority, lt.Days(2))), ledger.ErrConflict)
	})
}
