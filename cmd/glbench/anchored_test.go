package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// fakeStream serves an anchoring event stream in two connections: the
// first ends after two events, the second must resume after the last one
// (Last-Event-ID) and delivers the rest, one of them a receipt anchored a
// second time in another batch.
type fakeStream struct {
	mu      sync.Mutex
	resumes []string
}

func (s *fakeStream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer tok" {
		http.Error(w, "no", http.StatusUnauthorized)
		return
	}
	s.mu.Lock()
	s.resumes = append(s.resumes, r.Header.Get("Last-Event-ID"))
	n := len(s.resumes)
	s.mu.Unlock()
	w.Header().Set("Content-Type", "text/event-stream")
	event := func(id int, typ, receipt, batch, tx string) {
		fmt.Fprintf(w, "id: %d\nevent: %s\ndata: {\"id\":\"%d\",\"type\":%q,\"payload\":{\"receiptId\":%q,\"status\":\"x\",\"batchId\":%q,\"txId\":%q,\"reason\":\"bad\"}}\n\n",
			id, typ, id, typ, receipt, batch, tx)
	}
	fmt.Fprint(w, "retry: 2000\n\n")
	switch n {
	case 1:
		event(1, "receipt.anchored", "r1", "b1", "t1")
		event(2, "batch.anchored", "", "b1", "t1")
		// The connection ends, as when the service is killed.
	default:
		event(3, "receipt.anchored", "r2", "b2", "t2")
		event(4, "receipt.refused", "r3", "", "")
		event(5, "receipt.anchored", "r1", "b3", "t3") // anchored again, elsewhere
		event(6, "receipt.anchored", "r2", "b2", "t2") // the same event again: not doubled
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}
}

func TestEventFollowerResumesAndCounts(t *testing.T) {
	fs := &fakeStream{}
	srv := httptest.NewServer(fs)
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f, err := follow(ctx, &apiClient{base: srv.URL, tokens: map[string]string{"User1": "tok"}})
	if err != nil {
		t.Fatal(err)
	}
	if n := f.settled(ctx, []string{"r1", "r2", "r3"}, time.Now().Add(5*time.Second)); n != 3 {
		t.Fatalf("settled: got %d of 3", n)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		f.mu.Lock()
		done := f.last == "6"
		f.mu.Unlock()
		if done || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.anchored["r1"].batchID != "b1" || f.anchored["r2"].txID != "t2" || f.refused["r3"] != "bad" {
		t.Errorf("got anchored %v, refused %v", f.anchored, f.refused)
	}
	if len(f.doubled) != 1 || !f.doubled["r1"] {
		t.Errorf("doubled: got %v, want r1 alone", f.doubled)
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if len(fs.resumes) < 2 || fs.resumes[0] != "" || fs.resumes[1] != "2" {
		t.Errorf("connections' Last-Event-ID: got %q, want none and then 2", fs.resumes)
	}
	if f.reconnect < 1 {
		t.Errorf("reconnections: got %d", f.reconnect)
	}
}
