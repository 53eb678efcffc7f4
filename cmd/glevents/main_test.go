package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"

	"github.com/grantledger/grantledger/client"
	"github.com/grantledger/grantledger/internal/config"
	"github.com/grantledger/grantledger/ledger"
)

func TestLoadConfig(t *testing.T) {
	info, debug := config.Level(slog.LevelInfo), config.Level(slog.LevelDebug)
	file := writeFile(t, `{"org":"health","output":"file.jsonl","user":"Admin"}`)
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		want    Config
		wantErr string
	}{
		{
			name: "flags with defaults",
			args: []string{"-org", "authority", "-output", "ev.jsonl"},
			want: Config{Profile: "var/network.json", Org: "authority", User: "User1", Output: "ev.jsonl", Checkpoint: "ev.jsonl.checkpoint", LogLevel: info},
		},
		{
			name: "environment",
			env:  map[string]string{"GLEVENTS_ORG": "market", "GLEVENTS_OUTPUT": "m.jsonl", "GLEVENTS_CHECKPOINT": "m.cp", "GLEVENTS_LOG_LEVEL": "debug"},
			want: Config{Profile: "var/network.json", Org: "market", User: "User1", Output: "m.jsonl", Checkpoint: "m.cp", LogLevel: debug},
		},
		{
			name: "flags over environment over file",
			args: []string{"-config", file, "-org", "operator"},
			env:  map[string]string{"GLEVENTS_ORG": "market", "GLEVENTS_OUTPUT": "env.jsonl"},
			want: Config{Profile: "var/network.json", Org: "operator", User: "Admin", Output: "env.jsonl", Checkpoint: "env.jsonl.checkpoint", LogLevel: info},
		},
		{
			name: "file named by the environment",
			env:  map[string]string{"GLEVENTS_CONFIG": file},
			want: Config{Profile: "var/network.json", Org: "health", User: "Admin", Output: "file.jsonl", Checkpoint: "file.jsonl.checkpoint", LogLevel: info},
		},
		{name: "org missing", args: []string{"-output", "x"}, wantErr: `org is required (set -org, GLEVENTS_ORG or "org" in the config file)`},
		{name: "output missing", args: []string{"-org", "x"}, wantErr: "output is required"},
		{name: "checkpoint is the output", args: []string{"-org", "x", "-output", "a", "-checkpoint", "a"}, wantErr: "checkpoint must be a different file from output (from flag -checkpoint)"},
		{name: "bad log level", args: []string{"-org", "x", "-output", "a", "-log-level", "loud"}, wantErr: "log-level"},
		{name: "argument", args: []string{"-org", "x", "-output", "a", "extra"}, wantErr: "unexpected argument"},
		{name: "unknown key in file", args: []string{"-config", writeFile(t, `{"org":"x","colour":"red"}`)}, wantErr: `unknown key "colour"`},
		{name: "a number in the file is its text", args: []string{"-config", writeFile(t, `{"org":"x","output":"o","user":2}`)},
			want: Config{Profile: "var/network.json", Org: "x", User: "2", Output: "o", Checkpoint: "o.checkpoint", LogLevel: info}},
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
			if got != tt.want {
				t.Errorf("config:\ngot  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestConfigDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/config.md")
	if err != nil {
		t.Fatal(err)
	}
	if err := config.CheckDoc(doc, "## glevents", options, config.Describe(Config{})); err != nil {
		t.Error(err)
	}
}

func TestConfigLogged(t *testing.T) {
	var buf strings.Builder
	cfg := Config{Profile: "p", Org: "o", User: "u", Output: "out", Checkpoint: "cp"}
	slog.New(slog.NewTextHandler(&buf, nil)).Info("x", "config", cfg)
	if want := "config.profile=p config.org=o config.user=u config.output=out config.checkpoint=cp config.log-level=info"; !strings.Contains(buf.String(), want) {
		t.Errorf("log %q lacks %q", buf.String(), want)
	}
}

// event is a delivered client event for rec.
func event(rec record) client.Event {
	return client.Event{BlockNumber: rec.Block, TransactionID: rec.TxID, Name: rec.Name, Type: rec.Type, ID: rec.ID, Change: rec.Change}
}

func TestConsume(t *testing.T) {
	tests := []struct {
		name      string
		held      []record
		delivered []record
		ackErr    error // returned by the ack of the last event
		stopped   bool  // ctx ended
		wantFile  []record
		wantAcked int
		wantErr   bool
	}{
		{name: "writes and acknowledges", delivered: testLedger, wantFile: testLedger, wantAcked: len(testLedger)},
		{name: "acknowledges what it drops", held: testLedger[:3], delivered: testLedger[2:], wantFile: testLedger, wantAcked: len(testLedger) - 2},
		{name: "checkpoint fails", delivered: testLedger[:2], ackErr: errors.New("disk full"), wantFile: testLedger[:2], wantAcked: 2, wantErr: true},
		{name: "stopped before the ack", delivered: testLedger[:2], ackErr: client.ErrFollowerStopped, stopped: true, wantFile: testLedger[:2], wantAcked: 2},
		{name: "follower stopped while running", delivered: testLedger[:2], ackErr: client.ErrFollowerStopped, wantFile: testLedger[:2], wantAcked: 2, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, path := openTestSink(t, lines(tt.held...))
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tt.stopped {
				cancel()
			}
			events := make(chan client.Event, len(tt.delivered))
			for _, r := range tt.delivered {
				events <- event(r)
			}
			close(events)
			acked := 0
			ack := func(e client.Event) error {
				acked++
				// The line must be in the file before the ack.
				if !strings.Contains(readFile(t, path), `"txId":"`+e.TransactionID+`"`) {
					t.Errorf("event %s acknowledged before its line was written", e.TransactionID)
				}
				if acked == len(tt.delivered) {
					return tt.ackErr
				}
				return nil
			}
			err := consume(ctx, readableBy(&readsAll, nil, events), s, ack, slog.New(slog.NewTextHandler(io.Discard, nil)))
			if (err != nil) != tt.wantErr {
				t.Errorf("consume: got error %v, want error: %t", err, tt.wantErr)
			}
			if acked != tt.wantAcked {
				t.Errorf("acknowledged: got %d, want %d", acked, tt.wantAcked)
			}
			if got, want := readFile(t, path), lines(tt.wantFile...); got != want {
				t.Errorf("file:\ngot  %s\nwant %s", got, want)
			}
		})
	}
}

