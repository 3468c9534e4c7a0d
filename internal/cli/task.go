package cli

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/kumo-cloud/kumo/pkg/api"
)

func taskTable(w *tabwriter.Writer, tasks ...api.Task) {
	fmt.Fprintln(w, "ID\tKIND\tSTATE\tPROGRESS\tTARGET\tCREATED\tERROR")
	for _, t := range tasks {
		fmt.Fprintf(w, "%s\t%s\t%s\t%d%%\t%s\t%s\t%s\n", t.ID, t.Kind, t.State, t.Progress, t.TargetID, t.CreatedAt.Local().Format("15:04:05"), t.Error)
	}
}

func taskCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "task", Short: "Inspect long-running operations"}
	cmd.AddCommand(&cobra.Command{
		Use:   "list",
		Short: "List tasks, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			tasks, err := g.client().Tasks(cmd.Context())
			if err != nil {
				return err
			}
			return g.print(tasks, func(w *tabwriter.Writer) { taskTable(w, tasks...) })
		},
	}, &cobra.Command{
		Use:   "show ID",
		Short: "Show a task",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			t, err := g.client().Task(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return g.print(t, func(w *tabwriter.Writer) { taskTable(w, t) })
		},
	}, &cobra.Command{
		Use:   "cancel ID",
		Short: "Cancel a queued or running task",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			t, err := g.client().CancelTask(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return g.print(t, func(w *tabwriter.Writer) { taskTable(w, t) })
		},
	})
	return cmd
}
