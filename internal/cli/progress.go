package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/term"

	"github.com/kumo-cloud/kumo/pkg/api"
	"github.com/kumo-cloud/kumo/pkg/client"
)

// waitWithProgress waits for a task, drawing a progress bar on stderr, and
// turns a failed task into an error.
func (g *globals) waitWithProgress(ctx context.Context, c *client.Client, t api.Task) (api.Task, error) {
	last, lastState := -1, ""
	bar := g.onTerminal()
	draw := func(t api.Task) {
		if g.output != "table" || t.Progress == last && t.State == lastState {
			return
		}
		last, lastState = t.Progress, t.State
		if !bar {
			// A log, or another program, reads this: a plain line per step.
			fmt.Fprintf(g.stderr, "%s %s %d%%\n", t.Kind, t.State, t.Progress)
			return
		}
		fmt.Fprintf(g.stderr, "\r%-12s %s %3d%% %s", t.Kind, progressBar(t.Progress), t.Progress, t.State)
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
	return g.print(t, func(w *tabwriter.Writer) { taskTable(w, g.vmLabels(ctx), t) })
}

// onTerminal reports whether stderr, where progress goes, is a terminal
// (a bar redrawn in place) rather than a file or pipe (plain lines).
func (g *globals) onTerminal() bool {
	_, ok := terminal(g.stderr)
	return ok
}

// terminal returns the file behind a reader or writer if it is a
// terminal.
func terminal(v any) (*os.File, bool) {
	f, ok := v.(*os.File)
	return f, ok && term.IsTerminal(int(f.Fd()))
}

// progressBar draws percent as [#####.....].
func progressBar(percent int) string {
	const width = 30
	filled := min(max(percent, 0), 100) * width / 100
	return "[" + strings.Repeat("#", filled) + strings.Repeat(".", width-filled) + "]"
}

// uploadProgress counts the bytes of an upload as they are read and
// reports them: a bar redrawn on a terminal, else a line per tenth.
type uploadProgress struct {
	r      io.Reader
	g      *globals
	bar    bool
	total  int64
	done   int64
	start  time.Time
	shown  int64 // percent last shown
	drawn  time.Time
	closed bool
}

func (g *globals) newUploadProgress(r io.Reader, total int64) *uploadProgress {
	return &uploadProgress{r: r, g: g, bar: g.onTerminal(), total: total, start: time.Now(), shown: -1}
}

func (u *uploadProgress) Read(p []byte) (int, error) {
	n, err := u.r.Read(p)
	u.done += int64(n)
	u.show(false)
	return n, err
}

// show reports progress; final reports the end whatever was shown.
func (u *uploadProgress) show(final bool) {
	if u.g.output != "table" || u.total <= 0 || u.closed {
		return
	}
	pct := u.done * 100 / u.total
	rate := float64(u.done) / max(time.Since(u.start).Seconds(), 0.001)
	if u.bar {
		if !final && time.Since(u.drawn) < 100*time.Millisecond {
			return
		}
		u.drawn = time.Now()
		fmt.Fprintf(u.g.stderr, "\r%-12s %s %3d%% %s of %s, %s/s ", "upload", progressBar(int(pct)), pct,
			humanBytes(u.done), humanBytes(u.total), humanBytes(int64(rate)))
		if final {
			fmt.Fprintln(u.g.stderr)
			u.closed = true
		}
		return
	}
	if step := pct / 10 * 10; step > u.shown || final && u.shown < 100 {
		u.shown = step
		fmt.Fprintf(u.g.stderr, "upload %d%% (%s of %s)\n", pct, humanBytes(u.done), humanBytes(u.total))
		u.closed = final
	}
}
