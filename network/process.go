package network

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// process is one long-running program of the network: an orderer, a peer,
// the chaincode service or an API server.
type process struct {
	name string
	bin  string
	args []string
	env  []string
	// ready is polled after start: an http(s) URL answering 200, or a
	// tcp://host:port that accepts connections.
	ready string
}

// readyTimeout bounds how long a process may take to become ready.
const readyTimeout = 90 * time.Second

// strayEnvPrefixes are variables of the caller's environment that would
// reconfigure Fabric processes behind the topology's back.
var strayEnvPrefixes = []string{"CORE_", "ORDERER_", "FABRIC_", "CHAINCODE_", "GRANTLEDGER_"}

func cleanEnviron() []string {
	var out []string
outer:
	for _, kv := range os.Environ() {
		for _, p := range strayEnvPrefixes {
			if strings.HasPrefix(kv, p) {
				continue outer
			}
		}
		out = append(out, kv)
	}
	return out
}

// start launches p in its own session, logging to its log file, records its
// PID and waits until it is ready. A process already running is left alone.
func (n *Network) start(ctx context.Context, p process) error {
	if pid, ok := n.pid(p.name); ok {
		n.logf("%s already running (pid %d)", p.name, pid)
		return nil
	}
	if err := os.MkdirAll(n.LogDir(), 0o755); err != nil {
		return err
	}
	if err := os.MkdirAll(n.runDir(), 0o755); err != nil {
		return err
	}
	logf, err := os.OpenFile(n.LogFile(p.name), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("start %s: %w", p.name, err)
	}
	defer logf.Close()
	fmt.Fprintf(logf, "\n==== %s starting %s %s\n", time.Now().Format(time.RFC3339), p.bin, strings.Join(p.args, " "))
	cmd := exec.Command(p.bin, p.args...)
	cmd.Env = append(cleanEnviron(), p.env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	// A session of its own: the process outlives glnet and is not hit by
	// signals sent to the terminal's process group.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", p.name, err)
	}
	pid := cmd.Process.Pid
	// Reap it if it ends while we are still running (tests restart nodes).
	go func() { _ = cmd.Wait() }()
	// The PID file names the program too, so that a recycled PID running
	// something else is never taken for (or signalled as) ours.
	if err := writeFileAtomic(n.pidFile(p.name), []byte(strconv.Itoa(pid)+"\n"+p.bin+"\n")); err != nil {
		return fmt.Errorf("start %s: record pid: %w", p.name, err)
	}
	n.logf("%s started (pid %d), log %s", p.name, pid, n.LogFile(p.name))
	if p.ready == "" {
		return nil
	}
	if err := n.waitReady(ctx, p, pid); err != nil {
		return fmt.Errorf("start %s: %w (see %s)", p.name, err, n.LogFile(p.name))
	}
	return nil
}

func (n *Network) waitReady(ctx context.Context, p process, pid int) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	hc := &http.Client{Timeout: 2 * time.Second}
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		// No program check here: until the child has called exec, its
		// command line is still ours.
		if !alive(pid, "") {
			return fmt.Errorf("exited before it was ready: %s", n.tail(p.name, 5))
		}
		if probe(ctx, hc, p.ready) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("not ready at %s: %w", p.ready, ctx.Err())
		case <-tick.C:
		}
	}
}

func probe(ctx context.Context, hc *http.Client, target string) bool {
	if addr, ok := strings.CutPrefix(target, "tcp://"); ok {
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			return false
		}
		c.Close()
		return true
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return false
	}
	resp, err := hc.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// pid returns the PID of the named process if it is running.
func (n *Network) pid(name string) (int, bool) {
	raw, err := os.ReadFile(n.pidFile(name))
	if err != nil {
		return 0, false
	}
	pidLine, bin, _ := strings.Cut(strings.TrimSpace(string(raw)), "\n")
	pid, err := strconv.Atoi(pidLine)
	if err != nil || pid <= 0 || bin == "" {
		return 0, false
	}
	if !alive(pid, bin) {
		return 0, false
	}
	return pid, true
}

// program is the program recorded in the named process's PID file.
func (n *Network) program(name string) string {
	raw, err := os.ReadFile(n.pidFile(name))
	if err != nil {
		return ""
	}
	_, bin, _ := strings.Cut(strings.TrimSpace(string(raw)), "\n")
	return bin
}

// alive reports whether pid is a live (not zombie) process, and, when bin
// is given, one running that program, so a recycled PID is not mistaken
// for ours.
func alive(pid int, bin string) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// The state follows the parenthesised command name.
	if i := bytes.LastIndexByte(stat, ')'); i < 0 || i+2 >= len(stat) || stat[i+2] == 'Z' {
		return false
	}
	if bin == "" {
		return true
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return false
	}
	argv0, _, _ := bytes.Cut(cmdline, []byte{0})
	return filepath.Base(string(argv0)) == filepath.Base(bin)
}

// stop ends the named process: SIGTERM, then SIGKILL after a grace period.
func (n *Network) stop(name string) error {
	pid, ok := n.pid(name)
	if !ok {
		_ = os.Remove(n.pidFile(name))
		return nil
	}
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("stop %s (pid %d): %w", name, pid, err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for alive(pid, "") && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if alive(pid, "") {
		_ = syscall.Kill(pid, syscall.SIGKILL)
		for i := 0; i < 50 && alive(pid, ""); i++ {
			time.Sleep(100 * time.Millisecond)
		}
	}
	n.logf("%s stopped (pid %d)", name, pid)
	return os.Remove(n.pidFile(name))
}

// tail returns the last lines of a process's log, for error messages.
func (n *Network) tail(name string, lines int) string {
	raw, err := os.ReadFile(n.LogFile(name))
	if err != nil {
		return "(no log)"
	}
	all := strings.Split(strings.TrimRight(string(raw), "\n"), "\n")
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return strings.Join(all, " | ")
}
