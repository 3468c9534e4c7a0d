package cli

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/kumo-cloud/kumo/pkg/api"
)

func poolCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "pool", Short: "Manage pools of hosts"}
	var description, storagePool, addressPool string
	create := &cobra.Command{
		Use:   "create NAME",
		Short: "Create a pool",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := g.client().CreatePool(cmd.Context(), api.PoolsPost{Name: args[0], Description: description,
				StoragePool: storagePool, AddressPool: addressPool})
			if err != nil {
				return err
			}
			return g.print(p, func(w *tabwriter.Writer) { poolTable(w, p) })
		},
	}
	create.Flags().StringVar(&description, "description", "", "free text")
	create.Flags().StringVar(&storagePool, "storage-pool", "", "storage pool for its VMs' disks")
	create.Flags().StringVar(&addressPool, "address-pool", "", "address pool its VMs take addresses from")
	var patch api.PoolPatch
	var sDescription, sStorage, sAddress string
	set := &cobra.Command{
		Use:   "set NAME [--description TEXT] [--storage-pool NAME] [--address-pool NAME]",
		Short: "Change a pool (storage and address pools only while it holds no VMs)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f := cmd.Flags()
			if f.Changed("description") {
				patch.Description = &sDescription
			}
			if f.Changed("storage-pool") {
				patch.StoragePool = &sStorage
			}
			if f.Changed("address-pool") {
				patch.AddressPool = &sAddress
			}
			p, err := g.client().UpdatePool(cmd.Context(), args[0], patch)
			if err != nil {
				return err
			}
			return g.print(p, func(w *tabwriter.Writer) { poolTable(w, p) })
		},
	}
	set.Flags().StringVar(&sDescription, "description", "", "free text")
	set.Flags().StringVar(&sStorage, "storage-pool", "", "storage pool for its VMs' disks (empty: each host's data directory)")
	set.Flags().StringVar(&sAddress, "address-pool", "", "address pool its VMs take addresses from (empty: plain NAT)")
	cmd.AddCommand(create, set, &cobra.Command{
		Use:   "list",
		Short: "List pools",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			pools, err := g.client().Pools(cmd.Context())
			if err != nil {
				return err
			}
			return g.print(pools, func(w *tabwriter.Writer) { poolTable(w, pools...) })
		},
	}, &cobra.Command{
		Use:   "delete NAME",
		Short: "Delete an empty pool",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.client().DeletePool(cmd.Context(), args[0])
		},
	})
	return cmd
}

func poolTable(w *tabwriter.Writer, pools ...api.Pool) {
	fmt.Fprintln(w, "NAME\tSTORAGE POOL\tADDRESS POOL\tID\tDESCRIPTION")
	for _, p := range pools {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", p.Name, orDash(p.StoragePool), orDash(p.AddressPool), p.ID, p.Description)
	}
}
