package store

import (
	"context"
	"encoding/json"

	"github.com/kumo-cloud/kumo/internal/model"
)

const vmColumns = `id, name, description, pool_id, host_id, image_id, cores, memory_mib, disk_bytes, clone_mode, boot_media,
	power_state, status, accel, owner, user_group, auto_start, template_id, cloud_init, created_at, updated_at,
	qos, guest_auth, port_forwards, data_disks, network_filters, multicast, tenant_id,
	on_crash, crash_reason, crash_count, crashed_at`

func (q Queries) scanVM(s scanner) (model.VM, error) {
	var v model.VM
	var created, updated, crashedAt int64
	var cloudInit, qos, guestAuth, forwards, dataDisks, filters, multicast string
	err := s.Scan(&v.ID, &v.Name, &v.Description, &v.PoolID, &v.HostID, &v.ImageID, &v.Cores, &v.MemoryMiB, &v.DiskBytes,
		&v.CloneMode, &v.BootMedia, &v.PowerState, &v.Status, &v.Accel, &v.Owner, &v.Group, &v.AutoStart, &v.TemplateID,
		&cloudInit, &created, &updated, &qos, &guestAuth, &forwards, &dataDisks, &filters, &multicast, &v.TenantID,
		&v.OnCrash, &v.CrashReason, &v.CrashCount, &crashedAt)
	v.CreatedAt, v.UpdatedAt = fromMicros(created), fromMicros(updated)
	if crashedAt != 0 {
		v.CrashedAt = fromMicros(crashedAt)
	}
	if err == nil {
		cloudInit, err = q.open(secretVMCloudInit, cloudInit)
	}
	if err == nil {
		guestAuth, err = q.open(secretVMGuestAuth, guestAuth)
	}
	if err == nil && cloudInit != "" {
		v.CloudInit = &model.CloudInit{}
		err = json.Unmarshal([]byte(cloudInit), v.CloudInit)
	}
	if err == nil && qos != "" {
		err = json.Unmarshal([]byte(qos), &v.QoS)
	}
	if err == nil && guestAuth != "" {
		v.GuestAuth = &model.GuestAuth{}
		err = json.Unmarshal([]byte(guestAuth), v.GuestAuth)
	}
	if err == nil && forwards != "" {
		err = json.Unmarshal([]byte(forwards), &v.PortForwards)
	}
	if err == nil && dataDisks != "" {
		err = json.Unmarshal([]byte(dataDisks), &v.DataDisks)
	}
	if err == nil && filters != "" {
		err = json.Unmarshal([]byte(filters), &v.NetworkFilters)
	}
	if err == nil && multicast != "" {
		err = json.Unmarshal([]byte(multicast), &v.Multicast)
	}
	return v, classify(err)
}

