package store

import (
	"context"
	"strings"

	"github.com/kumo-cloud/kumo/internal/model"
)

const imageColumns = `id, name, description, format, state, size_bytes, virtual_size, sha256, owner, user_group, tags, created_at, updated_at, tenant_id`

func scanImage(s scanner) (model.Image, error) {
	var i model.Image
	var created, updated int64
	var tags string
	err := s.Scan(&i.ID, &i.Name, &i.Description, &i.Format, &i.State, &i.SizeBytes, &i.VirtualSize, &i.SHA256,
		&i.Owner, &i.Group, &tags, &created, &updated, &i.TenantID)
	i.CreatedAt, i.UpdatedAt = fromMicros(created), fromMicros(updated)
	i.Tags = splitTags(tags)
	return i, classify(err)
}

// CreateImage inserts an image.
func (q Queries) CreateImage(ctx context.Context, i model.Image) error {
	i.TenantID = tenantOrDefault(i.TenantID)
	_, err := q.q.ExecContext(ctx, `INSERT INTO images (`+imageColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
		i.ID, i.Name, i.Description, i.Format, i.State, i.SizeBytes, i.VirtualSize, i.SHA256, i.Owner, i.Group,
		strings.Join(i.Tags, ","), micros(i.CreatedAt), micros(i.UpdatedAt), i.TenantID)
	return classify(err)
}

// GetImage returns the image with the given id or name.
func (q Queries) GetImage(ctx context.Context, idOrName string) (model.Image, error) {
	return scanImage(q.q.QueryRowContext(ctx, `SELECT `+imageColumns+` FROM images WHERE id = $1 OR name = $1`, idOrName))
}

// ListImages returns all images by name.
func (q Queries) ListImages(ctx context.Context) ([]model.Image, error) {
	return queryAll(ctx, q.q, scanImage, `SELECT `+imageColumns+` FROM images ORDER BY name`)
}

// UpdateImage stores an image's mutable fields.
func (q Queries) UpdateImage(ctx context.Context, i model.Image) error {
	i.TenantID = tenantOrDefault(i.TenantID)
	return q.execOne(ctx, `UPDATE images SET name = $2, description = $3, format = $4, state = $5, size_bytes = $6,
		virtual_size = $7, sha256 = $8, owner = $9, user_group = $10, tags = $11, updated_at = $12, tenant_id = $13 WHERE id = $1`,
		i.ID, i.Name, i.Description, i.Format, i.State, i.SizeBytes, i.VirtualSize, i.SHA256, i.Owner, i.Group,
		strings.Join(i.Tags, ","), micros(i.UpdatedAt), i.TenantID)
}

// DeleteImage removes an image.
func (q Queries) DeleteImage(ctx context.Context, id string) error {
	return q.execOne(ctx, `DELETE FROM images WHERE id = $1`, id)
}

// splitTags reads the comma-joined tags column.
func splitTags(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

// CountVMsUsingImage returns how many VMs were made from an image.
func (q Queries) CountVMsUsingImage(ctx context.Context, id string) (int, error) {
	var n int
	err := q.q.QueryRowContext(ctx, `SELECT COUNT(*) FROM vms WHERE image_id = $1`, id).Scan(&n)
	return n, err
}
