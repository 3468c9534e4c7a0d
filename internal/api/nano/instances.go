package nano

import (
	"net/http"
	"time"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/service"
)

// instance adds run-time figures to a guest. Per-VM usage counters are
// not collected yet and report 0.
type instance struct {
	guest
	CPUUsage        float64 `json:"cpu_usage"`
	MemoryAvailable int64   `json:"memory_available"`
	DiskAvailable   int64   `json:"disk_available"`
	BytesRead       int64   `json:"bytes_read"`
	BytesWritten    int64   `json:"bytes_written"`
	BytesReceived   int64   `json:"bytes_received"`
	BytesSent       int64   `json:"bytes_sent"`
}

// getInstance is getGuest with the run-time figures added.
func (s *Server) getInstance(r *http.Request) (reply, error) {
	out, err := s.getGuest(r)
	if g, isGuest := out.data.(guest); err == nil && isGuest {
		if g.Running {
			// What is in the CD-ROM drive, as QEMU sees it now. A host
			// that does not answer leaves the fields empty rather than
			// failing the whole status.
			if id, merr := s.svc.VMMedia(ctx(r), g.ID); merr == nil {
				g.MediaAttached, g.MediaSource = id != "", id
			} else {
				s.log.Debug("media of a running guest", "guest", g.ID, "err", merr)
			}
		}
		out.data = instance{guest: g}
	}
	return out, err
}

// startInstance starts a guest and reports whether QEMU came up.
func (s *Server) startInstance(r *http.Request) (reply, error) {
	var req struct {
		FromMedia   bool   `json:"from_media"`
		FromNetwork bool   `json:"from_network"`
		Source      string `json:"source"`
	}
	if err := decodeOptional(r, &req); err != nil {
		return reply{}, err
	}
	if req.FromNetwork {
		return reply{}, errNotImplemented("starting from the network (from_network)")
	}
	start := service.ChangeVMStateRequest{Action: service.ActionStart}
	if req.FromMedia {
		if req.Source == "" {
			return reply{}, model.FieldError("source", "is required with from_media: the id of a media image")
		}
		start.Media = req.Source
	} else if req.Source != "" {
		return reply{}, model.FieldError("source", "is only for from_media")
	}
	t, err := s.svc.ChangeVMState(ctx(r), r.PathValue("id"), start)
	if err != nil {
		return reply{}, err
	}
	return done(s.waitTask(r, t, time.Minute))
}

// stopInstance stops or reboots a guest. force powers off (or resets) at
// once; without force the guest is asked through ACPI and the reply does
// not wait for it to finish.
func (s *Server) stopInstance(r *http.Request) (reply, error) {
	var req struct {
		Reboot bool `json:"reboot"`
		Force  bool `json:"force"`
	}
	if err := decodeOptional(r, &req); err != nil {
		return reply{}, err
	}
	action := service.ActionStop
	switch {
	case req.Reboot:
		// QEMU's reset is the only reboot Kumo has; it does not wait for
		// the guest either way.
		action = service.ActionReboot
	case req.Force:
		action = service.ActionPowerOff
	}
	t, err := s.svc.ChangeVMState(ctx(r), r.PathValue("id"), service.ChangeVMStateRequest{Action: action})
	if err != nil {
		return reply{}, err
	}
	if action == service.ActionStop {
		return ok(nil)
	}
	return done(s.waitTask(r, t, time.Minute))
}

// insertMedia puts a media image into the running guest's CD-ROM drive.
func (s *Server) insertMedia(r *http.Request) (reply, error) {
	var req struct {
		Source string `json:"source"`
		Type   int    `json:"type"`
	}
	if err := decode(r, &req); err != nil {
		return reply{}, err
	}
	if req.Type != 0 {
		return reply{}, model.FieldError("type", "must be 0 (media image), not %d", req.Type)
	}
	return done(s.svc.InsertMedia(ctx(r), r.PathValue("id"), req.Source))
}

// ejectMedia empties the running guest's CD-ROM drive.
func (s *Server) ejectMedia(r *http.Request) (reply, error) {
	return done(s.svc.EjectMedia(ctx(r), r.PathValue("id")))
}
