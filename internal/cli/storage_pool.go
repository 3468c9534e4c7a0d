package cli

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/kumo-cloud/kumo/pkg/api"
)

func storagePoolTable(w *tabwriter.Writer, ps ...api.StoragePool) {
	fmt.Fprintln(w, "NAME\tTYPE\tTARGET\tID")
	for _, p := range ps {
		target := p.Target
		if target == "" {
			target = "(each host's data directory)"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", p.Name, p.Type, target, p.ID)
	}
}

func storagePoolCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "storage-pool", Short: "Manage storage pools (where VM disks live)"}
	var req api.StoragePoolsPost
	create := &cobra.Command{
		Use:   "create NAME [--target DIR]",
		Short: "Create a storage pool",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			req.Name = args[0]
			p, err := g.client().CreateStoragePool(cmd.Context(), req)
			if err != nil {
				return err
			}
			return g.print(p, func(w *tabwriter.Writer) { storagePoolTable(w, p) })
		},
	}
	create.Flags().StringVar(&req.Target, "target", "", "absolute directory on every host (default: each host's data directory)")
	var upd api.StoragePoolsPost
	set := &cobra.Command{
		Use:   "set NAME [--target DIR]",
		Short: "Replace the settings of a storage pool that holds no disks",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := g.client().UpdateStoragePool(cmd.Context(), args[0], upd)
			if err != nil {
				return err
			}
			return g.print(p, func(w *tabwriter.Writer) { storagePoolTable(w, p) })
		},
	}
	set.Flags().StringVar(&upd.Target, "target", "", "absolute directory on every host (empty: each host's data directory)")
	cmd.AddCommand(create, set, &cobra.Command{
		Use:   "list",
		Short: "List storage pools",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ps, err := g.client().StoragePools(cmd.Context())
			if err != nil {
				return err
			}
			return g.print(ps, func(w *tabwriter.Writer) { storagePoolTable(w, ps...) })
		},
	}, &cobra.Command{
		Use:   "show NAME",
		Short: "Show a storage pool",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := g.client().StoragePool(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return g.print(p, func(w *tabwriter.Writer) { storagePoolTable(w, p) })
		},
	}, &cobra.Command{
		Use:   "delete NAME",
		Short: "Delete a storage pool no compute pool uses",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.client().DeleteStoragePool(cmd.Context(), args[0])
		},
	})
	return cmd
}
