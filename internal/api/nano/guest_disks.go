package nano

import (
	"net/http"
	"strconv"
	"time"

	"github.com/kumo-cloud/kumo/internal/model"
)

// A guest's disks: grow one, or compact its file. Both need a stopped
// guest, as in Nano; "immediate" (on a running guest) is refused.

func diskIndex(r *http.Request) (int, error) {
	i, err := strconv.Atoi(r.PathValue("disk"))
	if err != nil || i < 0 {
		return 0, model.FieldError("disk", "%q is not a disk index (0 is the system disk)", r.PathValue("disk"))
	}
	return i, nil
}

func refuseImmediate(immediate bool) error {
	if immediate {
		return errNotImplemented("changing the disk of a running guest (immediate)")
	}
	return nil
}

func (s *Server) resizeDisk(r *http.Request) (reply, error) {
	var req struct {
		Size      int64 `json:"size"`
		Immediate bool  `json:"immediate"`
	}
	if err := decode(r, &req); err != nil {
		return reply{}, err
	}
	index, err := diskIndex(r)
	if err != nil {
		return reply{}, err
	}
	if err := refuseImmediate(req.Immediate); err != nil {
		return reply{}, err
	}
	t, err := s.svc.ResizeVMDisk(ctx(r), r.PathValue("id"), index, req.Size)
	if err != nil {
		return reply{}, err
	}
	return done(s.waitTask(r, t, 5*time.Minute))
}

func (s *Server) shrinkDisk(r *http.Request) (reply, error) {
	var req struct {
		Immediate bool `json:"immediate"`
	}
	if err := decodeOptional(r, &req); err != nil {
		return reply{}, err
	}
	index, err := diskIndex(r)
	if err != nil {
		return reply{}, err
	}
	if err := refuseImmediate(req.Immediate); err != nil {
		return reply{}, err
	}
	t, err := s.svc.CompactVMDisk(ctx(r), r.PathValue("id"), index)
	if err != nil {
		return reply{}, err
	}
	return done(s.waitTask(r, t, 10*time.Minute))
}

// resetSystem rewrites the guest's system disk from a disk image.
func (s *Server) resetSystem(r *http.Request) (reply, error) {
	var req struct {
		FromImage string `json:"from_image"`
	}
	if err := decode(r, &req); err != nil {
		return reply{}, err
	}
	t, err := s.svc.ReimageVM(ctx(r), r.PathValue("id"), req.FromImage)
	if err != nil {
		return reply{}, err
	}
	return done(s.waitTask(r, t, 10*time.Minute))
}
