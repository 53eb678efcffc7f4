package bench

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ReadMachine describes this machine: CPU model and cores, memory, the Go
// version the bench was built with, the operating system and the load
// average now. fabric is the Fabric version the caller knows (the pin).
func ReadMachine(fabric string) Machine {
	m := Machine{Cores: runtime.NumCPU(), Go: runtime.Version(), Fabric: fabric, OS: runtime.GOOS + "/" + runtime.GOARCH}
	if raw, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		m.CPU = ParseCPUModel(string(raw))
	}
	if raw, err := os.ReadFile("/proc/meminfo"); err == nil {
		m.MemoryMB = ParseMemTotalMB(string(raw))
	}
	m.LoadStart = LoadAvg()
	return m
}

// ParseCPUModel returns the first "model name" of /proc/cpuinfo.
func ParseCPUModel(cpuinfo string) string {
	sc := bufio.NewScanner(strings.NewReader(cpuinfo))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

// ParseMemTotalMB returns MemTotal of /proc/meminfo in MiB.
func ParseMemTotalMB(meminfo string) int64 {
	sc := bufio.NewScanner(strings.NewReader(meminfo))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 2 && f[0] == "MemTotal:" {
			kb, err := strconv.ParseInt(f[1], 10, 64)
			if err == nil {
				return kb / 1024
			}
		}
	}
	return 0
}

// LoadAvg returns the 1, 5 and 15-minute load averages (zeros if unknown).
func LoadAvg() [3]float64 {
	var out [3]float64
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return out
	}
	f := strings.Fields(string(raw))
	for i := 0; i < 3 && i < len(f); i++ {
		out[i], _ = strconv.ParseFloat(f[i], 64)
	}
	return out
}

// CPUSample is a reading of the CPU time spent so far: by the whole
// machine (busy and total jiffies of /proc/stat's "cpu" line) and by this
// process (user and system time).
type CPUSample struct {
	at          time.Time
	busy, total uint64
	self        time.Duration
}

// SampleCPU reads the CPU counters now.
func SampleCPU() CPUSample {
	s := CPUSample{at: time.Now()}
	if raw, err := os.ReadFile("/proc/stat"); err == nil {
		s.busy, s.total, _ = ParseProcStat(string(raw))
	}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		s.self = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	return s
}

// IsZero reports whether s was never taken.
func (s CPUSample) IsZero() bool { return s.at.IsZero() }

// Since returns the CPU share between an earlier sample and s: how busy
// the machine's cores were, and how much of them this process used.
func (s CPUSample) Since(earlier CPUSample) *CPUShare {
	wall := s.at.Sub(earlier.at)
	if wall <= 0 || s.total <= earlier.total {
		return nil
	}
	share := &CPUShare{
		MachineBusy: roundSig(100 * float64(s.busy-earlier.busy) / float64(s.total-earlier.total)),
		Bench:       roundSig(100 * float64(s.self-earlier.self) / (float64(wall) * float64(runtime.NumCPU()))),
	}
	return share
}

// ParseProcStat returns the busy and total jiffies of the aggregate "cpu"
// line of /proc/stat: busy is everything but idle and iowait.
func ParseProcStat(stat string) (busy, total uint64, err error) {
	line, _, _ := strings.Cut(stat, "\n")
	f := strings.Fields(line)
	if len(f) < 5 || f[0] != "cpu" {
		return 0, 0, fmt.Errorf("no aggregate cpu line in /proc/stat: %q", line)
	}
	var idle uint64
	for i, v := range f[1:] {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("/proc/stat field %d: %w", i+1, err)
		}
		// Guest time (fields 9, 10) is already counted in user and nice.
		if i >= 8 {
			continue
		}
		total += n
		if i == 3 || i == 4 { // idle, iowait
			idle += n
		}
	}
	return total - idle, total, nil
}
