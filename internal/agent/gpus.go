package agent

import (
	"os"
	"path/filepath"
	"strings"
)

// pciDevices is where Linux lists the host's PCI functions.
const pciDevices = "/sys/bus/pci/devices"

// countGPUs counts the PCI functions under root whose class is a VGA
// (0x0300) or 3D (0x0302) display controller: what DBC shows as a GPU
// node's GPUs. Other display classes (0x0380) are mostly on-board
// helpers, not GPUs a guest could be given, so they are left out.
func countGPUs(root string) int {
	entries, err := os.ReadDir(root)
	if err != nil {
		return 0
	}
	n := 0
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(root, e.Name(), "class"))
		if err != nil {
			continue
		}
		// The file holds 0xCCSSPP: class, subclass, programming interface.
		class := strings.TrimSpace(string(b))
		if strings.HasPrefix(class, "0x0300") || strings.HasPrefix(class, "0x0302") {
			n++
		}
	}
	return n
}
