package service

import (
	"context"
	"errors"

	"github.com/google/uuid"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/store"
)

func (s *Service) ensureDefaultPool(ctx context.Context) error {
	_, err := s.db.GetPool(ctx, model.DefaultPoolName)
	if errors.Is(err, store.ErrNotFound) {
		err = s.db.CreatePool(ctx, model.Pool{ID: uuid.NewString(), Name: model.DefaultPoolName, Description: "created on first start", Enabled: true, CreatedAt: now()})
		if errors.Is(err, store.ErrConflict) {
			return nil // another controller made it first
		}
	}
	return err
}

// ListPools returns all pools.
func (s *Service) ListPools(ctx context.Context) ([]model.Pool, error) {
	return s.db.ListPools(ctx)
}

// GetPool returns a pool by id or name.
func (s *Service) GetPool(ctx context.Context, idOrName string) (model.Pool, error) {
	p, err := s.db.GetPool(ctx, idOrName)
	return p, notFound(err, "pool", idOrName)
}

// PoolSettings are a pool's changeable settings.
type PoolSettings struct {
	Description string
	Enabled     bool
	StoragePool string
	AddressPool string
	Failover    bool
}

func (s *Service) checkPoolSettings(set PoolSettings) error {
	// Only local storage and user-mode NAT exist so far; naming anything
	// else would silently do the wrong thing.
	if set.StoragePool != "" {
		return model.FieldError("storage", "storage pool %q does not exist (only local storage is supported yet)", set.StoragePool)
	}
	if set.AddressPool != "" {
		return model.FieldError("network", "address pool %q does not exist (only NAT is supported yet)", set.AddressPool)
	}
	if set.Failover {
		return model.FieldError("failover", "failover needs shared storage, which is not supported yet")
	}
	return nil
}

// CreatePool adds a pool (needs the compute_pool menu).
func (s *Service) CreatePool(ctx context.Context, name string, set PoolSettings) (model.Pool, error) {
	if err := Authorize(ctx, model.MenuComputePool); err != nil {
		return model.Pool{}, err
	}
	if err := validName("name", name); err != nil {
		return model.Pool{}, err
	}
	if err := s.checkPoolSettings(set); err != nil {
		return model.Pool{}, err
	}
	p := model.Pool{ID: uuid.NewString(), Name: name, Description: set.Description, Enabled: set.Enabled,
		StoragePool: set.StoragePool, AddressPool: set.AddressPool, Failover: set.Failover, CreatedAt: now()}
	if err := s.db.CreatePool(ctx, p); err != nil {
		return model.Pool{}, conflict(err, "pool %q already exists", name)
	}
	return p, nil
}

// UpdatePool changes a pool's settings (needs the compute_pool menu).
func (s *Service) UpdatePool(ctx context.Context, idOrName string, set PoolSettings) (model.Pool, error) {
	if err := Authorize(ctx, model.MenuComputePool); err != nil {
		return model.Pool{}, err
	}
	p, err := s.GetPool(ctx, idOrName)
	if err != nil {
		return p, err
	}
	if err := s.checkPoolSettings(set); err != nil {
		return p, err
	}
	p.Description, p.Enabled, p.StoragePool, p.AddressPool, p.Failover = set.Description, set.Enabled, set.StoragePool, set.AddressPool, set.Failover
	return p, notFound(s.db.UpdatePool(ctx, p), "pool", idOrName)
}

// DeletePool removes an empty pool (needs the compute_pool menu).
func (s *Service) DeletePool(ctx context.Context, idOrName string) error {
	if err := Authorize(ctx, model.MenuComputePool); err != nil {
		return err
	}
	p, err := s.GetPool(ctx, idOrName)
	if err != nil {
		return err
	}
	hosts, vms, err := s.db.CountPoolMembers(ctx, p.ID)
	if err != nil {
		return err
	}
	if hosts > 0 || vms > 0 {
		return model.Errorf(model.CodeConflict, "pool %s still has %d hosts and %d VMs", p.Name, hosts, vms)
	}
	return notFound(s.db.DeletePool(ctx, p.ID), "pool", idOrName)
}
