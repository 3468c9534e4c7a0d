package service

import (
	"context"
	"encoding/json"
	"time"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/store"
)

// ZStack keeps objects only the ZStack dialect has (policies, quotas,
// prices, scheduler jobs...) as JSON documents by kind and uuid. The
// dialect owns their shape; the service only persists them.

// PutZStackObject stores v (marshalled to JSON) under kind and uuid.
func (s *Service) PutZStackObject(ctx context.Context, kind, uuid string, created time.Time, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return internal(err, "encode "+kind)
	}
	return s.db.PutZStackResource(ctx, store.ZStackResource{Kind: kind, UUID: uuid, Body: body, CreatedAt: created})
}

// GetZStackObject decodes the object kind/uuid into v.
func (s *Service) GetZStackObject(ctx context.Context, kind, uuid string, v any) error {
	r, err := s.db.GetZStackResource(ctx, kind, uuid)
	if err != nil {
		return notFound(err, kind, uuid)
	}
	return json.Unmarshal(r.Body, v)
}

// ListZStackObjects returns the raw JSON of every object of a kind, oldest
// first.
func (s *Service) ListZStackObjects(ctx context.Context, kind string) ([]json.RawMessage, error) {
	rs, err := s.db.ListZStackResources(ctx, kind)
	if err != nil {
		return nil, err
	}
	out := make([]json.RawMessage, len(rs))
	for i, r := range rs {
		out[i] = r.Body
	}
	return out, nil
}

// DeleteZStackObject removes an object.
func (s *Service) DeleteZStackObject(ctx context.Context, kind, uuid string) error {
	return notFound(s.db.DeleteZStackResource(ctx, kind, uuid), kind, uuid)
}

// RecordVMRuns opens a run interval for each VM observed running or
// paused (it holds its host's resources either way) and closes the
// intervals of the others. Billing is computed from these intervals, so
// it follows what hosts report, not what was asked for.
func (s *Service) RecordVMRuns(ctx context.Context) error {
	vms, err := s.db.ListVMs(ctx)
	if err != nil {
		return err
	}
	t := now()
	for _, vm := range vms {
		if vm.Status == model.PowerRunning || vm.Status == model.PowerPaused {
			err = s.db.OpenRunInterval(ctx, vm.ID, t)
		} else {
			err = s.db.CloseRunInterval(ctx, vm.ID, t)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// VMRunIntervals returns when each VM ran, by VM id.
func (s *Service) VMRunIntervals(ctx context.Context) (map[string][]store.RunInterval, error) {
	runs, err := s.db.ListRunIntervals(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string][]store.RunInterval{}
	for _, r := range runs {
		out[r.VMID] = append(out[r.VMID], r)
	}
	return out, nil
}

// ChangeVMOwner gives a VM to another user (admins only), who then sees
// it as its own; its user group follows the new owner's.
func (s *Service) ChangeVMOwner(ctx context.Context, idOrName, owner string) (model.VM, error) {
	if err := requireAdmin(ctx); err != nil {
		return model.VM{}, err
	}
	var vm model.VM
	err := s.db.InTx(ctx, func(q store.Queries) error {
		var err error
		if vm, err = q.GetVM(ctx, idOrName); err != nil {
			return notFound(err, "VM", idOrName)
		}
		u, err := q.GetUserByName(ctx, owner)
		if err != nil {
			return notFound(err, "user", owner)
		}
		vm.Owner, vm.Group, vm.UpdatedAt = u.Name, u.Group, now()
		return q.UpdateVM(ctx, vm)
	})
	return vm, err
}

// SetUserPassword replaces a user's password without the old one
// (admins only: ZStack's UpdateAccount and UpdateUser work this way).
// The user's sessions end.
func (s *Service) SetUserPassword(ctx context.Context, name, password string) error {
	if err := requireAdmin(ctx); err != nil {
		return err
	}
	if err := validPassword("password", password); err != nil {
		return err
	}
	hash, err := HashPassword(password)
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, func(q store.Queries) error {
		u, err := q.GetUserByName(ctx, name)
		if err != nil {
			return notFound(err, "user", name)
		}
		if err := q.SetUserPassword(ctx, u.ID, hash); err != nil {
			return err
		}
		return q.DeleteUserSessions(ctx, u.ID, "")
	})
}
