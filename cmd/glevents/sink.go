package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"

	"github.com/grantledger/grantledger/client"
	"github.com/grantledger/grantledger/ledger"
)

// record is one line of the output file: one chaincode event of the
// contract. Block and TxID are its position on the ledger; every
// grantledger transaction emits at most one event, so they identify it.
type record struct {
	Block   uint64            `json:"block"`
	TxID    string            `json:"txId"`
	Name    string            `json:"name"`
	Type    string            `json:"type,omitempty"`
	ID      string            `json:"id,omitempty"`
	Change  string            `json:"change,omitempty"`
	Actor   string            `json:"actor,omitempty"`
	Related []ledger.EventRef `json:"related,omitempty"`
	// Payload is the raw payload, kept only when it is not the contract's
	// {"type","id","change",…} form (Type is then empty).
	Payload string `json:"payload,omitempty"`
}

// newRecord converts a delivered event.
func newRecord(ev client.Event) record {
	r := record{
		Block: ev.BlockNumber, TxID: ev.TransactionID, Name: ev.Name,
		Type: ev.Type, ID: ev.ID, Change: ev.Change, Actor: ev.Actor, Related: ev.Related,
	}
	if r.Type == "" && r.ID == "" {
		r.Payload = string(ev.Payload)
	}
	return r
}

// position is where an event sits on the ledger.
type position struct {
	block uint64
	txID  string
}

// sink appends records to the output file, one fsynced JSON line each,
// and drops the events the file already holds (see the package doc).
type sink struct {
	f    *os.File
	path string
	// last is the block of the file's last line and held the transactions
	// of that block the file holds, while redelivered events may still
	// arrive; held is nil once an event past them was seen or when the
	// file was empty.
	last uint64
	held map[string]bool
	// resumed is the position of the last line found at open, nil for an
	// empty file; discarded counts the bytes of a torn last line removed.
	resumed   *position
	discarded int64
}

// errLocked means another process holds the output file.
var errLocked = errors.New("another glevents is following into this file")

// openSink opens (creating it if needed) and locks the output file,
// removes a torn last line (bytes after the last '\n', left by a process
// killed while writing) and reads the positions of the lines of the last
// block.
func openSink(path string) (_ *sink, err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open output: %w", err)
	}
	defer func() {
		if err != nil {
			_ = f.Close()
		}
	}()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("lock output %s: %w", path, errLocked)
		}
		return nil, fmt.Errorf("lock output %s: %w", path, err)
	}
	// The file may have just been created: make its name durable too.
	if err := syncDir(filepath.Dir(path)); err != nil {
		return nil, fmt.Errorf("open output %s: %w", path, err)
	}
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("open output %s: %w", path, err)
	}
	nl, err := lastNewline(f, st.Size())
	if err != nil {
		return nil, fmt.Errorf("read output %s: %w", path, err)
	}
	complete := nl + 1
	s := &sink{f: f, path: path, discarded: st.Size() - complete}
	if s.discarded > 0 {
		if err := f.Truncate(complete); err != nil {
			return nil, fmt.Errorf("remove torn last line of %s: %w", path, err)
		}
		if err := f.Sync(); err != nil {
			return nil, fmt.Errorf("remove torn last line of %s: %w", path, err)
		}
	}
	// Collect the transactions of the last line's block: the lines at the
	// end of the file with that block.
	for end := complete; end > 0; {
		line, start, err := lineBefore(f, end)
		if err != nil {
			return nil, fmt.Errorf("read output %s: %w", path, err)
		}
		var r record
		if err := json.Unmarshal(line, &r); err != nil || r.TxID == "" {
			return nil, fmt.Errorf("output %s: line at offset %d is not a glevents record: %q", path, start, truncate(line, 120))
		}
		if s.held == nil {
			s.last, s.held = r.Block, make(map[string]bool)
			s.resumed = &position{block: r.Block, txID: r.TxID}
		} else if r.Block != s.last {
			break
		}
		s.held[r.TxID] = true
		end = start
	}
	return s, nil
}

// add appends r as one line and syncs the file, unless the file already
// holds r: then it reports false and writes nothing.
func (s *sink) add(r record) (bool, error) {
	if s.seen(r.Block, r.TxID) {
		return false, nil
	}
	line, err := json.Marshal(r)
	if err != nil {
		return false, fmt.Errorf("encode event %s in block %d: %w", r.TxID, r.Block, err)
	}
	// One write of the whole line: a kill leaves either the line or a
	// torn prefix of it, which the next openSink removes.
	if _, err := s.f.Write(append(line, '\n')); err != nil {
		return false, fmt.Errorf("write event %s in block %d to %s: %w", r.TxID, r.Block, s.path, err)
	}
	if err := s.f.Sync(); err != nil {
		return false, fmt.Errorf("sync %s after event %s in block %d: %w", s.path, r.TxID, r.Block, err)
	}
	return true, nil
}

// seen reports whether the file held the event at (block, txID) when it
// was opened. The file holds a prefix of the ledger's events in ledger
// order, and events arrive in that order from a checkpoint that is never
// past the file's end. So an event of an earlier block than the last
// line's is held; in the last line's block the held events are those the
// file lists there; the first event that is not held, and every event
// after it, is new.
func (s *sink) seen(block uint64, txID string) bool {
	if s.held == nil {
		return false
	}
	if block < s.last || (block == s.last && s.held[txID]) {
		return true
	}
	s.held = nil
	return false
}

// Close releases the file and its lock.
func (s *sink) Close() error {
	if err := s.f.Close(); err != nil {
		return fmt.Errorf("close output %s: %w", s.path, err)
	}
	return nil
}

// lineBefore returns the line of f that ends with the '\n' at end-1,
// without the '\n', and the offset where it starts.
func lineBefore(f io.ReaderAt, end int64) (line []byte, start int64, err error) {
	nl, err := lastNewline(f, end-1)
	if err != nil {
		return nil, 0, err
	}
	start = nl + 1
	line = make([]byte, end-1-start)
	if _, err := f.ReadAt(line, start); err != nil {
		return nil, 0, err
	}
	return line, start, nil
}

// lastNewline returns the offset of the last '\n' before offset before, or -1.
func lastNewline(f io.ReaderAt, before int64) (int64, error) {
	const chunk = 32 << 10
	buf := make([]byte, chunk)
	for end := before; end > 0; {
		start := max(0, end-chunk)
		b := buf[:end-start]
		if _, err := f.ReadAt(b, start); err != nil {
			return 0, err
		}
		if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
			return start + int64(i), nil
		}
		end = start
	}
	return -1, nil
}

// syncDir makes the entries of a directory durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync directory %s: %w", dir, err)
	}
	return nil
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}
