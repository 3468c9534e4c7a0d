package cli

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/kumo-cloud/kumo/pkg/api"
)

func templateTable(w *tabwriter.Writer, ts ...api.Template) {
	fmt.Fprintln(w, "NAME\tOS\tADMIN\tDISK\tNIC\tDISPLAY\tCONSOLE\tID")
	for _, t := range ts {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.Name, t.OperatingSystem, t.Admin, t.DiskBus, t.NetworkModel, t.Display, t.Control, t.ID)
	}
}

// templateFlags binds the settings of a template to flags.
func templateFlags(cmd *cobra.Command, t *api.TemplatesPost) {
	cmd.Flags().StringVar(&t.Admin, "admin", "", "the guest's administrator account (default root)")
	cmd.Flags().StringVar(&t.OperatingSystem, "os", "", "operating system family (default linux)")
	cmd.Flags().StringVar(&t.DiskBus, "disk-bus", "", "virtio (default), scsi, sata or ide")
	cmd.Flags().StringVar(&t.NetworkModel, "nic-model", "", "virtio (default), e1000 or rtl8139")
	cmd.Flags().StringVar(&t.Display, "display", "", "graphics card (default vga)")
	cmd.Flags().StringVar(&t.Control, "console", "", "remote console protocol (default vnc)")
	cmd.Flags().StringVar(&t.USB, "usb", "", "USB controller (none by default)")
	cmd.Flags().StringVar(&t.Tablet, "tablet", "", "pointer device (none by default)")
}

func templateCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "template", Short: "Manage VM templates"}
	var req api.TemplatesPost
	create := &cobra.Command{
		Use:   "create NAME",
		Short: "Create a VM template",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			req.Name = args[0]
			t, err := g.client().CreateTemplate(cmd.Context(), req)
			if err != nil {
				return err
			}
			return g.print(t, func(w *tabwriter.Writer) { templateTable(w, t) })
		},
	}
	templateFlags(create, &req)
	var upd api.TemplatesPost
	var rename string
	set := &cobra.Command{
		Use:   "set NAME [flags]",
		Short: "Change a VM template (settings not given stay)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c := g.client()
			cur, err := c.Template(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			next := api.TemplatesPost{Name: cur.Name, Admin: cur.Admin, OperatingSystem: cur.OperatingSystem, DiskBus: cur.DiskBus,
				NetworkModel: cur.NetworkModel, Display: cur.Display, Control: cur.Control, USB: cur.USB, Tablet: cur.Tablet}
			for flag, dst := range map[string]*string{"name": &next.Name, "admin": &next.Admin, "os": &next.OperatingSystem,
				"disk-bus": &next.DiskBus, "nic-model": &next.NetworkModel, "display": &next.Display, "console": &next.Control,
				"usb": &next.USB, "tablet": &next.Tablet} {
				if cmd.Flags().Changed(flag) {
					v, _ := cmd.Flags().GetString(flag)
					*dst = v
				}
			}
			t, err := c.UpdateTemplate(cmd.Context(), cur.ID, next)
			if err != nil {
				return err
			}
			return g.print(t, func(w *tabwriter.Writer) { templateTable(w, t) })
		},
	}
	templateFlags(set, &upd)
	set.Flags().StringVar(&rename, "name", "", "a new name")
	cmd.AddCommand(create, set, &cobra.Command{
		Use:   "list",
		Short: "List VM templates",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ts, err := g.client().Templates(cmd.Context())
			if err != nil {
				return err
			}
			return g.print(ts, func(w *tabwriter.Writer) { templateTable(w, ts...) })
		},
	}, &cobra.Command{
		Use:   "show NAME",
		Short: "Show a VM template",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			t, err := g.client().Template(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return g.print(t, func(w *tabwriter.Writer) { templateTable(w, t) })
		},
	}, &cobra.Command{
		Use:   "delete NAME",
		Short: "Delete a VM template no VM uses",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.client().DeleteTemplate(cmd.Context(), args[0])
		},
	})
	return cmd
}
