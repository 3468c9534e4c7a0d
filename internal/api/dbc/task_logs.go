package dbc

import (
	"strconv"

	"github.com/kumo-cloud/kumo/internal/hostlink"
	"github.com/kumo-cloud/kumo/internal/model"
)

// maxLogBytes is the most a log query answers, as the document says:
// the rest is cut off.
const maxLogBytes = 1024

// taskLogs answers lines of the VM's serial console log, from its head or
// its tail (?flag=head|tail&line_num=N).
func (s *Server) taskLogs(c *call) (any, error) {
	if err := c.additional(&struct{}{}); err != nil {
		return nil, err
	}
	q := c.r.URL.Query()
	req := hostlink.SerialRequest{MaxBytes: maxLogBytes}
	switch q.Get("flag") {
	case "head":
		req.FromHead = true
	case "tail", "":
	default:
		return nil, model.FieldError("flag", "must be head or tail, not %q", q.Get("flag"))
	}
	lines := q.Get("line_num")
	if lines == "" {
		lines = "100"
	}
	n, err := strconv.Atoi(lines)
	if err != nil || n < 1 {
		return nil, model.FieldError("line_num", "must be a number of lines of at least 1, not %q", lines)
	}
	req.Lines = n
	vm, err := s.ownTask(c)
	if err != nil {
		return nil, err
	}
	l, err := s.svc.VMSerialLog(c.ctx(), vm.ID, req)
	if err != nil {
		return nil, err
	}
	return l.Text, nil
}
