package store

import (
	"context"

	"github.com/kumo-cloud/kumo/internal/model"
)

const templateColumns = `id, name, admin, operating_system, disk_bus, network_model, display, control, usb, tablet, created_at, updated_at`

func scanTemplate(s scanner) (model.Template, error) {
	var t model.Template
	var created, updated int64
	err := s.Scan(&t.ID, &t.Name, &t.Admin, &t.OperatingSystem, &t.DiskBus, &t.NetworkModel, &t.Display, &t.Control,
		&t.USB, &t.Tablet, &created, &updated)
	t.CreatedAt, t.UpdatedAt = fromMicros(created), fromMicros(updated)
	return t, classify(err)
}

// CreateTemplate inserts a template.
func (q Queries) CreateTemplate(ctx context.Context, t model.Template) error {
	_, err := q.q.ExecContext(ctx, `INSERT INTO templates (`+templateColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		t.ID, t.Name, t.Admin, t.OperatingSystem, t.DiskBus, t.NetworkModel, t.Display, t.Control, t.USB, t.Tablet,
		micros(t.CreatedAt), micros(t.UpdatedAt))
	return classify(err)
}

// GetTemplate returns a template by id or name.
func (q Queries) GetTemplate(ctx context.Context, idOrName string) (model.Template, error) {
	return scanTemplate(q.q.QueryRowContext(ctx, `SELECT `+templateColumns+` FROM templates WHERE id = $1 OR name = $1`, idOrName))
}

// ListTemplates returns all templates by name.
func (q Queries) ListTemplates(ctx context.Context) ([]model.Template, error) {
	return queryAll(ctx, q.q, scanTemplate, `SELECT `+templateColumns+` FROM templates ORDER BY name`)
}

// UpdateTemplate stores a template.
func (q Queries) UpdateTemplate(ctx context.Context, t model.Template) error {
	return q.execOne(ctx, `UPDATE templates SET name = $2, admin = $3, operating_system = $4, disk_bus = $5, network_model = $6,
		display = $7, control = $8, usb = $9, tablet = $10, updated_at = $11 WHERE id = $1`,
		t.ID, t.Name, t.Admin, t.OperatingSystem, t.DiskBus, t.NetworkModel, t.Display, t.Control, t.USB, t.Tablet, micros(t.UpdatedAt))
}

// DeleteTemplate removes a template.
func (q Queries) DeleteTemplate(ctx context.Context, id string) error {
	return q.execOne(ctx, `DELETE FROM templates WHERE id = $1`, id)
}

// CountVMsUsingTemplate returns how many VMs were made with a template.
func (q Queries) CountVMsUsingTemplate(ctx context.Context, id string) (int, error) {
	var n int
	err := q.q.QueryRowContext(ctx, `SELECT COUNT(*) FROM vms WHERE template_id = $1`, id).Scan(&n)
	return n, err
}
