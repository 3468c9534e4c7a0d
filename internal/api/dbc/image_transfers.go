package dbc

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/service"
)

// Transfers are held in memory: they run in this process and end with
// it; a restarted server has none under way.

type transferKey struct{ direction, filename string }

type transfer struct {
	server     string
	total      int64 // -1 while unknown
	done       atomic.Int64
	started    time.Time
	cancel     context.CancelFunc
	mu         sync.Mutex
	state, err string
}

func (t *transfer) finish(state string, err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.state == "stopped" {
		return // the error is the stop's
	}
	t.state = state
	if err != nil {
		t.err = err.Error()
	}
}

type imageTransfers struct {
	mu sync.Mutex
	m  map[transferKey]*transfer
}

// begin registers a transfer unless one of the file in that direction
// is still running.
func (ts *imageTransfers) begin(k transferKey, t *transfer) error {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if cur, ok := ts.m[k]; ok {
		cur.mu.Lock()
		running := cur.state == "downloading" || cur.state == "uploading"
		cur.mu.Unlock()
		if running {
			return model.Errorf(model.CodeConflict, "%s of %s is already under way", k.direction, k.filename)
		}
	}
	ts.m[k] = t
	return nil
}

func (ts *imageTransfers) get(k transferKey) (*transfer, error) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	t, ok := ts.m[k]
	if !ok {
		return nil, model.Errorf(model.CodeNotFound, "no %s of %s was started on this node", k.direction, k.filename)
	}
	return t, nil
}

// countingReader counts what passes into a transfer's progress.
type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

type imageTransferParams struct {
	ImageFilename string `json:"image_filename"`
	ImageServer   string `json:"image_server"`
	// LocalDir is where DBC's node puts a download; Kumo keeps images in
	// its image store, from where every host gets them.
	LocalDir string `json:"local_dir"`
}

func (p imageTransferParams) check() error {
	if p.ImageFilename == "" {
		return model.FieldError("additional.image_filename", "is required")
	}
	if strings.ContainsAny(p.ImageFilename, "/\\?#") {
		return model.FieldError("additional.image_filename", "%q is a file name, not a path", p.ImageFilename)
	}
	return nil
}

// downloadImage starts copying a file of an image server into a new
// image of the wallet; downloadprogress follows it.
func (s *Server) downloadImage(c *call) (any, error) {
	var p imageTransferParams
	if err := c.additional(&p); err != nil {
		return nil, err
	}
	if err := p.check(); err != nil {
		return nil, err
	}
	if _, err := s.node(c); err != nil {
		return nil, err
	}
	base, err := s.imageServer(p.ImageServer)
	if err != nil {
		return nil, err
	}
	if _, err := s.svc.GetImage(c.ctx(), p.ImageFilename); err == nil {
		return nil, model.Errorf(model.CodeConflict, "the node has an image %s already", p.ImageFilename)
	}
	// The transfer outlives the request; it keeps the caller.
	ctx, cancel := context.WithCancel(context.WithoutCancel(c.ctx()))
	t := &transfer{server: p.ImageServer, total: -1, started: time.Now(), cancel: cancel, state: "downloading"}
	k := transferKey{"download", p.ImageFilename}
	if err := s.transfers.begin(k, t); err != nil {
		cancel()
		return nil, err
	}
	body, err := s.get(ctx, base+"/"+url.PathEscape(p.ImageFilename))
	if err != nil {
		cancel()
		t.finish("failed", err)
		return nil, err
	}
	t.total = body.(*sizedBody).size
	go func() {
		defer cancel()
		defer body.Close()
		_, err := s.svc.UploadImage(ctx, service.UploadImageRequest{Name: p.ImageFilename,
			Description: "downloaded from DBC image server " + p.ImageServer, SizeBytes: t.total}, countingReader{body, &t.done})
		if err != nil {
			s.log.Warn("dbc image download failed", "image", p.ImageFilename, "server", p.ImageServer, "err", err)
			t.finish("failed", err)
			return
		}
		t.finish("done", nil)
	}()
	return progressOf(k, t), nil
}

// uploadImage starts copying one of the wallet's images to an image
// server; uploadprogress follows it.
func (s *Server) uploadImage(c *call) (any, error) {
	var p imageTransferParams
	if err := c.additional(&p); err != nil {
		return nil, err
	}
	if err := p.check(); err != nil {
		return nil, err
	}
	if _, err := s.nodes(c); err != nil {
		return nil, err
	}
	base, err := s.imageServer(p.ImageServer)
	if err != nil {
		return nil, err
	}
	img, rc, size, err := s.svc.ExportImage(c.ctx(), p.ImageFilename)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.WithoutCancel(c.ctx()))
	t := &transfer{server: p.ImageServer, total: size, started: time.Now(), cancel: cancel, state: "uploading"}
	k := transferKey{"upload", p.ImageFilename}
	if err := s.transfers.begin(k, t); err != nil {
		cancel()
		rc.Close()
		return nil, err
	}
	go func() {
		defer cancel()
		defer rc.Close()
		req, err := http.NewRequestWithContext(ctx, http.MethodPut, base+"/"+url.PathEscape(img.Name), countingReader{rc, &t.done})
		if err != nil {
			t.finish("failed", err)
			return
		}
		req.ContentLength = size
		resp, err := s.opts.HTTPClient.Do(req)
		if err != nil {
			t.finish("failed", err)
			return
		}
		resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			t.finish("failed", fmt.Errorf("PUT %s: HTTP %d", req.URL, resp.StatusCode))
			return
		}
		t.finish("done", nil)
	}()
	return progressOf(k, t), nil
}

type progress struct {
	ImageFilename string `json:"image_filename"`
	ImageServer   string `json:"image_server"`
	// Status is downloading or uploading, then done, failed or stopped.
	Status     string `json:"status"`
	Progress   string `json:"progress"` // percent, "" while the size is unknown
	DoneBytes  int64  `json:"done_bytes"`
	TotalBytes int64  `json:"total_bytes"`
	StartTime  string `json:"start_time"`
	Error      string `json:"error,omitempty"`
}

func progressOf(k transferKey, t *transfer) progress {
	t.mu.Lock()
	defer t.mu.Unlock()
	p := progress{ImageFilename: k.filename, ImageServer: t.server, Status: t.state, DoneBytes: t.done.Load(),
		TotalBytes: t.total, StartTime: t.started.Local().Format(timeFormat), Error: t.err}
	if t.total > 0 {
		p.Progress = fmt.Sprintf("%d%%", p.DoneBytes*100/t.total)
	}
	return p
}

// transferState answers a progress query (stop false) or stops the
// transfer (stop true).
func (s *Server) transferState(direction string, stop bool) func(c *call) (any, error) {
	return func(c *call) (any, error) {
		var p struct {
			ImageFilename string `json:"image_filename"`
		}
		if err := c.additional(&p); err != nil {
			return nil, err
		}
		if p.ImageFilename == "" {
			return nil, model.FieldError("additional.image_filename", "is required")
		}
		k := transferKey{direction, p.ImageFilename}
		t, err := s.transfers.get(k)
		if err != nil {
			return nil, err
		}
		if stop {
			t.mu.Lock()
			running := t.state == "downloading" || t.state == "uploading"
			if running {
				t.state = "stopped"
			}
			t.mu.Unlock()
			if !running {
				return nil, model.Errorf(model.CodeConflict, "%s of %s is %s, not under way", direction, p.ImageFilename, progressOf(k, t).Status)
			}
			t.cancel()
		}
		return progressOf(k, t), nil
	}
}