func TestConsumeDoesNotAcknowledgeAFailedWrite(t *testing.T) {
	s, err := openSink(writeFile(t, ""))
	if err != nil {
		t.Fatal(err)
	}
	s.Close() // writes now fail
	events := make(chan client.Event, 1)
	events <- event(testLedger[0])
	close(events)
	acked := false
	err = consume(context.Background(), readableBy(&readsAll, nil, events), s, func(client.Event) error { acked = true; return nil }, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err == nil {
		t.Error("consume: got no error, want the write's")
	}
	if acked {
		t.Error("the event was acknowledged although its line was not written")
	}
}

// readsAll is a follower that may read every event: the regulator.
var readsAll = ledger.Actor{MSP: "RegulatorMSP", Role: ledger.RoleRegulator}

// TestFollowerWritesOnlyWhatItMayRead: an operator's follower writes the
// events of its own objects and public ones, without the related objects
// it may not read, and acknowledges the others unwritten so that its
// checkpoint moves past them.
func TestFollowerWritesOnlyWhatItMayRead(t *testing.T) {
	path := writeFile(t, "")
	s, err := openSink(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	operator := ledger.Actor{MSP: "OperatorMSP", Role: ledger.RoleOperator}
	mine := &ledger.Audience{Orgs: []string{"OperatorMSP"}}
	theirs := &ledger.Audience{Orgs: []string{"Operator2MSP"}}
	evs := []client.Event{
		{BlockNumber: 1, TransactionID: "t1", Name: "application.submitted", Type: "application", ID: "app-1", Change: "submitted", Audience: mine},
		{BlockNumber: 2, TransactionID: "t2", Name: "application.submitted", Type: "application", ID: "app-2", Change: "submitted", Audience: theirs},
		{BlockNumber: 3, TransactionID: "t3", Name: "dataset.created", Type: "dataset", ID: "d-1", Change: "created", Audience: &ledger.Audience{Public: true}},
		{BlockNumber: 4, TransactionID: "t4", Name: "grant.revoked", Type: "grant", ID: "g-1", Change: "revoked", Audience: mine,
			Related: []ledger.EventRef{{Type: "product", ID: "p-1", Change: "marked", Audience: mine}, {Type: "product", ID: "p-2", Change: "marked", Audience: theirs}}},
		{BlockNumber: 5, TransactionID: "t5", Name: "config.bootstrapped", Type: "config", ID: "config", Change: "bootstrapped"},
	}
	events := make(chan client.Event, len(evs))
	for _, e := range evs {
		events <- e
	}
	close(events)
	var acked []string
	ack := func(e client.Event) error { acked = append(acked, e.TransactionID); return nil }
	if err := consume(context.Background(), readableBy(&operator, nil, events), s, ack, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	got := readFile(t, path)
	for _, want := range []string{`"txId":"t1"`, `"txId":"t3"`, `"txId":"t4"`, `"id":"p-1"`} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %s:\n%s", want, got)
		}
	}
	for _, hidden := range []string{`"txId":"t2"`, `app-2`, `p-2`, `"txId":"t5"`} {
		if strings.Contains(got, hidden) {
			t.Errorf("output holds %s, which the operator may not read:\n%s", hidden, got)
		}
	}
	if len(acked) != len(evs) {
		t.Errorf("acknowledged %v, want every event, written or not", acked)
	}
}
