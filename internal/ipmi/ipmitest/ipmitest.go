// Package ipmitest runs OpenIPMI's ipmi_sim as a BMC for tests, the way
// net/http/httptest runs a server: on a free loopback port, for as long
// as the test runs, with a simulated machine behind it.
package ipmitest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Sim is a running simulated BMC.
type Sim struct {
	Addr string // host:port of its RMCP (UDP) listener
	dir  string
}

// machineScript is the simulated machine. ipmi_sim runs
// "machine DIR get power boot" and reads "power:1" lines, and runs
// "machine DIR set power "0"" to switch it (its chassis_control
// protocol); the machine keeps each setting in a file of DIR.
const machineScript = `#!/bin/sh
dir=$1 op=$2
shift 2
case $op in
get) for p in "$@"; do
	v=$(cat "$dir/$p" 2>/dev/null) || { [ "$p" = boot ] && v=none || v=0; }
	echo "$p:$v"
done ;;
set) while [ $# -ge 2 ]; do echo "$2" >"$dir/$1"; shift 2; done ;;
esac
`

// Start runs ipmi_sim with one admin user. It skips the test when
// ipmi_sim is missing, except in CI (CI=true), where it must be there.
func Start(t testing.TB, user, password string) *Sim {
	t.Helper()
	bin, err := exec.LookPath("ipmi_sim")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("ipmi_sim is missing: install openipmi (scripts/install-deps.sh)")
		}
		t.Skip("ipmi_sim is missing: install openipmi to run this test")
	}
	dir := t.TempDir()
	// A free UDP port: bound, noted and released for the simulator.
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := pc.LocalAddr().(*net.UDPAddr).Port
	pc.Close()
	lan := fmt.Sprintf(`name "kumotest"
set_working_mc 0x20
  startlan 1
    addr 127.0.0.1 %d
    priv_limit admin
    allowed_auths_callback none md2 md5 straight
    allowed_auths_user none md2 md5 straight
    allowed_auths_operator none md2 md5 straight
    allowed_auths_admin none md2 md5 straight
    guid a123456789abcdefa123456789abcdef
  endlan
  user 2 true "%s" "%s" admin 10 none md2 md5 straight
  chassis_control "%s %s"
`, port, user, password, filepath.Join(dir, "machine"), dir)
	emu := "mc_setbmc 0x20\nmc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02 persist_sdr\nmc_enable 0x20\n"
	for name, content := range map[string]string{"lan.conf": lan, "sim.emu": emu, "machine": machineScript} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "state"), 0o700); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-c", filepath.Join(dir, "lan.conf"), "-f", filepath.Join(dir, "sim.emu"), "-s", filepath.Join(dir, "state"), "-n")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	sim := &Sim{Addr: fmt.Sprintf("127.0.0.1:%d", port), dir: dir}
	sim.waitReady(t)
	return sim
}

// waitReady waits until the simulator answers an RMCP presence ping.
func (s *Sim) waitReady(t testing.TB) {
	t.Helper()
	ping := []byte{6, 0, 0xff, 6, 0, 0, 0x11, 0xbe, 0x80, 0, 0, 0}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		conn, err := net.Dial("udp4", s.Addr)
		if err != nil {
			t.Fatal(err)
		}
		conn.SetDeadline(time.Now().Add(200 * time.Millisecond))
		conn.Write(ping)
		buf := make([]byte, 64)
		n, err := conn.Read(buf)
		conn.Close()
		if err == nil && n > 8 {
			return
		}
	}
	t.Fatalf("ipmi_sim at %s does not answer RMCP pings", s.Addr)
}

// Power is the simulated machine's power as its BMC last set it: "1" on,
// "0" off.
func (s *Sim) Power() string { return s.setting("power", "0") }

// Boot is the boot device the BMC last set, in ipmi_sim's names (none,
// pxe, default, cdrom, bios).
func (s *Sim) Boot() string { return s.setting("boot", "none") }

// Reset is whether the BMC reset the machine since it started.
func (s *Sim) Reset() bool { return s.setting("reset", "0") == "1" }

func (s *Sim) setting(name, unset string) string {
	b, err := os.ReadFile(filepath.Join(s.dir, name))
	if err != nil {
		return unset
	}
	return strings.TrimSpace(string(b))
}
