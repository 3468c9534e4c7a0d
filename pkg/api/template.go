package api

import "time"

// Template is a set of device choices for new VMs.
type Template struct {
	// ID is the template's id.
	ID string `json:"id" example:"9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"`
	// Name is unique among templates.
	Name string `json:"name" example:"linux-virtio"`
	// Admin is the guest's administrator account.
	Admin string `json:"admin" example:"root"`
	// OperatingSystem is the guest's operating system family.
	OperatingSystem string `json:"operating_system" example:"linux"`
	// DiskBus is the disks' bus.
	DiskBus string `json:"disk_bus" enum:"virtio,scsi,sata,ide" example:"virtio"`
	// NetworkModel is the NICs' model.
	NetworkModel string `json:"network_model" enum:"virtio,e1000,rtl8139" example:"virtio"`
	// Display is the graphics card.
	Display string `json:"display" example:"vga"`
	// Control is the remote console protocol.
	Control string `json:"control" example:"vnc"`
	// USB is the USB controller, empty for none.
	USB string `json:"usb" example:"xhci"`
	// Tablet is the pointer device, empty for none.
	Tablet string `json:"tablet" example:"usb"`
	// CreatedAt is when it was made.
	CreatedAt time.Time `json:"created_at" example:"2026-12-04T10:00:00Z"`
	// UpdatedAt is when it last changed.
	UpdatedAt time.Time `json:"updated_at" example:"2026-12-04T11:00:00Z"`
}

// TemplatesPost is the body of POST /v1/templates and of PUT
// /v1/templates/{id} (which replaces every setting); empty fields take
// their defaults.
type TemplatesPost struct {
	// Name of the template.
	Name string `json:"name" required:"true" example:"linux-virtio"`
	// Admin is the guest's administrator account (default root).
	Admin string `json:"admin,omitempty" example:"root"`
	// OperatingSystem is the guest's operating system family (default
	// linux).
	OperatingSystem string `json:"operating_system,omitempty" example:"linux"`
	// DiskBus is the disks' bus (default virtio).
	DiskBus string `json:"disk_bus,omitempty" enum:"virtio,scsi,sata,ide" example:"virtio"`
	// NetworkModel is the NICs' model (default virtio).
	NetworkModel string `json:"network_model,omitempty" enum:"virtio,e1000,rtl8139" example:"virtio"`
	// Display is the graphics card (default vga).
	Display string `json:"display,omitempty" example:"vga"`
	// Control is the remote console protocol (default vnc).
	Control string `json:"control,omitempty" example:"vnc"`
	// USB is the USB controller, empty for none.
	USB string `json:"usb,omitempty" example:"xhci"`
	// Tablet is the pointer device, empty for none.
	Tablet string `json:"tablet,omitempty" example:"usb"`
}
