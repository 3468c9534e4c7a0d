package agent

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"os"
	"strconv"

	"github.com/kumo-cloud/kumo/internal/hostlink"
	"github.com/kumo-cloud/kumo/internal/hypervisor/qemu"
	"github.com/kumo-cloud/kumo/internal/model"
)

// maxSerialExcerpt bounds what one serial log request may ask for: the
// log grows for the VM's whole life, and excerpts are for people.
const maxSerialExcerpt = 64 << 10

func serialRequestOf(r *http.Request) (hostlink.SerialRequest, error) {
	q := r.URL.Query()
	req := hostlink.SerialRequest{FromHead: q.Get("from") == "head"}
	var err error
	if req.Lines, err = strconv.Atoi(q.Get("lines")); err != nil || req.Lines < 0 {
		return req, model.FieldError("lines", "must be a number of lines, not %q", q.Get("lines"))
	}
	if req.MaxBytes, err = strconv.Atoi(q.Get("max_bytes")); err != nil || req.MaxBytes < 1 || req.MaxBytes > maxSerialExcerpt {
		return req, model.FieldError("max_bytes", "must be between 1 and %d, not %q", maxSerialExcerpt, q.Get("max_bytes"))
	}
	return req, nil
}

// serialLog reads an excerpt of a VM's serial console log. Only the
// MaxBytes bytes at the asked end can be in the answer, so no more than
// one byte beyond them is read, however long the log.
func (a *Agent) serialLog(id string, req hostlink.SerialRequest) (hostlink.SerialLog, error) {
	if _, err := os.Stat(a.dir(id)); errors.Is(err, fs.ErrNotExist) {
		return hostlink.SerialLog{}, model.NotFound("VM", id)
	}
	f, err := os.Open(qemu.SerialLogPath(a.dir(id)))
	if errors.Is(err, fs.ErrNotExist) {
		return hostlink.SerialLog{}, nil // never started: nothing logged yet
	}
	if err != nil {
		return hostlink.SerialLog{}, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return hostlink.SerialLog{}, err
	}
	window := int64(req.MaxBytes) + 1
	var off int64
	if !req.FromHead && fi.Size() > window {
		off = fi.Size() - window
	}
	buf := make([]byte, min(window, fi.Size()))
	n, err := f.ReadAt(buf, off)
	if err != nil && !errors.Is(err, io.EOF) {
		return hostlink.SerialLog{}, err
	}
	text, truncated := serialExcerpt(buf[:n], req)
	return hostlink.SerialLog{Text: string(text), Truncated: truncated}, nil
}

// serialExcerpt takes req.Lines lines from the head or tail of data and
// keeps at most req.MaxBytes bytes of them: the first bytes from the
// head, the last from the tail. data is the MaxBytes+1 bytes at that end
// of the log, so a line cut by the window is always cut in the answer too.
func serialExcerpt(data []byte, req hostlink.SerialRequest) ([]byte, bool) {
	lines := bytes.SplitAfter(data, []byte("\n"))
	if len(lines) > 0 && len(lines[len(lines)-1]) == 0 {
		lines = lines[:len(lines)-1] // a final newline ends a line, it starts none
	}
	n := min(req.Lines, len(lines))
	if req.FromHead {
		out := bytes.Join(lines[:n], nil)
		if len(out) > req.MaxBytes {
			return out[:req.MaxBytes], true
		}
		return out, false
	}
	out := bytes.Join(lines[len(lines)-n:], nil)
	if len(out) > req.MaxBytes {
		return out[len(out)-req.MaxBytes:], true
	}
	return out, false
}
