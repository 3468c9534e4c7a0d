package service

import (
	"context"
	"path/filepath"
	"strings"

	"github.com/google/uuid"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/store"
)

// StoragePoolSettings are a storage pool's changeable settings.
type StoragePoolSettings struct {
	Type   model.StorageType
	Host   string
	Target string
}

// systemDirs may not hold VM disks: they are not real disk space, or
// writing there would damage the host.
var systemDirs = []string{"/proc", "/sys", "/dev", "/run", "/boot", "/etc", "/bin", "/sbin", "/lib", "/usr"}

// checkStoragePool accepts what Kumo can really serve: local storage,
// either each agent's data directory (no target) or a directory at the
// same absolute path on every host of the compute pools that use it.
// Network storage would need a mount or an RBD driver on every agent,
// which Kumo does not have, so it is refused rather than recorded.
func checkStoragePool(set *StoragePoolSettings) error {
	if set.Type == "" {
		set.Type = model.StorageLocal
	}
	if set.Type != model.StorageLocal {
		return model.FieldError("type", "storage type %q is not supported: Kumo keeps VM disks on each host's local file system, "+
			"so the only type is %q (with an absolute directory as target, or no target for each host's data directory)", set.Type, model.StorageLocal)
	}
	if set.Host != "" && set.Host != "localhost" {
		return model.FieldError("host", "local storage is on each host itself; leave host empty (got %q)", set.Host)
	}
	set.Host = ""
	if set.Target == "" {
		return nil
	}
	if !filepath.IsAbs(set.Target) {
		return model.FieldError("target", "must be an absolute directory path, not %q", set.Target)
	}
	set.Target = filepath.Clean(set.Target)
	if set.Target == "/" {
		return model.FieldError("target", "must not be the root directory")
	}
	for _, d := range systemDirs {
		if set.Target == d || strings.HasPrefix(set.Target, d+"/") {
			return model.FieldError("target", "%s is a system directory; choose a directory for VM disks", set.Target)
		}
	}
	return nil
}

// ListStoragePools returns all storage pools.
func (s *Service) ListStoragePools(ctx context.Context) ([]model.StoragePool, error) {
	if err := Authorize(ctx, model.PermStoragePoolRead); err != nil {
		return nil, err
	}
	return s.db.ListStoragePools(ctx)
}

// GetStoragePool returns a storage pool by id or name.
func (s *Service) GetStoragePool(ctx context.Context, idOrName string) (model.StoragePool, error) {
	if err := Authorize(ctx, model.PermStoragePoolRead); err != nil {
		return model.StoragePool{}, err
	}
	p, err := s.db.GetStoragePool(ctx, idOrName)
	return p, notFound(err, "storage pool", idOrName)
}

// CreateStoragePool adds a storage pool (admin only).
func (s *Service) CreateStoragePool(ctx context.Context, name string, set StoragePoolSettings) (model.StoragePool, error) {
	if err := Authorize(ctx, model.PermStoragePoolCreate); err != nil {
		return model.StoragePool{}, err
	}
	if err := validName("name", name); err != nil {
		return model.StoragePool{}, err
	}
	if err := checkStoragePool(&set); err != nil {
		return model.StoragePool{}, err
	}
	p := model.StoragePool{ID: uuid.NewString(), Name: name, Type: set.Type, Host: set.Host, Target: set.Target, CreatedAt: now()}
	if err := s.db.CreateStoragePool(ctx, p); err != nil {
		return model.StoragePool{}, conflict(err, "storage pool %q already exists", name)
	}
	return p, nil
}

// UpdateStoragePool changes where a storage pool keeps disks (admin only).
// Disks do not move, so only a pool that holds no VM may change.
func (s *Service) UpdateStoragePool(ctx context.Context, idOrName string, set StoragePoolSettings) (model.StoragePool, error) {
	if err := Authorize(ctx, model.PermStoragePoolUpdate); err != nil {
		return model.StoragePool{}, err
	}
	if err := checkStoragePool(&set); err != nil {
		return model.StoragePool{}, err
	}
	var p model.StoragePool
	err := s.db.InTx(ctx, func(q store.Queries) error {
		var err error
		if p, err = q.GetStoragePool(ctx, idOrName); err != nil {
			return notFound(err, "storage pool", idOrName)
		}
		if err := q.LockStoragePool(ctx, p.Name); err != nil {
			return notFound(err, "storage pool", idOrName)
		}
		pools, vms, err := q.StoragePoolUsers(ctx, p.Name)
		if err != nil {
			return err
		}
		if vms > 0 {
			return model.Errorf(model.CodeConflict, "storage pool %s holds the disks of %d VMs (compute pools %s); only an empty storage pool can change",
				p.Name, vms, strings.Join(pools, ", "))
		}
		p.Type, p.Host, p.Target = set.Type, set.Host, set.Target
		return notFound(q.UpdateStoragePool(ctx, p), "storage pool", idOrName)
	})
	return p, err
}

// DeleteStoragePool removes a storage pool no compute pool uses (admin
// only).
func (s *Service) DeleteStoragePool(ctx context.Context, idOrName string) error {
	if err := Authorize(ctx, model.PermStoragePoolDelete); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(q store.Queries) error {
		p, err := q.GetStoragePool(ctx, idOrName)
		if err != nil {
			return notFound(err, "storage pool", idOrName)
		}
		if err := q.LockStoragePool(ctx, p.Name); err != nil {
			return notFound(err, "storage pool", idOrName)
		}
		pools, _, err := q.StoragePoolUsers(ctx, p.Name)
		if err != nil {
			return err
		}
		if len(pools) > 0 {
			return model.Errorf(model.CodeConflict, "storage pool %s is used by compute pools %s", p.Name, strings.Join(pools, ", "))
		}
		return notFound(q.DeleteStoragePool(ctx, p.ID), "storage pool", idOrName)
	})
}
