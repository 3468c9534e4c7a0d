package ipmi

import (
	"context"
	"testing"
	"time"

	"github.com/kumo-cloud/kumo/internal/ipmi/ipmitest"
)

func TestPowerAndBootDevice(t *testing.T) {
	sim := ipmitest.Start(t, "admin", "secret1")
	bmc := BMC{Host: sim.Addr, User: "admin", Password: "secret1"}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, c := range []struct{ cmd, want string }{
		{CommandOn, PowerOn}, {CommandStatus, PowerOn}, {CommandReset, PowerOn}, {CommandOff, PowerOff}, {CommandStatus, PowerOff},
	} {
		got, err := bmc.Power(ctx, c.cmd)
		if err != nil || got != c.want {
			t.Errorf("power %s = %q, %v; want %q", c.cmd, got, err, c.want)
		}
		if want := map[string]string{PowerOn: "1", PowerOff: "0"}[c.want]; sim.Power() != want {
			t.Errorf("after power %s the machine's power is %s, want %s", c.cmd, sim.Power(), want)
		}
	}
	for _, dev := range []string{BootPXE, BootDisk, BootCDROM, BootBIOS} {
		if err := bmc.SetBootDevice(ctx, dev); err != nil {
			t.Fatalf("boot device %s: %v", dev, err)
		}
		if got, err := bmc.BootDevice(ctx); err != nil || got != dev {
			t.Errorf("boot device after setting %s: %q, %v", dev, got, err)
		}
		if want := map[string]string{BootDisk: "default"}[dev]; sim.Boot() != dev && sim.Boot() != want {
			t.Errorf("machine boots from %s after setting %s", sim.Boot(), dev)
		}
	}
	if !sim.Reset() {
		t.Error("reset did not reach the machine")
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
