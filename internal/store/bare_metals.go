package store

import (
	"context"

	"github.com/kumo-cloud/kumo/internal/model"
)

const bareMetalColumns = `id, uuid, ip, os, description, ipmi_host, ipmi_user, ipmi_password, owner, created_at, tenant_id`

func (q Queries) scanBareMetal(s scanner) (model.BareMetal, error) {
	var m model.BareMetal
	var created int64
	var password string
	err := s.Scan(&m.ID, &m.UUID, &m.IP, &m.OS, &m.Description, &m.IPMIHost, &m.IPMIUser, &password, &m.Owner, &created, &m.TenantID)
	m.CreatedAt = fromMicros(created)
	if err == nil {
		m.IPMIPassword, err = q.open(secretIPMIPassword, password)
	}
	return m, classify(err)
}

// CreateBareMetal inserts a machine; ErrConflict if its id or UUID is
// known already.
func (q Queries) CreateBareMetal(ctx context.Context, m model.BareMetal) error {
	m.TenantID = tenantOrDefault(m.TenantID)
	password, err := q.seal(secretIPMIPassword, m.IPMIPassword)
	if err != nil {
		return err
	}
	_, err = q.q.ExecContext(ctx, `INSERT INTO bare_metals (`+bareMetalColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		m.ID, m.UUID, m.IP, m.OS, m.Description, m.IPMIHost, m.IPMIUser, password, m.Owner, micros(m.CreatedAt), m.TenantID)
	return classify(err)
}

// GetBareMetal returns a machine by id.
func (q Queries) GetBareMetal(ctx context.Context, id string) (model.BareMetal, error) {
	return q.scanBareMetal(q.q.QueryRowContext(ctx, `SELECT `+bareMetalColumns+` FROM bare_metals WHERE id = $1`, id))
}

// ListBareMetals returns every machine by UUID.
func (q Queries) ListBareMetals(ctx context.Context) ([]model.BareMetal, error) {
	return queryAll(ctx, q.q, q.scanBareMetal, `SELECT `+bareMetalColumns+` FROM bare_metals ORDER BY uuid`)
}

// DeleteBareMetal removes a machine.
func (q Queries) DeleteBareMetal(ctx context.Context, id string) error {
	return q.execOne(ctx, `DELETE FROM bare_metals WHERE id = $1`, id)
}
