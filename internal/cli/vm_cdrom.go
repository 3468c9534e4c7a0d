package cli

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/kumo-cloud/kumo/pkg/api"
)

func vmCDROMCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "cdrom", Short: "Insert and eject ISO images in a running VM's CD-ROM drive"}
	cmd.AddCommand(vmCDROMShowCmd(g), vmCDROMInsertCmd(g), vmCDROMEjectCmd(g))
	return cmd
}

func cdromTable(w *tabwriter.Writer, c api.CDROM) {
	fmt.Fprintln(w, "IMAGE\tID")
	if c.Empty {
		fmt.Fprintln(w, "(empty)\t")
		return
	}
	fmt.Fprintf(w, "%s\t%s\n", c.ImageName, c.Image)
}

func vmCDROMShowCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "show VM",
		Short: "Show what a running VM's CD-ROM drive holds",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client().VMCDROM(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return g.print(c, func(w *tabwriter.Writer) { cdromTable(w, c) })
		},
	}
}

func vmCDROMInsertCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "insert VM IMAGE",
		Short: "Insert an ISO image into a running VM's CD-ROM drive",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client().InsertVMCDROM(cmd.Context(), args[0], args[1])
			if err != nil {
				return err
			}
			return g.print(c, func(w *tabwriter.Writer) { cdromTable(w, c) })
		},
	}
}

func vmCDROMEjectCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "eject VM",
		Short: "Eject a running VM's CD-ROM",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.client().EjectVMCDROM(cmd.Context(), args[0])
		},
	}
}
