package service

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/kumo-cloud/kumo/internal/hostlink"
	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/store"
)

// What a crash leaves behind is swept when the process that owns it
// starts: the service removes half-written uploads from its image store
// before any API serves; an agent removes its temporary files before it
// serves, and the directories of VMs that no longer exist after asking
// the controller (UnclaimedVMs), then reports (SweepDone).

// sweepUploads removes uploads a crash interrupted. It runs before the
// APIs serve, so no upload is in flight.
func (s *Service) sweepUploads() {
	dir := filepath.Join(s.cfg.DataDir, "images")
	matches, _ := filepath.Glob(filepath.Join(dir, "upload-*"))
	for _, path := range matches {
		info, err := os.Lstat(path)
		if err != nil || !info.Mode().IsRegular() {
			continue
		}
		if err := os.Remove(path); err != nil {
			s.log.Warn("remove an interrupted upload", "file", filepath.Base(path), "err", err)
			continue
		}
		s.log.Info("removed an interrupted upload", "file", filepath.Join("images", filepath.Base(path)), "bytes", info.Size())
	}
}

// hostOfAgent returns the host whose agent presented fingerprint.
func (s *Service) hostOfAgent(ctx context.Context, hostID, fingerprint string) (model.Host, error) {
	h, err := s.db.GetHost(ctx, hostID)
	if err != nil || subtle.ConstantTimeCompare([]byte(h.CertFingerprint), []byte(fingerprint)) != 1 {
		return model.Host{}, model.Errorf(model.CodePermissionDenied, "certificate does not belong to host %s", hostID)
	}
	return h, nil
}

// UnclaimedVMs answers a starting agent which of its VM directories
// belong to no VM at all. A VM that exists anywhere keeps its directory,
// even on another host (a migration's leftover is a person's call).
func (s *Service) UnclaimedVMs(ctx context.Context, fingerprint string, claims hostlink.SweepClaims) (hostlink.SweepUnclaimed, error) {
	if _, err := s.hostOfAgent(ctx, claims.HostID, fingerprint); err != nil {
		return hostlink.SweepUnclaimed{}, err
	}
	out := hostlink.SweepUnclaimed{VMs: []string{}}
	for _, id := range claims.VMs {
		if _, err := s.db.GetVM(ctx, id); errors.Is(err, store.ErrNotFound) {
			out.VMs = append(out.VMs, id)
		} else if err != nil {
			return hostlink.SweepUnclaimed{}, err
		}
	}
	return out, nil
}

// SweepDone records in the log and the operation log what an agent
// removed at start.
func (s *Service) SweepDone(ctx context.Context, fingerprint string, rep hostlink.SweepReport) error {
	h, err := s.hostOfAgent(ctx, rep.HostID, fingerprint)
	if err != nil {
		return err
	}
	if len(rep.Temporaries) == 0 && len(rep.VMs) == 0 {
		return nil
	}
	var freed int64
	var vms, tmps []string
	for _, f := range rep.VMs {
		freed += f.Bytes
		vms = append(vms, f.Path)
	}
	for _, f := range rep.Temporaries {
		freed += f.Bytes
		tmps = append(tmps, f.Path)
	}
	s.log.Info("host swept what a crash left", "host", h.Name, "vm_directories", vms, "temporaries", tmps, "bytes", freed)
	content := fmt.Sprintf("host %s removed at start %d directories of deleted VMs and %d temporary files a crash left (%d bytes)",
		h.Name, len(vms), len(tmps), freed)
	if len(vms) > 0 {
		content += ": VMs " + strings.Join(vms, ", ")
	}
	return s.RecordOperation(AsControlPlane(ctx), "host "+h.Name, content)
}