// CreateVM inserts a VM.
func (q Queries) CreateVM(ctx context.Context, v model.VM) error {
	v.TenantID = tenantOrDefault(v.TenantID)
	cloudInit, guestAuth, err := q.sealVMSecrets(v)
	if err != nil {
		return err
	}
	_, err = q.q.ExecContext(ctx, `INSERT INTO vms (`+vmColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12,
		$13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, '', 0, 0)`,
		v.ID, v.Name, v.Description, v.PoolID, v.HostID, v.ImageID, v.Cores, v.MemoryMiB, v.DiskBytes, v.CloneMode,
		v.BootMedia, v.PowerState, v.Status, v.Accel, v.Owner, v.Group, v.AutoStart, v.TemplateID, cloudInit,
		micros(v.CreatedAt), micros(v.UpdatedAt), jsonOrEmpty(v.QoS, v.QoS == model.QoS{}), guestAuth,
		jsonOrEmpty(v.PortForwards, len(v.PortForwards) == 0), jsonOrEmpty(v.DataDisks, len(v.DataDisks) == 0),
		jsonOrEmpty(v.NetworkFilters, len(v.NetworkFilters) == 0), jsonOrEmpty(v.Multicast, len(v.Multicast) == 0), v.TenantID,
		v.OnCrash)
	return classify(err)
}

// GetVM returns the VM with the given id or name.
func (q Queries) GetVM(ctx context.Context, idOrName string) (model.VM, error) {
	return q.scanVM(q.q.QueryRowContext(ctx, `SELECT `+vmColumns+` FROM vms WHERE id = $1 OR name = $1`, idOrName))
}

// ListVMs returns all VMs by name.
func (q Queries) ListVMs(ctx context.Context) ([]model.VM, error) {
	return queryAll(ctx, q.q, q.scanVM, `SELECT `+vmColumns+` FROM vms ORDER BY name`)
}

// ListVMsOnHost returns the VMs placed on a host.
func (q Queries) ListVMsOnHost(ctx context.Context, hostID string) ([]model.VM, error) {
	return queryAll(ctx, q.q, q.scanVM, `SELECT `+vmColumns+` FROM vms WHERE host_id = $1 ORDER BY name`, hostID)
}

// UpdateVM stores a VM's configuration. Its desired and observed states
// have their own methods, so that a configuration change cannot undo a
// state change made meanwhile.
func (q Queries) UpdateVM(ctx context.Context, v model.VM) error {
	v.TenantID = tenantOrDefault(v.TenantID)
	_, guestAuth, err := q.sealVMSecrets(v)
	if err != nil {
		return err
	}
	return q.execOne(ctx, `UPDATE vms SET name = $2, description = $3, pool_id = $4, host_id = $5, cores = $6, memory_mib = $7,
		disk_bytes = $8, updated_at = $9, owner = $10, user_group = $11, auto_start = $12, image_id = $13, qos = $14,
		guest_auth = $15, port_forwards = $16, data_disks = $17, network_filters = $18, multicast = $19, tenant_id = $20, on_crash = $21 WHERE id = $1`,
		v.ID, v.Name, v.Description, v.PoolID, v.HostID, v.Cores, v.MemoryMiB, v.DiskBytes,
		micros(v.UpdatedAt), v.Owner, v.Group, v.AutoStart, v.ImageID, jsonOrEmpty(v.QoS, v.QoS == model.QoS{}),
		guestAuth, jsonOrEmpty(v.PortForwards, len(v.PortForwards) == 0),
		jsonOrEmpty(v.DataDisks, len(v.DataDisks) == 0), jsonOrEmpty(v.NetworkFilters, len(v.NetworkFilters) == 0),
		jsonOrEmpty(v.Multicast, len(v.Multicast) == 0), v.TenantID, v.OnCrash)
}

// RecordVMCrash notes a crash of the VM: its reason, and how many crashes
// in a row (one more, or the first if the last was before since).
func (q Queries) RecordVMCrash(ctx context.Context, id, reason string, now, since int64) error {
	return q.execOne(ctx, `UPDATE vms SET crash_reason = $2, crashed_at = $3,
		crash_count = CASE WHEN crashed_at < $4 THEN 1 ELSE crash_count + 1 END WHERE id = $1`, id, reason, now, since)
}

// ListCrashedVMs returns the VMs observed crashed that should run.
func (q Queries) ListCrashedVMs(ctx context.Context) ([]model.VM, error) {
	return queryAll(ctx, q.q, q.scanVM, `SELECT `+vmColumns+` FROM vms WHERE status = $1 AND power_state = $2 ORDER BY name`,
		model.PowerCrashed, model.PowerRunning)
}

// SetVMStatus records an observed state.
func (q Queries) SetVMStatus(ctx context.Context, id string, status model.PowerState, now int64) error {
	return q.execOne(ctx, `UPDATE vms SET status = $2, updated_at = $3 WHERE id = $1`, id, status, now)
}

// RecordVMObservation stores the observation of a VM by the agent of
// hostID unless a newer one (higher seq) is already stored, or the VM has
// moved to another host since; it reports whether it stored it.
func (q Queries) RecordVMObservation(ctx context.Context, id, hostID string, status model.PowerState, accel string, seq, now int64) (bool, error) {
	res, err := q.q.ExecContext(ctx, `UPDATE vms SET status = $2, accel = CASE WHEN $3 = '' THEN accel ELSE $3 END,
		observed_seq = $4, updated_at = $5 WHERE id = $1 AND observed_seq < $4 AND host_id = $6`, id, status, accel, seq, now, hostID)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// MoveVM places a VM on another host. Its observations start afresh: the
// new host's agent numbers them in its own sequence.
func (q Queries) MoveVM(ctx context.Context, id, hostID string, now int64) error {
	return q.execOne(ctx, `UPDATE vms SET host_id = $2, observed_seq = 0, updated_at = $3 WHERE id = $1`, id, hostID, now)
}

// SetVMPowerState records a desired power state.
func (q Queries) SetVMPowerState(ctx context.Context, id string, power model.PowerState, now int64) error {
	return q.execOne(ctx, `UPDATE vms SET power_state = $2, updated_at = $3 WHERE id = $1`, id, power, now)
}

// sealVMSecrets returns the stored forms of a VM's cloud-init settings
// and guest credentials, which both hold a password.
func (q Queries) sealVMSecrets(v model.VM) (cloudInit, guestAuth string, err error) {
	if cloudInit, err = q.seal(secretVMCloudInit, cloudInitJSON(v.CloudInit)); err != nil {
		return "", "", err
	}
	guestAuth, err = q.seal(secretVMGuestAuth, jsonOrEmpty(v.GuestAuth, v.GuestAuth == nil))
	return cloudInit, guestAuth, err
}

func cloudInitJSON(c *model.CloudInit) string {
	if c == nil {
		return ""
	}
	b, _ := json.Marshal(c)
	return string(b)
}

// jsonOrEmpty stores v as JSON, or "" if empty says it has no value.
func jsonOrEmpty(v any, empty bool) string {
	if empty {
		return ""
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// DeleteVM removes a VM.
func (q Queries) DeleteVM(ctx context.Context, id string) error {
	return q.execOne(ctx, `DELETE FROM vms WHERE id = $1`, id)
}

// HostAllocation is what the VMs placed on a host have claimed.
type HostAllocation struct {
	HostID    string
	VMs       int
	Cores     int
	MemoryMiB int64
	// Creating counts the VMs whose disks are being made, and
	// CreatingFullBytes sums the disk sizes of those that are full copies:
	// room the host's last reported free space may not show as taken yet.
	Creating          int
	CreatingFullBytes int64
}

// HostAllocations sums the claims of VMs per host. Every VM placed on a
// host counts, running or not, so starting a stopped VM never fails for
// lack of memory.
func (q Queries) HostAllocations(ctx context.Context) (map[string]HostAllocation, error) {
	list, err := queryAll(ctx, q.q, func(s scanner) (HostAllocation, error) {
		var a HostAllocation
		return a, s.Scan(&a.HostID, &a.VMs, &a.Cores, &a.MemoryMiB, &a.Creating, &a.CreatingFullBytes)
	}, `SELECT host_id, COUNT(*), COALESCE(SUM(cores), 0), COALESCE(SUM(memory_mib), 0),
		CAST(COALESCE(SUM(CASE WHEN status = 'creating' THEN 1 ELSE 0 END), 0) AS BIGINT),
		CAST(COALESCE(SUM(CASE WHEN status = 'creating' AND clone_mode = 'full' AND NOT boot_media THEN disk_bytes ELSE 0 END), 0) AS BIGINT)
		FROM vms GROUP BY host_id`)
	if err != nil {
		return nil, err
	}
	out := make(map[string]HostAllocation, len(list))
	for _, a := range list {
		out[a.HostID] = a
	}
	return out, nil
}
