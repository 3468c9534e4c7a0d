package cli

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/kumo-cloud/kumo/pkg/api"
)

func vmNICCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "nic", Short: "List a VM's NICs; join and leave a LAN (while stopped)"}
	cmd.AddCommand(vmNICListCmd(g), vmNICJoinCmd(g), vmNICLeaveCmd(g))
	return cmd
}

func nicTable(w *tabwriter.Writer, nics ...api.NIC) {
	fmt.Fprintln(w, "INDEX\tTYPE\tNETWORK\tADDRESS\tMAC")
	for _, n := range nics {
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\n", n.Index, n.Type, n.Network, n.Address, n.MAC)
	}
}

func vmNICListCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "list VM",
		Short: "List a VM's NICs",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			nics, err := g.client().VMNICs(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return g.print(nics, func(w *tabwriter.Writer) { nicTable(w, nics...) })
		},
	}
}

func vmNICJoinCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "join VM NETWORK",
		Short: "Put a stopped VM on a LAN of its host with a second NIC",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			n, err := g.client().JoinVMNetwork(cmd.Context(), args[0], args[1])
			if err != nil {
				return err
			}
			return g.print(n, func(w *tabwriter.Writer) { nicTable(w, n) })
		},
	}
}

func vmNICLeaveCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "leave VM NETWORK",
		Short: "Take a stopped VM off its LAN",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.client().LeaveVMNetwork(cmd.Context(), args[0], args[1])
		},
	}
}
