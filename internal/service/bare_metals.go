package service

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net"
	"slices"
	"time"

	"github.com/kumo-cloud/kumo/internal/ipmi"
	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/store"
)

// Bare metal machines are controlled through their BMCs over IPMI from
// the control plane, which must reach the BMCs' network.

// bmcTimeout bounds one conversation with a BMC.
const bmcTimeout = 30 * time.Second

// BareMetalID is the node id of a machine: a hash of its vendor UUID, so
// adding a machine again gives it the same id.
func BareMetalID(uuid string) string {
	sum := sha256.Sum256([]byte("kumo-bare-metal:" + uuid))
	return hex.EncodeToString(sum[:])
}

func bmcOf(m model.BareMetal) ipmi.BMC {
	return ipmi.BMC{Host: m.IPMIHost, User: m.IPMIUser, Password: m.IPMIPassword}
}

// bmcError says that a BMC could not do what was asked. The IPMI
// library's words (sockets, commands, retries) are the cause, for the
// log.
func bmcError(m model.BareMetal, err error) error {
	return &model.Error{Code: model.CodeUnavailable, Err: err,
		Message: "BMC " + m.IPMIHost + " of machine " + m.UUID + " did not do what was asked: it does not answer, or refused the credentials (the server's log has the details)"}
}

// bareMetalObject is what authorization knows of a machine: it belongs
// to its adder's tenant.
func bareMetalObject(m model.BareMetal) owned {
	return owned{kind: "bare metal machine", key: m.ID, owner: m.Owner, tenant: m.TenantID, shares: everyMember}
}

// AddBareMetal records a machine for the caller after checking that its
// BMC answers to the credentials given, and returns it with its power
// state.
func (s *Service) AddBareMetal(ctx context.Context, m model.BareMetal) (model.BareMetal, string, error) {
	if err := Authorize(ctx, model.PermBareMetalCreate); err != nil {
		return model.BareMetal{}, "", err
	}
	owner, _, tenant, err := s.ownership(ctx, "", "")
	if err != nil {
		return model.BareMetal{}, "", err
	}
	m.Owner, m.TenantID = owner, tenant
	for _, f := range []struct{ field, value string }{{"uuid", m.UUID}, {"ip", m.IP}, {"ipmi_hostname", m.IPMIHost},
		{"ipmi_username", m.IPMIUser}, {"ipmi_password", m.IPMIPassword}} {
		if f.value == "" {
			return model.BareMetal{}, "", model.FieldError(f.field, "is required")
		}
	}
	if net.ParseIP(m.IP) == nil {
		return model.BareMetal{}, "", model.FieldError("ip", "%q is not an IP address", m.IP)
	}
	m.ID, m.CreatedAt = BareMetalID(m.UUID), now()
	bctx, cancel := context.WithTimeout(ctx, bmcTimeout)
	defer cancel()
	state, err := bmcOf(m).Status(bctx)
	if err != nil {
		return model.BareMetal{}, "", bmcError(m, err)
	}
	err = s.db.CreateBareMetal(ctx, m)
	if errors.Is(err, store.ErrConflict) {
		return model.BareMetal{}, "", model.Errorf(model.CodeConflict, "machine %s is added already", m.UUID)
	}
	return m, state, internal(err, "store the machine")
}

// ListBareMetals returns the machines the caller may read, by UUID.
func (s *Service) ListBareMetals(ctx context.Context) ([]model.BareMetal, error) {
	if err := Authorize(ctx, model.PermBareMetalRead); err != nil {
		return nil, err
	}
	all, err := s.db.ListBareMetals(ctx)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(all, func(m model.BareMetal) bool { return !visibleTo(ctx, model.PermBareMetalRead, bareMetalObject(m)) }), nil
}

// GetBareMetal returns a machine the caller may read; others are not
// found.
func (s *Service) GetBareMetal(ctx context.Context, id string) (model.BareMetal, error) {
	return s.reachBareMetal(ctx, id, model.PermBareMetalRead)
}

func (s *Service) reachBareMetal(ctx context.Context, id string, perm model.Permission) (model.BareMetal, error) {
	if _, err := caller(ctx); err != nil {
		return model.BareMetal{}, err
	}
	m, err := s.db.GetBareMetal(ctx, id)
	if err != nil {
		return model.BareMetal{}, notFound(err, "bare metal machine", id)
	}
	return m, authorizeOn(ctx, perm, bareMetalObject(m))
}

// DeleteBareMetal forgets a machine; the machine itself is left as it is.
func (s *Service) DeleteBareMetal(ctx context.Context, id string) error {
	if _, err := s.reachBareMetal(ctx, id, model.PermBareMetalDelete); err != nil {
		return err
	}
	return notFound(s.db.DeleteBareMetal(ctx, id), "bare metal machine", id)
}

// BareMetalPower runs a power command (on, off, reset, status) on a
// machine and returns its power state after it.
func (s *Service) BareMetalPower(ctx context.Context, id, command string) (string, error) {
	if !ipmi.ValidCommand(command) {
		return "", model.FieldError("command", "must be on, off, reset or status, not %q", command)
	}
	m, err := s.reachBareMetal(ctx, id, model.PermBareMetalPower)
	if err != nil {
		return "", err
	}
	bctx, cancel := context.WithTimeout(ctx, bmcTimeout)
	defer cancel()
	state, err := bmcOf(m).Power(bctx, command)
	if err != nil {
		return "", bmcError(m, err)
	}
	return state, nil
}

// SetBareMetalBootDevice makes a machine boot from device (pxe, disk,
// cdrom, bios) next time.
func (s *Service) SetBareMetalBootDevice(ctx context.Context, id, device string) error {
	if !ipmi.ValidBootDevice(device) {
		return model.FieldError("device", "must be pxe, disk, cdrom or bios, not %q", device)
	}
	m, err := s.reachBareMetal(ctx, id, model.PermBareMetalPower)
	if err != nil {
		return err
	}
	bctx, cancel := context.WithTimeout(ctx, bmcTimeout)
	defer cancel()
	if err := bmcOf(m).SetBootDevice(bctx, device); err != nil {
		return bmcError(m, err)
	}
	return nil
}
