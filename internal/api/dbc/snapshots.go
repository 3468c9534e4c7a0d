package dbc

import (
	"github.com/kumo-cloud/kumo/internal/model"
)

type snapshot struct {
	SnapshotName string `json:"snapshot_name"`
	Desc         string `json:"desc"`
	CreateTime   string `json:"create_time"`
	Parent       string `json:"parent"`
	Current      bool   `json:"current"`
	// Running says the snapshot holds the guest's RAM too (taken live).
	Running bool `json:"running"`
}

func snapshotOf(sn model.Snapshot) snapshot {
	return snapshot{SnapshotName: sn.Name, Desc: sn.Description, CreateTime: sn.CreatedAt.Local().Format(timeFormat),
		Parent: sn.Parent, Current: sn.Current, Running: sn.Running}
}

func (s *Server) listSnapshots(c *call) (any, error) {
	if err := c.additional(&struct{}{}); err != nil {
		return nil, err
	}
	vm, err := s.ownTask(c)
	if err != nil {
		return nil, err
	}
	list, err := s.svc.ListSnapshots(c.ctx(), vm.ID)
	if err != nil {
		return nil, err
	}
	out := []snapshot{}
	for _, sn := range list {
		out = append(out, snapshotOf(sn))
	}
	return out, nil
}

func (s *Server) getSnapshot(c *call) (any, error) {
	if err := c.additional(&struct{}{}); err != nil {
		return nil, err
	}
	vm, err := s.ownTask(c)
	if err != nil {
		return nil, err
	}
	sn, err := s.svc.GetSnapshot(c.ctx(), vm.ID, c.r.PathValue("snapshot_name"))
	if err != nil {
		return nil, err
	}
	return snapshotOf(sn), nil
}

// createSnapshot takes a snapshot of the VM's disks (and RAM, when it
// runs: DBC asks for a stopped VM, Kumo can do both).
func (s *Server) createSnapshot(c *call) (any, error) {
	var p struct {
		SnapshotName string `json:"snapshot_name"`
		Desc         string `json:"desc"`
		ImageServer  string `json:"image_server"`
	}
	if err := c.additional(&p); err != nil {
		return nil, err
	}
	vm, err := s.ownTask(c)
	if err != nil {
		return nil, err
	}
	if p.ImageServer != "" {
		return nil, errNotImplemented("additional.image_server: uploading snapshots to an image server is not implemented in Kumo yet; leave it empty to keep the snapshot on the node")
	}
	op, err := s.svc.CreateSnapshot(c.ctx(), vm.ID, p.SnapshotName, p.Desc)
	if err != nil {
		return nil, err
	}
	return map[string]string{"task_id": vm.ID, "snapshot_name": p.SnapshotName, "operation_id": op.ID}, nil
}

func (s *Server) deleteSnapshot(c *call) (any, error) {
	if err := c.additional(&struct{}{}); err != nil {
		return nil, err
	}
	vm, err := s.ownTask(c)
	if err != nil {
		return nil, err
	}
	name := c.r.PathValue("snapshot_name")
	op, err := s.svc.DeleteSnapshot(c.ctx(), vm.ID, name)
	if err != nil {
		return nil, err
	}
	return map[string]string{"task_id": vm.ID, "snapshot_name": name, "operation_id": op.ID}, nil
}
