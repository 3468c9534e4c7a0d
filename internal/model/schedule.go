package model

import "time"

// Scheduled operations: a job says what to do to a VM, a trigger says
// when; a trigger fires every job linked to it. Both belong to their
// owner (and its tenant), and a job acts with its owner's permissions,
// so a job of a user who lost them fails rather than acts.

// Schedule job actions.
const (
	ScheduleStart    = "start"
	ScheduleStop     = "stop"
	ScheduleReboot   = "reboot"
	ScheduleSnapshot = "snapshot"
)

// ScheduleJob is an operation on a VM that triggers run.
type ScheduleJob struct {
	ID          string `json:"id"`
	TenantID    string `json:"tenant_id"`
	Owner       string `json:"owner"` // user name
	Name        string `json:"name"`
	Description string `json:"description"`
	VMID        string `json:"vm_id"`
	// Action is one of the Schedule* actions; GivenType is the job's
	// type as the client that made it named it (ZStack's stopVm,
	// volumeSnapshot), kept to show it back.
	Action    string `json:"action"`
	GivenType string `json:"given_type,omitempty"`
	// Parameters are the client's parameters, kept to show them back.
	Parameters map[string]any `json:"parameters,omitempty"`
	Enabled    bool           `json:"enabled"`
	// LastResult says how the last run went ("succeeded at ...").
	LastResult string    `json:"last_result,omitempty"`
	Triggers   []string  `json:"triggers"` // ids of the triggers firing it
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// Trigger kinds.
const (
	TriggerSimple = "simple" // from StartAt, every Interval, Repeat times (0: once, or forever with an interval)
	TriggerCron   = "cron"
)

// ScheduleTrigger says when linked jobs run. Its fire count and last
// firing are stored with it, so a restart neither repeats nor replays
// firings.
type ScheduleTrigger struct {
	ID          string        `json:"id"`
	TenantID    string        `json:"tenant_id"`
	Owner       string        `json:"owner"`
	Name        string        `json:"name"`
	Description string        `json:"description"`
	Kind        string        `json:"kind"`
	StartAt     time.Time     `json:"start_at"`
	Interval    time.Duration `json:"interval"`
	Repeat      int64         `json:"repeat"`
	Cron        string        `json:"cron,omitempty"`
	FireCount   int64         `json:"fire_count"`
	LastFiredAt time.Time     `json:"last_fired_at"`
	Jobs        []string      `json:"jobs"` // ids of the jobs it fires
	CreatedAt   time.Time     `json:"created_at"`
	UpdatedAt   time.Time     `json:"updated_at"`
}

// Price is what a unit of a resource costs per unit of time, from a
// moment on (until the next price of the same resource).
type Price struct {
	ID string `json:"id"`
	// Resource is cpu (per core), memory or rootvolume (per Unit bytes).
	Resource string `json:"resource"`
	// Unit is "1" for cpu, a byte unit (B, KB, MB, GB, TB) otherwise.
	Unit string `json:"unit"`
	// TimeUnit is s, m, h, d, w or mon.
	TimeUnit    string    `json:"time_unit"`
	Price       float64   `json:"price"`
	EffectiveAt time.Time `json:"effective_at"`
	CreatedAt   time.Time `json:"created_at"`
}

// Spending is what a tenant's (or a user's) VMs cost over a period, by
// resource.
type Spending struct {
	Start, End time.Time
	Total      float64
	ByResource []ResourceSpending
}

// ResourceSpending is the spending on one resource, with each VM's part.
type ResourceSpending struct {
	Resource string
	Spending float64
	VMs      []VMSpending
}

// VMSpending is one VM's part of a resource's spending.
type VMSpending struct {
	VMID, VMName string
	Spending     float64
	Ran          time.Duration
}

// LDAPServer is a directory users may log in with: an entry bound to a
// Kumo user logs in as that user after the directory checked its
// password. The first server is the one used.
type LDAPServer struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	URL         string `json:"url"`  // ldap:// or ldaps://
	Base        string `json:"base"` // the DN searches start at
	// BindDN and BindPassword are who searches bind as ("" for
	// anonymous); the password is kept to bind, never shown.
	BindDN       string `json:"bind_dn"`
	BindPassword string `json:"-"`
	Encryption   string `json:"encryption"` // None or TLS (StartTLS)
	// LoginAttribute is the attribute a login name is matched against.
	LoginAttribute string    `json:"login_attribute"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// LDAPBinding lets a directory entry log in as a Kumo user. It goes with
// the user and with the server.
type LDAPBinding struct {
	ID        string    `json:"id"`
	ServerID  string    `json:"server_id"`
	DN        string    `json:"dn"`
	UserID    string    `json:"user_id"`
	User      string    `json:"user"` // the user's name
	TenantID  string    `json:"tenant_id"`
	CreatedAt time.Time `json:"created_at"`
}
