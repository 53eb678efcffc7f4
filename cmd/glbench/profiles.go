package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/grantledger/grantledger/bench"
)

// Where the CPU goes: for every scenario the bench reads each network
// process's CPU time (/proc/<pid>/stat) at the start and end of the
// window, and reports it by kind of process as a share of all the
// machine's cores. With -profile it also records CPU profiles during
// receipt-anchored with Linux perf, which needs no change to any program
// (Go binaries keep frame pointers and symbols) and so profiles the peers,
// the contract service and the anchoring service alike.

// clockTicks is the kernel's USER_HZ, the unit of /proc/<pid>/stat times:
// 100 on every Linux architecture Go supports.
const clockTicks = 100

// netProcess is one process of the bench network, by name and kind.
type netProcess struct{ name, kind string }

// netProcesses lists the processes of the bench network by the names the
// network gives them (as glnet status shows them).
func (b *benchRun) netProcesses() []netProcess {
	t := b.net.Topology()
	var out []netProcess
	for _, o := range t.OrdererOrg.Nodes {
		out = append(out, netProcess{o.Name + "." + t.OrdererOrg.Name + "." + t.Domain, "orderers"})
	}
	for _, o := range t.Orgs {
		for _, p := range o.Peers {
			out = append(out, netProcess{p.Name + "." + o.Name + "." + t.Domain, "peers"})
		}
		out = append(out,
			netProcess{"chaincode-" + o.Name, "contract services"},
			netProcess{"baseline-" + o.Name, "baseline services"},
			netProcess{"api-" + o.Name, "APIs"})
		if o.Anchor != "" {
			out = append(out, netProcess{"anchor-" + o.Name, "anchoring service"})
		}
	}
	return out
}

// cpuProbe reads CPU time at the start and end of a window.
type cpuProbe struct {
	b       *benchRun
	machine bench.CPUSample
	at      time.Time
	ticks   map[string]uint64
	kindOf  map[string]string
	started bool
}

func (b *benchRun) newProbe() *cpuProbe {
	p := &cpuProbe{b: b, ticks: map[string]uint64{}, kindOf: map[string]string{}}
	for _, np := range b.netProcesses() {
		p.kindOf[np.name] = np.kind
	}
	return p
}

func (p *cpuProbe) read() map[string]uint64 {
	out := map[string]uint64{}
	for name := range p.kindOf {
		pid, err := p.b.net.PID(name)
		if err != nil {
			continue
		}
		if t, err := procTicks(pid); err == nil {
			out[name+"#"+strconv.Itoa(pid)] = t
		}
	}
	return out
}

// start takes the first reading; a nil probe reads nothing.
func (p *cpuProbe) start() {
	if p == nil {
		return
	}
	p.machine, p.at, p.ticks, p.started = bench.SampleCPU(), time.Now(), p.read(), true
}

// stop takes the second reading and returns the machine's CPU share with
// each kind of process's, in percent of all cores. A process restarted in
// between (the killed anchoring service) counts from its start.
func (p *cpuProbe) stop() *bench.CPUShare {
	if p == nil || !p.started {
		return nil
	}
	machine := bench.SampleCPU().Since(p.machine)
	if machine == nil {
		return nil
	}
	now := p.read()
	wall := time.Since(p.at).Seconds() * float64(runtime.NumCPU())
	byKind := map[string]float64{}
	for key, t := range now {
		name, _, _ := strings.Cut(key, "#")
		// A process that started since counts from 0.
		if p.ticks[key] > t {
			continue
		}
		byKind[p.kindOf[name]] += float64(t-p.ticks[key]) / clockTicks
	}
	machine.ByProcess = map[string]float64{}
	for k, v := range byKind {
		machine.ByProcess[k] = roundTo(100*v/wall, 1)
	}
	return machine
}

// procTicks is a process's user plus system CPU time, in clock ticks.
func procTicks(pid int) (uint64, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	return parseStatTicks(string(raw))
}

