package agent

import (
	"bufio"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// hostMemory returns MemTotal from /proc/meminfo in bytes.
func hostMemory() int64 { return meminfo("MemTotal:") }

// diskSpace returns the size and free bytes of the filesystem holding dir.
func diskSpace(dir string) (total, free int64) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, 0
	}
	return int64(st.Blocks) * st.Bsize, int64(st.Bavail) * st.Bsize
}

// memAvailable returns MemAvailable from /proc/meminfo in bytes.
func memAvailable() int64 { return meminfo("MemAvailable:") }

func meminfo(key string) int64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == key {
			kb, _ := strconv.ParseInt(fields[1], 10, 64)
			return kb * 1024
		}
	}
	return 0
}

// bootTime is when the host booted (btime in /proc/stat).
func bootTime() time.Time {
	raw, err := os.ReadFile("/proc/stat")
	if err != nil {
		return time.Time{}
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "btime "); ok {
			secs, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			return time.Unix(secs, 0).UTC()
		}
	}
	return time.Time{}
}

// cpuMeter turns the cumulative counters of /proc/stat into the busy
// share since the previous reading.
type cpuMeter struct {
	mu          sync.Mutex
	busy, total uint64
}

// usage returns percent of one CPU used since the last call (up to 100 *
// CPUs); the first call measures since boot.
func (m *cpuMeter) usage() float64 {
	raw, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(raw), "\n")
	fields := strings.Fields(line)
	if len(fields) < 5 || fields[0] != "cpu" {
		return 0
	}
	var busy, total uint64
	for i, f := range fields[1:] {
		v, _ := strconv.ParseUint(f, 10, 64)
		total += v
		if i != 3 && i != 4 { // idle and iowait are not busy
			busy += v
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	db, dt := busy-m.busy, total-m.total
	m.busy, m.total = busy, total
	if dt == 0 {
		return 0
	}
	return float64(db) / float64(dt) * 100 * float64(runtime.NumCPU())
}
