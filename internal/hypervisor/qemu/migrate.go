package qemu

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kumo-cloud/kumo/internal/hypervisor"
)

// migrateBandwidth lifts QEMU's default cap on migration speed (32 MiB/s
// in older releases), which would make a local migration crawl.
const migrateBandwidth = 1 << 30

// migrationInfo is the part of query-migrate that Migrate follows.
type migrationInfo struct {
	Status    string `json:"status"`
	ErrorDesc string `json:"error-desc"`
	RAM       *struct {
		Transferred int64 `json:"transferred"`
		Total       int64 `json:"total"`
		Remaining   int64 `json:"remaining"`
	} `json:"ram"`
	Disk *struct {
		Transferred int64 `json:"transferred"`
		Total       int64 `json:"total"`
		Remaining   int64 `json:"remaining"`
	} `json:"disk"`
}

// percent estimates how far the migration is: disks are copied first,
// then memory, so the two are weighed by their sizes.
func (m migrationInfo) percent() int {
	var done, total int64
	if m.Disk != nil {
		done, total = done+m.Disk.Total-m.Disk.Remaining, total+m.Disk.Total
	}
	if m.RAM != nil {
		done, total = done+m.RAM.Total-m.RAM.Remaining, total+m.RAM.Total
	}
	if total <= 0 {
		return 0
	}
	return int(min(99, max(0, 100*done/total)))
}

// Migrate runs QEMU's migrate with block migration (blk, and inc for
// disks on shared backing files) and follows it with query-migrate. If ctx
// ends first the migration is cancelled and the source keeps running.
func (d *Driver) Migrate(ctx context.Context, dir string, req hypervisor.MigrateRequest, progress func(int)) error {
	if req.URI == "" {
		return errors.New("migrate: no destination URI")
	}
	if progress == nil {
		progress = func(int) {}
	}
	if err := d.execute(ctx, dir, "migrate-set-parameters", map[string]any{"max-bandwidth": migrateBandwidth}, nil); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	args := map[string]any{"uri": req.URI, "blk": true, "inc": req.Incremental}
	if err := d.execute(ctx, dir, "migrate", args, nil); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			cancelCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			err := d.execute(cancelCtx, dir, "migrate_cancel", nil, nil)
			cancel()
			return errors.Join(fmt.Errorf("migrate: %w", ctx.Err()), err)
		case <-tick.C:
		}
		var info migrationInfo
		if err := d.execute(ctx, dir, "query-migrate", nil, &info); err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		switch info.Status {
		case "completed":
			progress(100)
			return nil
		case "failed", "cancelled":
			return fmt.Errorf("migrate to %s %s: %s", req.URI, info.Status, info.ErrorDesc)
		}
		progress(info.percent())
	}
}
