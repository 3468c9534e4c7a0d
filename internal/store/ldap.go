package store

import (
	"context"

	"github.com/kumo-cloud/kumo/internal/model"
)

// LDAP servers and the bindings of their entries to users.

const ldapServerColumns = `id, name, description, url, base_dn, bind_dn, bind_password, encryption, login_attribute, created_at, updated_at`

func (q Queries) scanLDAPServer(s scanner) (model.LDAPServer, error) {
	var l model.LDAPServer
	var created, updated int64
	var password string
	err := s.Scan(&l.ID, &l.Name, &l.Description, &l.URL, &l.Base, &l.BindDN, &password, &l.Encryption, &l.LoginAttribute,
		&created, &updated)
	l.CreatedAt, l.UpdatedAt = fromMicros(created), fromMicros(updated)
	if err == nil {
		l.BindPassword, err = q.open(secretLDAPBindPasswd, password)
	}
	return l, classify(err)
}

// CreateLDAPServer inserts a server.
func (q Queries) CreateLDAPServer(ctx context.Context, l model.LDAPServer) error {
	password, err := q.seal(secretLDAPBindPasswd, l.BindPassword)
	if err != nil {
		return err
	}
	_, err = q.q.ExecContext(ctx, `INSERT INTO ldap_servers (`+ldapServerColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		l.ID, l.Name, l.Description, l.URL, l.Base, l.BindDN, password, l.Encryption, l.LoginAttribute, micros(l.CreatedAt), micros(l.UpdatedAt))
	return classify(err)
}

// GetLDAPServer returns a server.
func (q Queries) GetLDAPServer(ctx context.Context, id string) (model.LDAPServer, error) {
	return q.scanLDAPServer(q.q.QueryRowContext(ctx, `SELECT `+ldapServerColumns+` FROM ldap_servers WHERE id = $1`, id))
}

// ListLDAPServers returns every server, oldest first (the first is the
// one logins use).
func (q Queries) ListLDAPServers(ctx context.Context) ([]model.LDAPServer, error) {
	return queryAll(ctx, q.q, q.scanLDAPServer, `SELECT `+ldapServerColumns+` FROM ldap_servers ORDER BY created_at, id`)
}

// UpdateLDAPServer stores a server.
func (q Queries) UpdateLDAPServer(ctx context.Context, l model.LDAPServer) error {
	password, err := q.seal(secretLDAPBindPasswd, l.BindPassword)
	if err != nil {
		return err
	}
	return q.execOne(ctx, `UPDATE ldap_servers SET name = $2, description = $3, url = $4, base_dn = $5, bind_dn = $6,
		bind_password = $7, encryption = $8, login_attribute = $9, updated_at = $10 WHERE id = $1`,
		l.ID, l.Name, l.Description, l.URL, l.Base, l.BindDN, password, l.Encryption, l.LoginAttribute, micros(l.UpdatedAt))
}

// DeleteLDAPServer removes a server and its bindings.
func (q Queries) DeleteLDAPServer(ctx context.Context, id string) error {
	return q.execOne(ctx, `DELETE FROM ldap_servers WHERE id = $1`, id)
}

// CreateLDAPBinding inserts a binding.
func (q Queries) CreateLDAPBinding(ctx context.Context, b model.LDAPBinding) error {
	_, err := q.q.ExecContext(ctx, `INSERT INTO ldap_bindings (id, server_id, dn, user_id, created_at) VALUES ($1, $2, $3, $4, $5)`,
		b.ID, b.ServerID, b.DN, b.UserID, micros(b.CreatedAt))
	return classify(err)
}

// ListLDAPBindings returns every binding with its user, oldest first.
func (q Queries) ListLDAPBindings(ctx context.Context) ([]model.LDAPBinding, error) {
	return queryAll(ctx, q.q, func(s scanner) (model.LDAPBinding, error) {
		var b model.LDAPBinding
		var created int64
		err := s.Scan(&b.ID, &b.ServerID, &b.DN, &b.UserID, &b.User, &b.TenantID, &created)
		b.CreatedAt = fromMicros(created)
		return b, classify(err)
	}, `SELECT b.id, b.server_id, b.dn, b.user_id, u.name, COALESCE(u.tenant_id, 'default'), b.created_at
		FROM ldap_bindings b JOIN users u ON u.id = b.user_id ORDER BY b.created_at, b.id`)
}

// DeleteLDAPBinding removes a binding.
func (q Queries) DeleteLDAPBinding(ctx context.Context, id string) error {
	return q.execOne(ctx, `DELETE FROM ldap_bindings WHERE id = $1`, id)
}
