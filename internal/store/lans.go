package store

import (
	"context"

	"github.com/kumo-cloud/kumo/internal/model"
)

const lanColumns = `name, cidr, host_id, owner, mcast_group, mcast_port, created_at, vlan_id, tenant_id, display_name`

func scanLAN(s scanner) (model.LAN, error) {
	var l model.LAN
	var created int64
	err := s.Scan(&l.Name, &l.CIDR, &l.HostID, &l.Owner, &l.MulticastGroup, &l.MulticastPort, &created, &l.VlanID, &l.TenantID, &l.DisplayName)
	l.CreatedAt = fromMicros(created)
	return l, classify(err)
}

// CreateLAN inserts a LAN; ErrConflict if its name or multicast address
// is taken.
func (q Queries) CreateLAN(ctx context.Context, l model.LAN) error {
	l.TenantID = tenantOrDefault(l.TenantID)
	_, err := q.q.ExecContext(ctx, `INSERT INTO lans (`+lanColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		l.Name, l.CIDR, l.HostID, l.Owner, l.MulticastGroup, l.MulticastPort, micros(l.CreatedAt), l.VlanID, l.TenantID, l.DisplayName)
	return classify(err)
}

// GetLAN returns a LAN by name.
func (q Queries) GetLAN(ctx context.Context, name string) (model.LAN, error) {
	return scanLAN(q.q.QueryRowContext(ctx, `SELECT `+lanColumns+` FROM lans WHERE name = $1`, name))
}

// ListLANs returns every LAN by name.
func (q Queries) ListLANs(ctx context.Context) ([]model.LAN, error) {
	return queryAll(ctx, q.q, scanLAN, `SELECT `+lanColumns+` FROM lans ORDER BY name`)
}

// SetLANVlanID changes the VLAN id label of a LAN.
func (q Queries) SetLANVlanID(ctx context.Context, name string, vlanID int) error {
	return q.execOne(ctx, `UPDATE lans SET vlan_id = $2 WHERE name = $1`, name, vlanID)
}

// SetLANDisplayName changes the display name of a LAN (” for none).
func (q Queries) SetLANDisplayName(ctx context.Context, name, display string) error {
	return q.execOne(ctx, `UPDATE lans SET display_name = $2 WHERE name = $1`, name, display)
}

// RemoveLANMember takes a VM off its LAN.
func (q Queries) RemoveLANMember(ctx context.Context, vmID string) error {
	return q.execOne(ctx, `DELETE FROM lan_members WHERE vm_id = $1`, vmID)
}

// DeleteLAN removes a LAN without members.
func (q Queries) DeleteLAN(ctx context.Context, name string) error {
	return q.execOne(ctx, `DELETE FROM lans WHERE name = $1`, name)
}

// AddLANMember puts a VM on a LAN at address; ErrConflict if the address
// is taken.
func (q Queries) AddLANMember(ctx context.Context, m model.LANMember) error {
	_, err := q.q.ExecContext(ctx, `INSERT INTO lan_members (vm_id, lan_name, address) VALUES ($1, $2, $3)`, m.VMID, m.LAN, m.Address)
	return classify(err)
}

// LANMembers returns the members of a LAN by address.
func (q Queries) LANMembers(ctx context.Context, lan string) ([]model.LANMember, error) {
	return queryAll(ctx, q.q, scanLANMember, `SELECT vm_id, lan_name, address FROM lan_members WHERE lan_name = $1 ORDER BY address`, lan)
}

// VMLANMember returns the VM's place on a LAN, ErrNotFound if it is on
// none.
func (q Queries) VMLANMember(ctx context.Context, vmID string) (model.LANMember, error) {
	return scanLANMember(q.q.QueryRowContext(ctx, `SELECT vm_id, lan_name, address FROM lan_members WHERE vm_id = $1`, vmID))
}

func scanLANMember(s scanner) (model.LANMember, error) {
	var m model.LANMember
	return m, classify(s.Scan(&m.VMID, &m.LAN, &m.Address))
}
