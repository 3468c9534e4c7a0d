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
	if err := Authorize(ctx, model.PermPoolRead); err != nil {
		return nil, err
	}
	return s.db.ListPools(ctx)
}

// GetPool returns a pool by id or name.
func (s *Service) GetPool(ctx context.Context, idOrName string) (model.Pool, error) {
	if err := Authorize(ctx, model.PermPoolRead); err != nil {
		return model.Pool{}, err
	}
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

// checkPoolSettings checks, in the transaction that stores the pool,
// that the storage and address pools named exist, and locks them so that
// they cannot be deleted before the pool is stored. cur is the pool being
// changed (nil for a new one): a pool that holds VMs cannot switch storage
// or address pool, since its VMs' disks and addresses stay where they are.
func checkPoolSettings(ctx context.Context, q store.Queries, cur *model.Pool, set PoolSettings) error {
	if set.Failover {
		return model.FieldError("failover", "failover needs shared storage, which Kumo does not have (storage is local to each host)")
	}
	if set.StoragePool != "" {
		if err := q.LockStoragePool(ctx, set.StoragePool); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return model.FieldError("storage", "storage pool %q does not exist", set.StoragePool)
			}
			return err
		}
	}
	if set.AddressPool != "" {
		if err := q.LockAddressPool(ctx, set.AddressPool); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return model.FieldError("network", "address pool %q does not exist", set.AddressPool)
			}
			return err
		}
	}
	if cur != nil && (cur.StoragePool != set.StoragePool || cur.AddressPool != set.AddressPool) {
		_, vms, err := q.CountPoolMembers(ctx, cur.ID)
		if err != nil {
			return err
		}
		if vms > 0 {
			return model.Errorf(model.CodeConflict, "pool %s holds %d VMs; its storage and address pools cannot change while it has VMs", cur.Name, vms)
		}
	}
	return nil
}

// CreatePool adds a pool (needs the compute_pool menu).
func (s *Service) CreatePool(ctx context.Context, name string, set PoolSettings) (model.Pool, error) {
	if err := Authorize(ctx, model.PermPoolCreate); err != nil {
		return model.Pool{}, err
	}
	if err := validName("name", name); err != nil {
		return model.Pool{}, err
	}
	p := model.Pool{ID: uuid.NewString(), Name: name, Description: set.Description, Enabled: set.Enabled,
		StoragePool: set.StoragePool, AddressPool: set.AddressPool, Failover: set.Failover, CreatedAt: now()}
	err := s.db.InTx(ctx, func(q store.Queries) error {
		if err := checkPoolSettings(ctx, q, nil, set); err != nil {
			return err
		}
		return conflict(q.CreatePool(ctx, p), "pool %q already exists", name)
	})
	if err != nil {
		return model.Pool{}, err
	}
	return p, nil
}

// UpdatePool changes a pool's settings (needs the compute_pool menu).
func (s *Service) UpdatePool(ctx context.Context, idOrName string, set PoolSettings) (model.Pool, error) {
	if err := Authorize(ctx, model.PermPoolUpdate); err != nil {
		return model.Pool{}, err
	}
	var p model.Pool
	err := s.db.InTx(ctx, func(q store.Queries) error {
		var err error
		if p, err = q.GetPool(ctx, idOrName); err != nil {
			return notFound(err, "pool", idOrName)
		}
		if err := checkPoolSettings(ctx, q, &p, set); err != nil {
			return err
		}
		p.Description, p.Enabled, p.StoragePool, p.AddressPool, p.Failover = set.Description, set.Enabled, set.StoragePool, set.AddressPool, set.Failover
		return notFound(q.UpdatePool(ctx, p), "pool", idOrName)
	})
	return p, err
}

// DeletePool removes an empty pool (needs the compute_pool menu).
func (s *Service) DeletePool(ctx context.Context, idOrName string) error {
	if err := Authorize(ctx, model.PermPoolDelete); err != nil {
		return err
	}
	p, err := s.GetPool(ctx, idOrName)
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, func(q store.Queries) error {
		hosts, vms, err := q.CountPoolMembers(ctx, p.ID)
		if err != nil {
			return err
		}
		if hosts > 0 || vms > 0 {
			return model.Errorf(model.CodeConflict, "pool %s still has %d hosts and %d VMs", p.Name, hosts, vms)
		}
		// Its join tokens, used or not, go with it: none can admit a
		// host into a pool that is gone.
		if err := q.DeletePoolJoinTokens(ctx, p.ID); err != nil {
			return err
		}
		return notFound(q.DeletePool(ctx, p.ID), "pool", idOrName)
	})
}
