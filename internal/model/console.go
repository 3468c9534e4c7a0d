package model

// ConsoleKind is which console of a VM a stream reaches.
type ConsoleKind string

const (
	// ConsoleVNC is the VM's screen, keyboard and mouse (QEMU's VNC
	// server), as RFB.
	ConsoleVNC ConsoleKind = "vnc"
	// ConsoleSerial is the guest's first serial port (ttyS0), raw bytes
	// both ways.
	ConsoleSerial ConsoleKind = "serial"
)

// ParseConsoleKind checks a console kind given by a client; empty means
// VNC.
func ParseConsoleKind(s string) (ConsoleKind, error) {
	switch ConsoleKind(s) {
	case "", ConsoleVNC:
		return ConsoleVNC, nil
	case ConsoleSerial:
		return ConsoleSerial, nil
	}
	return "", FieldError("type", "console type %q is not vnc or serial", s)
}
