package qemu

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/kumo-cloud/kumo/internal/guestagent"
	"github.com/kumo-cloud/kumo/internal/hypervisor"
)

// clockTicks is the kernel's USER_HZ, the unit of /proc/<pid>/stat's CPU
// times: 100 on every Linux architecture Kumo runs on (sysconf would need
// cgo).
const clockTicks = 100

// Usage reads the VM's counters: CPU time and resident memory of its
// QEMU process from /proc, disk traffic from QMP's query-blockstats, and
// NIC traffic as the guest's agent reports it (netCounters): a NIC on
// user-mode NAT has no counters the host can read.
func (d *Driver) Usage(ctx context.Context, dir string) (hypervisor.Usage, error) {
	var u hypervisor.Usage
	dir, err := absDir(dir)
	if err != nil {
		return u, err
	}
	pid := livePID(dir)
	if pid == 0 {
		return u, fmt.Errorf("VM in %s is not running", dir)
	}
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
	n := d.netCounters(ctx, dir, d.vm(dir))
	u.NetMeasured, u.NetRxBytes, u.NetTxBytes = n.ok, n.rx, n.tx
	return u, nil
}

// The guest agent is asked for NIC counters at most every netPollInterval,
// with netTimeout: qemu-ga serves one client at a time (a password change
// must not wait behind heartbeats), and a guest without one must not cost
// every heartbeat a timeout.
const (
	netPollInterval = 10 * time.Second
	netTimeout      = time.Second
)

// netSample is the NIC counters a guest agent last reported.
type netSample struct {
	at     time.Time // when it was asked (answered or not)
	ok     bool
	rx, tx int64
}

// netCounters returns the guest's NIC counters (every interface but
// loopback, summed) from guest-network-get-interfaces, asking again once
// the last answer is netPollInterval old. They are the guest's own
// figures, so a guest can misstate them; without an agent there are none.
func (d *Driver) netCounters(ctx context.Context, dir string, v *vmState) netSample {
	d.mu.Lock()
	last := v.net
	d.mu.Unlock()
	if time.Since(last.at) < netPollInterval {
		return last
	}
	next := netSample{at: time.Now()}
	defer func() {
		d.mu.Lock()
		v.net = next
		d.mu.Unlock()
	}()
	sock := Sockets(dir).GuestAgent
	if _, err := os.Stat(sock); err != nil {
		return next
	}
	cctx, cancel := context.WithTimeout(ctx, netTimeout)
	defer cancel()
	c, err := guestagent.Dial(cctx, sock)
	if err != nil {
		return next
	}
	defer c.Close()
	var ifaces []struct {
		Name  string `json:"name"`
		Stats *struct {
			RxBytes int64 `json:"rx-bytes"`
			TxBytes int64 `json:"tx-bytes"`
		} `json:"statistics"`
	}
	if err := c.Execute(cctx, "guest-network-get-interfaces", nil, &ifaces); err != nil {
		return next
	}
	for _, i := range ifaces {
		if i.Name == "lo" || i.Stats == nil {
			continue
		}
		next.ok = true
		next.rx += i.Stats.RxBytes
		next.tx += i.Stats.TxBytes
	}
	return next
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
