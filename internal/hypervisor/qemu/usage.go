package qemu

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/kumo-cloud/kumo/internal/hypervisor"
)

// clockTicks is the kernel's USER_HZ, the unit of /proc/<pid>/stat's CPU
// times: 100 on every Linux architecture Kumo runs on (sysconf would need
// cgo).
const clockTicks = 100

// Usage reads the VM's counters: CPU time and resident memory of its
// QEMU process from /proc, disk traffic from QMP's query-blockstats.
// User-mode NAT NICs have no counters the host can read; network
// counters come with tap devices.
func (d *Driver) Usage(ctx context.Context, dir string) (hypervisor.Usage, error) {
	var u hypervisor.Usage
	pid := livePID(dir)
	if pid == 0 {
		return u, fmt.Errorf("VM in %s is not running", dir)
	}
	var err error
	if u.CPUSeconds, err = processCPUSeconds(pid); err != nil {
		return u, err
	}
	if u.MemoryRSSBytes, err = processRSS(pid); err != nil {
		return u, err
	}
	var stats []struct {
		Stats struct {
			RdBytes      int64 `json:"rd_bytes"`
			WrBytes      int64 `json:"wr_bytes"`
			RdOperations int64 `json:"rd_operations"`
			WrOperations int64 `json:"wr_operations"`
		} `json:"stats"`
	}
	if err := d.execute(ctx, dir, "query-blockstats", nil, &stats); err != nil {
		return u, err
	}
	for _, s := range stats {
		u.DiskReadBytes += s.Stats.RdBytes
		u.DiskWriteBytes += s.Stats.WrBytes
		u.DiskReadOps += s.Stats.RdOperations
		u.DiskWriteOps += s.Stats.WrOperations
	}
	return u, nil
}

// processCPUSeconds is utime + stime of /proc/<pid>/stat.
func processCPUSeconds(pid int) (float64, error) {
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	// The command name (field 2) is in parentheses and may hold spaces:
	// fields are counted after its closing one.
	i := bytes.LastIndexByte(raw, ')')
	if i < 0 {
		return 0, fmt.Errorf("process %d: unreadable stat", pid)
	}
	f := strings.Fields(string(raw[i+1:]))
	// f[0] is field 3 (state); utime and stime are fields 14 and 15.
	if len(f) < 13 {
		return 0, fmt.Errorf("process %d: short stat", pid)
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("process %d: bad CPU times in stat", pid)
	}
	return float64(utime+stime) / clockTicks, nil
}

// processRSS is VmRSS of /proc/<pid>/status, in bytes.
func processRSS(pid int) (int64, error) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("process %d: bad VmRSS", pid)
			}
			return kb << 10, nil
		}
	}
	return 0, fmt.Errorf("process %d: no VmRSS", pid)
}
