package ipmi

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// StartSimulator runs OpenIPMI's ipmi_sim as a BMC on a free loopback
// port with an admin user, for as long as the test runs. It skips the
// test when ipmi_sim is missing, except in CI, where it must be there.
func StartSimulator(t testing.TB, user, password string) BMC {
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
	// The simulated machine: ipmi_sim runs "machine DIR get power" and
	// reads "power:1", runs "machine DIR set power \"0\"" to switch it;
	// the machine keeps each setting in a file of DIR.
	machine := `#!/bin/sh
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
	emu := "mc_setbmc 0x20\nmc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02 persist_sdr\nmc_enable 0x20\n"
	for name, content := range map[string]string{"lan.conf": lan, "sim.emu": emu, "machine": machine} {
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
	bmc := BMC{Host: fmt.Sprintf("127.0.0.1:%d", port), User: user, Password: password}
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, err := bmc.Status(ctx)
		cancel()
		if err == nil {
			return bmc
		}
		if time.Now().After(deadline) {
			t.Fatalf("ipmi_sim on port %d does not answer: %v", port, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestPowerAndBootDevice(t *testing.T) {
	bmc := StartSimulator(t, "admin", "secret1")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, c := range []struct{ cmd, want string }{
		{CommandOn, PowerOn}, {CommandStatus, PowerOn}, {CommandReset, PowerOn}, {CommandOff, PowerOff}, {CommandStatus, PowerOff},
	} {
		got, err := bmc.Power(ctx, c.cmd)
		if err != nil || got != c.want {
			t.Errorf("power %s = %q, %v; want %q", c.cmd, got, err, c.want)
		}
	}
	for _, dev := range []string{BootPXE, BootDisk, BootCDROM, BootBIOS} {
		if err := bmc.SetBootDevice(ctx, dev); err != nil {
			t.Fatalf("boot device %s: %v", dev, err)
		}
		if got, err := bmc.BootDevice(ctx); err != nil || got != dev {
			t.Errorf("boot device after setting %s: %q, %v", dev, got, err)
		}
	}
	wrong := bmc
	wrong.Password = "wrong-pass"
	if _, err := wrong.Status(ctx); err == nil {
		t.Error("a wrong password was accepted")
	}
	if _, err := bmc.Power(ctx, "explode"); err == nil {
		t.Error("an unknown power command was accepted")
	}
}
