package cli

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/kumo-cloud/kumo/pkg/api"
)

func vmDiskCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "disk", Short: "Manage a VM's disks (system disk vda, data disks vdb, vdc, ...)"}
	cmd.AddCommand(vmDiskListCmd(g), vmDiskAddCmd(g), vmDiskResizeCmd(g), vmDiskRemoveCmd(g))
	return cmd
}

func diskTable(w *tabwriter.Writer, disks ...api.Disk) {
	fmt.Fprintln(w, "NAME\tTYPE\tSIZE\tMOUNT")
	for _, d := range disks {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", d.Name, d.Type, humanBytes(d.SizeBytes), d.MountDir)
	}
}

func vmDiskListCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "list VM",
		Short: "List a VM's disks",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			disks, err := g.client().VMDisks(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return g.print(disks, func(w *tabwriter.Writer) { diskTable(w, disks...) })
		},
	}
}

func vmDiskAddCmd(g *globals) *cobra.Command {
	var size, mountDir string
	cmd := &cobra.Command{
		Use:     "add VM --size SIZE",
		Short:   "Add an empty data disk to a stopped VM (the guest sees it from its next start)",
		Example: "  kumo vm disk add web-1 --size 10G --mount-dir /data",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			b, err := sizeFlag("size", size, 1<<30, 1<<20)
			if err != nil {
				return err
			}
			d, err := g.client().AddVMDisk(cmd.Context(), args[0], api.DisksPost{SizeBytes: b, MountDir: mountDir})
			if err != nil {
				return err
			}
			return g.print(d, func(w *tabwriter.Writer) { diskTable(w, d) })
		},
	}
	cmd.Flags().StringVar(&size, "size", "", "size, e.g. 10G; a bare number is GiB (required)")
	cmd.Flags().StringVar(&mountDir, "mount-dir", "", "where the guest should mount it (kept for the owner)")
	cmd.MarkFlagRequired("size")
	return cmd
}

func vmDiskResizeCmd(g *globals) *cobra.Command {
	var size string
	var noWait bool
	cmd := &cobra.Command{
		Use:     "resize VM DISK --size SIZE",
		Short:   "Grow a stopped VM's disk",
		Example: "  kumo vm disk resize web-1 vdb --size 20G",
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			b, err := sizeFlag("size", size, 1<<30, 1<<20)
			if err != nil {
				return err
			}
			c := g.client()
			t, err := c.ResizeVMDisk(cmd.Context(), args[0], args[1], b)
			return g.finishTask(cmd.Context(), c, t, err, noWait)
		},
	}
	cmd.Flags().StringVar(&size, "size", "", "new size, e.g. 20G; a bare number is GiB (required)")
	cmd.Flags().BoolVar(&noWait, "no-wait", false, "return at once instead of waiting for the task")
	cmd.MarkFlagRequired("size")
	return cmd
}

func vmDiskRemoveCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "remove VM DISK",
		Short: "Remove a stopped VM's data disk and what it holds",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.client().RemoveVMDisk(cmd.Context(), args[0], args[1])
		},
	}
}
