package model

import "time"

// Template is a hardware profile for new VMs (a Nano system template):
// which buses and devices the guest OS expects.
type Template struct {
	ID              string    `json:"id"`
	Name            string    `json:"name"`
	Admin           string    `json:"admin"` // the guest's administrator account
	OperatingSystem string    `json:"operating_system"`
	DiskBus         string    `json:"disk"`    // virtio, scsi, sata, ide
	NetworkModel    string    `json:"network"` // virtio, e1000, rtl8139
	Display         string    `json:"display"` // vga, cirrus, qxl
	Control         string    `json:"control"` // vnc, spice
	USB             string    `json:"usb"`
	Tablet          string    `json:"tablet"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
}
