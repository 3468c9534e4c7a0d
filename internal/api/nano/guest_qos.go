package nano

import (
	"net/http"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/service"
)

// A guest's QoS, applied to its running QEMU at once (CPU priority as
// the nice value of its threads, disk limits by block_set_io_throttle)
// and to every later start. Network limits cannot be enforced on
// user-mode NAT and are refused unless 0.

func qosOf(q model.QoS) *guestQoS {
	out := &guestQoS{CPUPriority: q.CPUPriority, WriteSpeed: q.WriteBPS, WriteIOPS: q.WriteIOPS,
		ReadSpeed: q.ReadBPS, ReadIOPS: q.ReadIOPS, ReceiveSpeed: q.ReceiveBPS, SendSpeed: q.SendBPS}
	if out.CPUPriority == "" {
		out.CPUPriority = "medium"
	}
	return out
}

func (q *guestQoS) model() model.QoS {
	if q == nil {
		return model.QoS{}
	}
	return model.QoS{CPUPriority: q.CPUPriority, ReadBPS: q.ReadSpeed, WriteBPS: q.WriteSpeed,
		ReadIOPS: q.ReadIOPS, WriteIOPS: q.WriteIOPS, ReceiveBPS: q.ReceiveSpeed, SendBPS: q.SendSpeed}
}

func (s *Server) setCPUPriority(r *http.Request) (reply, error) {
	var req struct {
		Priority string `json:"priority"`
	}
	if err := decode(r, &req); err != nil {
		return reply{}, err
	}
	_, err := s.svc.SetVMQoS(ctx(r), r.PathValue("id"), service.QoSPatch{CPUPriority: &req.Priority})
	return done(err)
}

func (s *Server) setDiskQoS(r *http.Request) (reply, error) {
	var req guestQoS
	if err := decode(r, &req); err != nil {
		return reply{}, err
	}
	q := req.model()
	_, err := s.svc.SetVMQoS(ctx(r), r.PathValue("id"), service.QoSPatch{Disk: &q})
	return done(err)
}

func (s *Server) setNetworkQoS(r *http.Request) (reply, error) {
	var req guestQoS
	if err := decode(r, &req); err != nil {
		return reply{}, err
	}
	q := req.model()
	_, err := s.svc.SetVMQoS(ctx(r), r.PathValue("id"), service.QoSPatch{Network: &q})
	return done(err)
}
