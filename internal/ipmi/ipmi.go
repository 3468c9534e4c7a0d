// Package ipmi controls a machine's power and boot device through its
// BMC over IPMI v2.0 (RMCP+, "lanplus"), the way a data centre's tools
// drive bare metal machines.
package ipmi

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/bougou/go-ipmi/pkg/client"
	"github.com/bougou/go-ipmi/pkg/command/chassis"
	"github.com/bougou/go-ipmi/pkg/types"
)

// DefaultPort is IPMI's RMCP port.
const DefaultPort = 623

// BMC is how to reach one machine's baseboard management controller.
type BMC struct {
	Host     string // host or host:port (port 623 if absent)
	User     string
	Password string
}

// Power states, as Status reports them.
const (
	PowerOn  = "on"
	PowerOff = "off"
)

// Power commands.
const (
	CommandOn     = "on"
	CommandOff    = "off"
	CommandReset  = "reset"
	CommandStatus = "status"
)

// Boot devices.
const (
	BootPXE   = "pxe"
	BootDisk  = "disk"
	BootCDROM = "cdrom"
	BootBIOS  = "bios"
)

var bootDevices = map[string]types.BootDeviceSelector{
	BootPXE:   types.BootDeviceSelectorForcePXE,
	BootDisk:  types.BootDeviceSelectorForceHardDrive,
	BootCDROM: types.BootDeviceSelectorForceCDROM,
	BootBIOS:  types.BootDeviceSelectorForceBIOSSetup,
}

var powerControls = map[string]chassis.ChassisControl{
	CommandOn:    chassis.ChassisControlPowerUp,
	CommandOff:   chassis.ChassisControlPowerDown,
	CommandReset: chassis.ChassisControlHardReset,
}

// ValidCommand reports whether cmd is a power command.
func ValidCommand(cmd string) bool { _, ok := powerControls[cmd]; return ok || cmd == CommandStatus }

// ValidBootDevice reports whether dev is a boot device.
func ValidBootDevice(dev string) bool { _, ok := bootDevices[dev]; return ok }

// session opens an IPMI session with the BMC and runs f in it.
func (b BMC) session(ctx context.Context, f func(c *client.Client) error) error {
	host, port := b.Host, DefaultPort
	if h, p, err := net.SplitHostPort(b.Host); err == nil {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("BMC address %q: bad port", b.Host)
		}
		host, port = h, n
	}
	c, err := client.NewClient(host, port, b.User, b.Password)
	if err != nil {
		return fmt.Errorf("BMC %s: %w", b.Host, err)
	}
	// Cipher suite 3 (HMAC-SHA1, AES-128) is what BMCs support most
	// widely; 17 (HMAC-SHA256) is tried next. Some BMCs (OpenIPMI's
	// among them) ignore a suite they lack instead of refusing it, so
	// the widely supported one goes first, or every session would start
	// with a timeout.
	c.WithInterface(client.InterfaceLanplus).WithCipherSuiteID(types.CipherSuiteID3, types.CipherSuiteID17).
		WithTimeout(2 * time.Second).WithRetry(2)
	if err := c.Connect(ctx); err != nil {
		return fmt.Errorf("connect to BMC %s: %w", b.Host, err)
	}
	defer c.Close(context.WithoutCancel(ctx))
	return f(c)
}

// Status returns the machine's power state.
func (b BMC) Status(ctx context.Context) (string, error) {
	var state string
	err := b.session(ctx, func(c *client.Client) error {
		var err error
		state, err = status(ctx, c)
		return err
	})
	return state, err
}

func status(ctx context.Context, c *client.Client) (string, error) {
	st, err := c.GetChassisStatus(ctx)
	if err != nil {
		return "", fmt.Errorf("get chassis status: %w", err)
	}
	if st.PowerIsOn {
		return PowerOn, nil
	}
	return PowerOff, nil
}

// Power runs a power command and returns the power state after it (for
// status, the current one).
func (b BMC) Power(ctx context.Context, cmd string) (string, error) {
	control, ok := powerControls[cmd]
	if !ok && cmd != CommandStatus {
		return "", fmt.Errorf("power command %q: want on, off, reset or status", cmd)
	}
	var state string
	err := b.session(ctx, func(c *client.Client) error {
		if cmd != CommandStatus {
			if _, err := c.ChassisControl(ctx, control); err != nil {
				return fmt.Errorf("chassis control %s: %w", cmd, err)
			}
		}
		var err error
		state, err = status(ctx, c)
		return err
	})
	return state, err
}

// SetBootDevice makes the machine boot from dev next time (once, as
// ipmitool's chassis bootdev does without options=persistent).
func (b BMC) SetBootDevice(ctx context.Context, dev string) error {
	sel, ok := bootDevices[dev]
	if !ok {
		return fmt.Errorf("boot device %q: want pxe, disk, cdrom or bios", dev)
	}
	return b.session(ctx, func(c *client.Client) error {
		return c.SetBootDevice(ctx, sel, types.BIOSBootTypeLegacy, false)
	})
}

// BootDevice returns the boot device the machine boots from next, "" if
// none is forced.
func (b BMC) BootDevice(ctx context.Context) (string, error) {
	var dev string
	err := b.session(ctx, func(c *client.Client) error {
		flags := &types.BootOptionParam_BootFlags{}
		if err := c.GetSystemBootOptionsParamFor(ctx, flags); err != nil {
			return fmt.Errorf("get boot flags: %w", err)
		}
		// The valid bit is not looked at: BMCs (OpenIPMI's among them)
		// clear it once the flags are read back or used.
		for name, sel := range bootDevices {
			if flags.BootDeviceSelector == sel {
				dev = name
			}
		}
		return nil
	})
	return dev, err
}
