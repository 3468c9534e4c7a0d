package cli

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/kumo-cloud/kumo/pkg/api"
	"github.com/kumo-cloud/kumo/pkg/client"
)

// waitWithProgress waits for a task, drawing a progress bar on stderr, and
// turns a failed task into an error.
func (g *globals) waitWithProgress(ctx context.Context, c *client.Client, t api.Task) (api.Task, error) {
	last := -1
	draw := func(t api.Task) {
		if g.output == "json" || t.Progress == last && !t.Final() {
			return
		}
		last = t.Progress
		const width = 30
		filled := t.Progress * width / 100
		fmt.Fprintf(g.stderr, "\r%-12s [%s%s] %3d%% %s", t.Kind, strings.Repeat("#", filled), strings.Repeat(".", width-filled), t.Progress, t.State)
		if t.Final() {
			fmt.Fprintln(g.stderr)
		}
	}
	draw(t)
	t, err := c.WaitTask(ctx, t.ID, draw)
	if err != nil {
		return t, err
	}
	if t.State != "succeeded" {
		return t, fmt.Errorf("task %s %s: %s", t.ID, t.State, t.Error)
	}
	return t, nil
}

// finishTask follows up a call that started task t: unless noWait, it
// waits for the task with a progress bar; then it prints the task.
func (g *globals) finishTask(ctx context.Context, c *client.Client, t api.Task, err error, noWait bool) error {
	if err != nil {
		return err
	}
	if !noWait {
		if t, err = g.waitWithProgress(ctx, c, t); err != nil {
			return err
		}
	}
	return g.print(t, func(w *tabwriter.Writer) { taskTable(w, t) })
}
