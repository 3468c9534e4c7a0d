package cli

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/kumo-cloud/kumo/pkg/api"
)

func poolCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "pool", Short: "Manage pools of hosts"}
	var description string
	create := &cobra.Command{
		Use:   "create NAME",
		Short: "Create a pool",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := g.client().CreatePool(cmd.Context(), api.PoolsPost{Name: args[0], Description: description})
			if err != nil {
				return err
			}
			return g.print(p, func(w *tabwriter.Writer) { poolTable(w, p) })
		},
	}
	create.Flags().StringVar(&description, "description", "", "free text")
	cmd.AddCommand(create, &cobra.Command{
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
	fmt.Fprintln(w, "NAME\tID\tDESCRIPTION")
	for _, p := range pools {
		fmt.Fprintf(w, "%s\t%s\t%s\n", p.Name, p.ID, p.Description)
	}
}
