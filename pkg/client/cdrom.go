package client

import (
	"context"
	"net/http"

	"github.com/kumo-cloud/kumo/pkg/api"
)

// VMCDROM shows what a running VM's CD-ROM drive holds.
func (c *Client) VMCDROM(ctx context.Context, vm string) (out api.CDROM, err error) {
	return out, c.do(ctx, http.MethodGet, vmPath(vm, "cdrom"), nil, &out)
}

// InsertVMCDROM puts an ISO image into a running VM's CD-ROM drive.
func (c *Client) InsertVMCDROM(ctx context.Context, vm, image string) (out api.CDROM, err error) {
	return out, c.do(ctx, http.MethodPut, vmPath(vm, "cdrom"), api.CDROMPut{Image: image}, &out)
}

// EjectVMCDROM empties a running VM's CD-ROM drive.
func (c *Client) EjectVMCDROM(ctx context.Context, vm string) error {
	return c.do(ctx, http.MethodDelete, vmPath(vm, "cdrom"), nil, nil)
}
