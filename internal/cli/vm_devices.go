package cli

import "github.com/spf13/cobra"

// vmDeviceCmds are the nouns of a VM's devices under kumo vm: its disks,
// CD-ROM, snapshots, port forwards, guest agent and NICs.
func vmDeviceCmds(g *globals) []*cobra.Command {
	return []*cobra.Command{vmDiskCmd(g), vmCDROMCmd(g), vmSnapshotCmd(g), vmPortForwardCmd(g), vmGuestCmd(g), vmNICCmd(g)}
}
