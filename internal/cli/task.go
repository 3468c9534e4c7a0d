package cli

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/kumo-cloud/kumo/pkg/api"
)

func taskTable(w *tabwriter.Writer, label func(string) string, tasks ...api.Task) {
	fmt.Fprintln(w, "ID\tKIND\tSTATE\tPROGRESS\tTARGET\tCREATED\tERROR")
	for _, t := range tasks {
		fmt.Fprintf(w, "%s\t%s\t%s\t%d%%\t%s\t%s\t%s\n", t.ID, t.Kind, t.State, t.Progress, label(t.TargetID), t.CreatedAt.Local().Format("15:04:05"), t.Error)
	}
}

func taskCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "task", Short: "Inspect long-running operations"}
	var f api.TasksFilter
	list := &cobra.Command{
		Use:   "list",
		Short: "List tasks, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			tasks, err := g.client().TasksWhere(cmd.Context(), f)
			if err != nil {
				return err
			}
			return g.print(tasks, func(w *tabwriter.Writer) { taskTable(w, g.vmLabels(cmd.Context()), tasks...) })
		},
	}
	list.Flags().IntVar(&f.Limit, "limit", 50, "at most this many (0: all)")
	list.Flags().StringVar(&f.State, "state", "", "only tasks in this state: queued, running, succeeded, failed or cancelled")
	list.Flags().StringVar(&f.Kind, "kind", "", "only tasks of this kind (vm.start, group, ...)")
	list.Flags().StringVar(&f.Parent, "parent", "", "only the children of this task")
	list.Flags().StringVar(&f.Target, "target", "", "only the tasks of this object (its id)")
	cmd.AddCommand(list, &cobra.Command{
		Use:   "show ID",
		Short: "Show a task",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			t, err := g.client().Task(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return g.print(t, func(w *tabwriter.Writer) { taskTable(w, g.vmLabels(cmd.Context()), t) })
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
			return g.print(t, func(w *tabwriter.Writer) { taskTable(w, g.vmLabels(cmd.Context()), t) })
		},
	})
	return cmd
}
