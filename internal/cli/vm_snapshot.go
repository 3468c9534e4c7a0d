package cli

import (
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/kumo-cloud/kumo/pkg/api"
)

func vmSnapshotCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "snapshot", Short: "Take, show, revert to and delete a VM's snapshots"}
	cmd.AddCommand(vmSnapshotListCmd(g), vmSnapshotCreateCmd(g), vmSnapshotShowCmd(g), vmSnapshotRevertCmd(g), vmSnapshotDeleteCmd(g))
	return cmd
}

func snapshotTable(w *tabwriter.Writer, sns ...api.Snapshot) {
	fmt.Fprintln(w, "NAME\tCURRENT\tLIVE\tPARENT\tCREATED\tDESCRIPTION")
	for _, sn := range sns {
		cur := ""
		if sn.Current {
			cur = "*"
		}
		fmt.Fprintf(w, "%s\t%s\t%t\t%s\t%s\t%s\n", sn.Name, cur, sn.Running, sn.Parent, sn.CreatedAt.Local().Format(time.RFC3339), sn.Description)
	}
}

func vmSnapshotListCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "list VM",
		Short: "List a VM's snapshots",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			sns, err := g.client().Snapshots(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return g.print(sns, func(w *tabwriter.Writer) { snapshotTable(w, sns...) })
		},
	}
}

func vmSnapshotCreateCmd(g *globals) *cobra.Command {
	var description string
	var noWait bool
	cmd := &cobra.Command{
		Use:   "create VM NAME",
		Short: "Take a snapshot of a VM (live, with its memory, if it runs)",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			c := g.client()
			t, err := c.CreateSnapshot(cmd.Context(), args[0], api.SnapshotsPost{Name: args[1], Description: description})
			return g.finishTask(cmd.Context(), c, t, err, noWait)
		},
	}
	cmd.Flags().StringVar(&description, "description", "", "free text")
	cmd.Flags().BoolVar(&noWait, "no-wait", false, "return at once instead of waiting for the task")
	return cmd
}

func vmSnapshotShowCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "show VM NAME",
		Short: "Show a snapshot of a VM",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			sn, err := g.client().Snapshot(cmd.Context(), args[0], args[1])
			if err != nil {
				return err
			}
			return g.print(sn, func(w *tabwriter.Writer) { snapshotTable(w, sn) })
		},
	}
}

func vmSnapshotRevertCmd(g *globals) *cobra.Command {
	var noWait bool
	cmd := &cobra.Command{
		Use:   "revert VM NAME",
		Short: "Revert a stopped VM's disk to a snapshot",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			c := g.client()
			t, err := c.RevertSnapshot(cmd.Context(), args[0], args[1])
			return g.finishTask(cmd.Context(), c, t, err, noWait)
		},
	}
	cmd.Flags().BoolVar(&noWait, "no-wait", false, "return at once instead of waiting for the task")
	return cmd
}

func vmSnapshotDeleteCmd(g *globals) *cobra.Command {
	var noWait bool
	cmd := &cobra.Command{
		Use:   "delete VM NAME",
		Short: "Delete a snapshot of a VM",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			c := g.client()
			t, err := c.DeleteSnapshot(cmd.Context(), args[0], args[1])
			return g.finishTask(cmd.Context(), c, t, err, noWait)
		},
	}
	cmd.Flags().BoolVar(&noWait, "no-wait", false, "return at once instead of waiting for the task")
	return cmd
}
