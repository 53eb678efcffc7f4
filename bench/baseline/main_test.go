package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
)

// stub is the part of the chaincode stub the baseline uses: a function
// call and a world state in memory.
type stub struct {
	shim.ChaincodeStubInterface
	fn    string
	args  []string
	state map[string][]byte
	puts  int
}

func (s *stub) GetFunctionAndParameters() (string, []string) { return s.fn, s.args }
func (s *stub) PutState(k string, v []byte) error {
	s.state[k] = v
	s.puts++
	return nil
}
func (s *stub) GetState(k string) ([]byte, error) { return s.state[k], nil }

func call(st *stub, fn string, args ...string) (int32, []byte, string) {
	st.fn, st.args = fn, args
	r := baseline{}.Invoke(st)
	return r.Status, r.Payload, r.Message
}

func TestPutIsOneWrite(t *testing.T) {
	st := &stub{state: map[string][]byte{}}
	if code, _, msg := call(st, "Put", "k1", "v1"); code != shim.OK {
		t.Fatalf("Put: got %d %s", code, msg)
	}
	if st.puts != 1 || string(st.state["k1"]) != "v1" {
		t.Fatalf("after Put: %d writes, state %q; want one write of v1", st.puts, st.state)
	}
	if code, v, _ := call(st, "Get", "k1"); code != shim.OK || !bytes.Equal(v, []byte("v1")) {
		t.Fatalf("Get: got %d %q, want v1", code, v)
	}
}

func TestRefusals(t *testing.T) {
	st := &stub{state: map[string][]byte{}}
	for _, c := range []struct {
		fn   string
		args []string
		want string
	}{
		{"Put", []string{"only-key"}, "key and a value"},
		{"Put", []string{"", "v"}, "non-empty key"},
		{"Get", nil, "takes a key"},
		{"Delete", []string{"k"}, "unknown function"},
	} {
		code, _, msg := call(st, c.fn, c.args...)
		if code != shim.ERROR || !strings.Contains(msg, c.want) {
			t.Errorf("%s%q: got %d %q, want an error mentioning %q", c.fn, c.args, code, msg, c.want)
		}
	}
	if st.puts != 0 {
		t.Errorf("refused calls wrote %d times", st.puts)
	}
}

func TestConfigRequired(t *testing.T) {
	var stderr bytes.Buffer
	if code := run(context.Background(), []string{"-address", "127.0.0.1:1"}, &stderr); code == 0 {
		t.Fatalf("run without an ID: got exit 0, want a configuration error: %s", stderr.String())
	}
	if !strings.Contains(stderr.String(), "id") {
		t.Errorf("the error does not name -id: %s", stderr.String())
	}
}
