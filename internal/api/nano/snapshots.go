package nano

import (
	"net/http"
	"time"
)

// Snapshots of a guest. Nano allows create and revert on stopped guests
// only; Kumo also takes live snapshots of running guests (RAM included,
// through QEMU), but reverts only stopped ones (409 otherwise).

// snapshotTimeout bounds the wait for a snapshot task: a live snapshot
// writes the guest's RAM into its disk.
const snapshotTimeout = 2 * time.Minute

// snapshotNode is one snapshot in the list: the document's tree, keyed
// by snapshot name.
type snapshotNode struct {
	Backing   string `json:"backing,omitempty"`
	IsRoot    bool   `json:"is_root,omitempty"`
	IsCurrent bool   `json:"is_current,omitempty"`
}

func (s *Server) listSnapshots(r *http.Request) (reply, error) {
	list, err := s.svc.ListSnapshots(ctx(r), r.PathValue("id"))
	if err != nil {
		return reply{}, err
	}
	out := map[string]snapshotNode{}
	for _, sn := range list {
		out[sn.Name] = snapshotNode{Backing: sn.Parent, IsRoot: sn.Parent == "", IsCurrent: sn.Current}
	}
	return ok(out)
}

func (s *Server) getSnapshot(r *http.Request) (reply, error) {
	sn, err := s.svc.GetSnapshot(ctx(r), r.PathValue("id"), r.PathValue("name"))
	if err != nil {
		return reply{}, err
	}
	return ok(map[string]any{"running": sn.Running, "description": sn.Description,
		"create_time": sn.CreatedAt.Local().Format(timeFormat)})
}

func (s *Server) createSnapshot(r *http.Request) (reply, error) {
	var req struct {
		Name        string `json:"name"`
		Description string `json:"description"`
	}
	if err := decode(r, &req); err != nil {
		return reply{}, err
	}
	t, err := s.svc.CreateSnapshot(ctx(r), r.PathValue("id"), req.Name, req.Description)
	if err != nil {
		return reply{}, err
	}
	return done(s.waitTask(r, t, snapshotTimeout))
}

func (s *Server) revertSnapshot(r *http.Request) (reply, error) {
	var req struct {
		Target string `json:"target"`
	}
	if err := decode(r, &req); err != nil {
		return reply{}, err
	}
	t, err := s.svc.RevertSnapshot(ctx(r), r.PathValue("id"), req.Target)
	if err != nil {
		return reply{}, err
	}
	return done(s.waitTask(r, t, snapshotTimeout))
}

func (s *Server) deleteSnapshot(r *http.Request) (reply, error) {
	t, err := s.svc.DeleteSnapshot(ctx(r), r.PathValue("id"), r.PathValue("name"))
	if err != nil {
		return reply{}, err
	}
	return done(s.waitTask(r, t, snapshotTimeout))
}
