package model

import "time"

// Quota names: what a tenant may hold at most. Every create or resize
// checks them in the transaction that stores it, whichever API asks.
const (
	QuotaVMCount    = "vm.count"        // VMs
	QuotaVMRunning  = "vm.running"      // VMs running or asked to run
	QuotaVMCores    = "vm.cores"        // virtual cores of all VMs
	QuotaVMMemory   = "vm.memory_bytes" // memory of all VMs
	QuotaDiskBytes  = "disk.bytes"      // system and data disks of all VMs
	QuotaImageCount = "image.count"     // images and media
	QuotaImageBytes = "image.bytes"     // bytes of all images and media
	QuotaUnlimited  = -1
)

// QuotaNames lists every quota.
var QuotaNames = []string{QuotaVMCount, QuotaVMRunning, QuotaVMCores, QuotaVMMemory, QuotaDiskBytes, QuotaImageCount, QuotaImageBytes}

// Quota is one limit of a tenant; a tenant without a row for a name is
// not limited in it.
type Quota struct {
	TenantID  string    `json:"tenant_id"`
	Name      string    `json:"name"`
	Value     int64     `json:"value"`
	UpdatedAt time.Time `json:"updated_at"`
}

// QuotaUsage is what a tenant holds of a quota.
type QuotaUsage struct {
	Name  string `json:"name"`
	Limit int64  `json:"limit"` // QuotaUnlimited when none is set
	Used  int64  `json:"used"`
}

// DefaultAccountQuotas are the limits a new account tenant starts with:
// ZStack's defaults (20 VMs, 80 cores, 80 GiB of memory), so an account
// made through any API is bounded as a ZStack account is.
var DefaultAccountQuotas = map[string]int64{
	QuotaVMCount:   20,
	QuotaVMRunning: 20,
	QuotaVMCores:   80,
	QuotaVMMemory:  80 << 30,
}
