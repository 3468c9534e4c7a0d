package native

import (
	"net/http"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/pkg/api"
)

func snapshotToAPI(sn model.Snapshot) api.Snapshot {
	return api.Snapshot{Name: sn.Name, Description: sn.Description, Parent: sn.Parent, Current: sn.Current, Running: sn.Running,
		CreatedAt: sn.CreatedAt}
}

func (s *Server) listSnapshots(r *http.Request) (any, error) {
	sns, err := s.svc.ListSnapshots(ctx(r), r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	out := make([]api.Snapshot, 0, len(sns))
	for _, sn := range sns {
		out = append(out, snapshotToAPI(sn))
	}
	return out, nil
}

func (s *Server) createSnapshot(r *http.Request) (any, error) {
	var req api.SnapshotsPost
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	t, err := s.svc.CreateSnapshot(ctx(r), r.PathValue("id"), req.Name, req.Description)
	if err != nil {
		return nil, err
	}
	return taskToAPI(t), nil
}

func (s *Server) getSnapshot(r *http.Request) (any, error) {
	sn, err := s.svc.GetSnapshot(ctx(r), r.PathValue("id"), r.PathValue("name"))
	if err != nil {
		return nil, err
	}
	return snapshotToAPI(sn), nil
}

func (s *Server) revertSnapshot(r *http.Request) (any, error) {
	t, err := s.svc.RevertSnapshot(ctx(r), r.PathValue("id"), r.PathValue("name"))
	if err != nil {
		return nil, err
	}
	return taskToAPI(t), nil
}

func (s *Server) deleteSnapshot(r *http.Request) (any, error) {
	t, err := s.svc.DeleteSnapshot(ctx(r), r.PathValue("id"), r.PathValue("name"))
	if err != nil {
		return nil, err
	}
	return taskToAPI(t), nil
}