// parseStatTicks reads utime and stime (fields 14 and 15) of a
// /proc/<pid>/stat line; the command name before them may hold spaces, so
// fields are counted after its closing parenthesis.
func parseStatTicks(stat string) (uint64, error) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, errors.New("malformed /proc/<pid>/stat")
	}
	f := strings.Fields(stat[i+1:])
	// f[0] is field 3 (state): utime is field 14, f[11].
	if len(f) < 13 {
		return 0, errors.New("short /proc/<pid>/stat")
	}
	u, err := strconv.ParseUint(f[11], 10, 64)
	if err != nil {
		return 0, err
	}
	s, err := strconv.ParseUint(f[12], 10, 64)
	if err != nil {
		return 0, err
	}
	return u + s, nil
}

// profileTargets are the processes profiled under receipt-anchored: the
// platform's peer (the gateway the anchoring service submits through, and
// an endorser), the platform's contract service, the anchoring service
// and the first orderer.
func (b *benchRun) profileTargets() []string {
	t := b.net.Topology()
	o := b.platformOrg()
	if o == nil {
		return nil
	}
	names := []string{o.Peers[0].Name + "." + o.Name + "." + t.Domain, "chaincode-" + o.Name}
	if o.Anchor != "" {
		names = append(names, "anchor-"+o.Name)
	}
	first := t.OrdererOrg.Nodes[0]
	return append(names, first.Name+"."+t.OrdererOrg.Name+"."+t.Domain)
}

// startProfiles records, with perf, a CPU profile of each profile target
// for profile-duration (at most the window), into OUT/profiles; the
// returned function waits for them and returns, by process, the text
// summary written beside each (the hottest functions), or why none was.
func (b *benchRun) startProfiles(ctx context.Context) func() map[string]string {
	dir := filepath.Join(b.cfg.Out, "profiles")
	results := map[string]string{}
	if _, err := exec.LookPath("perf"); err != nil {
		return func() map[string]string { return map[string]string{"all": "not profiled: perf is not installed"} }
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return func() map[string]string { return map[string]string{"all": "not profiled: " + err.Error()} }
	}
	secs := strconv.Itoa(int(min(b.cfg.ProfileDuration, b.cfg.AnchoredWindow).Seconds()))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, name := range b.profileTargets() {
		pid, err := b.net.PID(name)
		if err != nil {
			results[name] = "not profiled: " + err.Error()
			continue
		}
		wg.Go(func() {
			data := filepath.Join(dir, name+".perf.data")
			summary := filepath.Join(dir, name+".txt")
			msg := summary
			// perf would keep an earlier recording as .old: this run's only.
			_ = os.Remove(data)
			// 497 Hz with call graphs (frame pointers): enough samples
			// of a process that gets a fraction of a core, light enough
			// not to move the numbers it explains.
			rec := exec.CommandContext(ctx, "perf", "record", "-F", "497", "-g", "-p", strconv.Itoa(pid), "-o", data, "--", "sleep", secs)
			if out, err := rec.CombinedOutput(); err != nil {
				msg = fmt.Sprintf("not profiled: perf record: %v: %s", err, strings.TrimSpace(string(out)))
			} else if err := perfSummary(ctx, data, summary); err != nil {
				msg = "profiled, no summary: " + err.Error()
			}
			mu.Lock()
			results[name] = msg
			mu.Unlock()
		})
	}
	return func() map[string]string {
		wg.Wait()
		b.logf("CPU profiles in %s", dir)
		return results
	}
}

// perfSummary writes the hottest functions of a perf recording, by their
// own samples (self) and then with what they call (children).
func perfSummary(ctx context.Context, data, summary string) error {
	var out strings.Builder
	for _, mode := range []string{"--no-children", "--children"} {
		cmd := exec.CommandContext(ctx, "perf", "report", "-i", data, "--stdio", mode, "--sort", "sym", "-g", "none", "--percent-limit", "1")
		raw, err := cmd.Output()
		if err != nil {
			return fmt.Errorf("perf report: %w", err)
		}
		out.WriteString("#### perf report " + mode + "\n")
		out.Write(raw)
	}
	return os.WriteFile(summary, []byte(out.String()), 0o644)
}
