package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// ev is the record of a test event: block and transaction.
func ev(block uint64, tx string) record {
	return record{Block: block, TxID: tx, Name: "grant.approved", Type: "grant", ID: "G-" + tx, Change: "approved"}
}

// lines is the output file holding recs, as add writes it.
func lines(recs ...record) string {
	var b strings.Builder
	for _, r := range recs {
		raw, err := json.Marshal(r)
		if err != nil {
			panic(err)
		}
		b.Write(raw)
		b.WriteByte('\n')
	}
	return b.String()
}

// testLedger is a ledger's events in order: several per block.
var testLedger = []record{ev(3, "a"), ev(3, "b"), ev(4, "c"), ev(6, "d"), ev(6, "e"), ev(6, "f"), ev(9, "g")}

// writeFile creates the output file with content and returns its path.
func writeFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "events.jsonl")
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// openTestSink writes content to a new file and opens it as a sink, closed
// when the test ends.
func openTestSink(t *testing.T, content string) (*sink, string) {
	t.Helper()
	path := writeFile(t, content)
	s, err := openSink(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

func TestOpenSink(t *testing.T) {
	long := ev(7, "long")
	long.ID = strings.Repeat("x", 70<<10) // longer than two read chunks
	tests := []struct {
		name        string
		content     string
		wantContent string
		wantResumed *position
		wantHeld    []string
		wantTorn    int64
	}{
		{name: "empty", content: "", wantContent: ""},
		{
			name:        "complete lines",
			content:     lines(ev(3, "a"), ev(3, "b"), ev(4, "c")),
			wantContent: lines(ev(3, "a"), ev(3, "b"), ev(4, "c")),
			wantResumed: &position{4, "c"},
			wantHeld:    []string{"c"},
		},
		{
			name:        "several lines in the last block",
			content:     lines(ev(3, "a"), ev(6, "d"), ev(6, "e")),
			wantContent: lines(ev(3, "a"), ev(6, "d"), ev(6, "e")),
			wantResumed: &position{6, "e"},
			wantHeld:    []string{"d", "e"},
		},
		{
			name:        "torn last line",
			content:     lines(ev(3, "a"), ev(3, "b")) + `{"block":4,"txId":"c","na`,
			wantContent: lines(ev(3, "a"), ev(3, "b")),
			wantResumed: &position{3, "b"},
			wantHeld:    []string{"a", "b"},
			wantTorn:    int64(len(`{"block":4,"txId":"c","na`)),
		},
		{
			name:        "torn line without a '\\n' before it",
			content:     `{"block":3,"tx`,
			wantContent: "",
			wantTorn:    int64(len(`{"block":3,"tx`)),
		},
		{
			name:        "whole line but its '\\n'",
			content:     lines(ev(3, "a")) + strings.TrimSuffix(lines(ev(3, "b")), "\n"),
			wantContent: lines(ev(3, "a")),
			wantResumed: &position{3, "a"},
			wantHeld:    []string{"a"},
			wantTorn:    int64(len(lines(ev(3, "b"))) - 1),
		},
		{
			name:        "lines longer than the read chunk",
			content:     lines(ev(6, "d"), long, ev(7, "short")),
			wantContent: lines(ev(6, "d"), long, ev(7, "short")),
			wantResumed: &position{7, "short"},
			wantHeld:    []string{"long", "short"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, tt.content)
			s, err := openSink(path)
			if err != nil {
				t.Fatalf("openSink: %v", err)
			}
			defer s.Close()
			if got := readFile(t, path); got != tt.wantContent {
				t.Errorf("file after open:\ngot  %q\nwant %q", got, tt.wantContent)
			}
			if got, want := fmt.Sprint(s.resumed), fmt.Sprint(tt.wantResumed); got != want {
				t.Errorf("resumed: got %s, want %s", got, want)
			}
			var held []string
			for _, tx := range []string{"a", "b", "c", "d", "e", "long", "short"} {
				if s.held[tx] {
					held = append(held, tx)
				}
			}
			if got, want := fmt.Sprint(held), fmt.Sprint(tt.wantHeld); got != want {
				t.Errorf("held transactions of the last block: got %s, want %s", got, want)
			}
			if s.discarded != tt.wantTorn {
				t.Errorf("discarded: got %d bytes, want %d", s.discarded, tt.wantTorn)
			}
		})
	}
}

func TestOpenSinkRefuses(t *testing.T) {
	tests := []struct {
		name    string
		content string
	}{
		{"last line not JSON", lines(ev(3, "a")) + "hello\n"},
		{"last line without a transaction", lines(ev(3, "a")) + "{}\n"},
		{"bad line in the last block", "garbage\n" + lines(ev(3, "a"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, tt.content)
			s, err := openSink(path)
			if err == nil {
				s.Close()
				t.Fatal("openSink: got no error, want one")
			}
			if got := readFile(t, path); got != tt.content {
				t.Errorf("file changed:\ngot  %q\nwant %q", got, tt.content)
			}
		})
	}
}

func TestOpenSinkLocksTheFile(t *testing.T) {
	path := writeFile(t, "")
	s, err := openSink(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := openSink(path); !errors.Is(err, errLocked) {
		t.Errorf("second openSink: got %v, want %v", err, errLocked)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = openSink(path)
	if err != nil {
		t.Fatalf("openSink after the first closed: %v", err)
	}
	s.Close()
}

func TestSinkDropsWhatTheFileHolds(t *testing.T) {
	tests := []struct {
		name      string
		held      []record // in the file at open
		delivered []record // by the follower after the restart
	}{
		{"new file", nil, testLedger},
		{"last line acknowledged", testLedger[:2], testLedger[2:]},
		{"last line redelivered", testLedger[:3], testLedger[2:]},
		{"acknowledged mid-block", testLedger[:4], testLedger[4:]},
		{"redelivered mid-block", testLedger[:5], testLedger[4:]},
		{"redelivered at the end of a block", testLedger[:6], testLedger[5:]},
		{"checkpoint lost: replay from the first block", testLedger[:5], testLedger},
		{"everything held", testLedger, testLedger[6:]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, path := openTestSink(t, lines(tt.held...))
			for _, r := range tt.delivered {
				if _, err := s.add(r); err != nil {
					t.Fatalf("add %s: %v", r.TxID, err)
				}
			}
			if got, want := readFile(t, path), lines(testLedger...); got != want {
				t.Errorf("file:\ngot  %s\nwant %s", got, want)
			}
		})
	}
}

// TestKillAtAnyInstant emulates a SIGKILL at every point of handling an
// event: after k bytes of its line were written (k = 0 … the whole line)
// and after the checkpoint moved past it. The restarted sink gets the
// events the follower delivers from its checkpoint; the file must end up
// holding every event exactly once.
func TestKillAtAnyInstant(t *testing.T) {
	const victim = 4 // ev(6, "e"), in the middle of block 6
	line := lines(testLedger[victim])
	type crash struct {
		name    string
		written string // bytes of the victim's line on disk
		acked   bool   // whether the checkpoint moved past it
	}
	var crashes []crash
	for k := 0; k <= len(line); k++ {
		crashes = append(crashes, crash{fmt.Sprintf("%d of %d bytes written", k, len(line)), line[:k], false})
	}
	crashes = append(crashes, crash{"acknowledged", line, true})
	for _, c := range crashes {
		t.Run(c.name, func(t *testing.T) {
			s, path := openTestSink(t, lines(testLedger[:victim]...)+c.written)
			from := victim
			if c.acked {
				from++
			}
			for _, r := range testLedger[from:] {
				if _, err := s.add(r); err != nil {
					t.Fatalf("add %s: %v", r.TxID, err)
				}
			}
			if got, want := readFile(t, path), lines(testLedger...); got != want {
				t.Errorf("file:\ngot  %s\nwant %s", got, want)
			}
		})
	}
}
