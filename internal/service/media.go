package service

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/kumo-cloud/kumo/internal/hostlink"
	"github.com/kumo-cloud/kumo/internal/model"
)

// Media images are images of format ISO: the same store, upload path and
// checks as disk images, told apart by their format.

// MediaDropDir is where an operator puts ISO files for SyncMediaImages to
// register (<data>/media). It is separate from <data>/images, whose files
// are named by image id and owned by Kumo.
func (s *Service) MediaDropDir() string { return filepath.Join(s.cfg.DataDir, "media") }

// OpenImageFile opens the content of a ready image for download. The
// caller closes the file.
func (s *Service) OpenImageFile(ctx context.Context, idOrName string) (*os.File, model.Image, error) {
	img, err := s.GetImage(ctx, idOrName)
	if err != nil {
		return nil, img, err
	}
	if img.State != model.ImageReady {
		return nil, img, model.Errorf(model.CodeConflict, "image %s has no content yet: upload it first", img.Name)
	}
	f, err := os.Open(s.imagePath(img.ID))
	if errors.Is(err, os.ErrNotExist) {
		return nil, img, model.Errorf(model.CodeNotFound, "the file of image %s is missing from the image store", img.Name)
	}
	return f, img, err
}

// ImageSyncResult says what a sync of images with their files changed.
type ImageSyncResult struct {
	Added   []string // names of images registered from the drop directory
	Removed []string // names of ready images whose file had vanished
}

// MediaSyncResult says what SyncMediaImages changed.
type MediaSyncResult = ImageSyncResult

// DiskDropDir is where an operator puts qcow2 and raw disk images for
// SyncDiskImages to register (<data>/disk_images).
func (s *Service) DiskDropDir() string { return filepath.Join(s.cfg.DataDir, "disk_images") }

// imageKind tells media images (ISO) and disk images apart for a sync.
type imageKind struct {
	what    string
	dropDir string
	exts    []string
	accepts func(model.ImageFormat) bool
}

func (s *Service) mediaKind() imageKind {
	return imageKind{what: "media", dropDir: s.MediaDropDir(), exts: []string{".iso"},
		accepts: func(f model.ImageFormat) bool { return f == model.FormatISO }}
}

func (s *Service) diskKind() imageKind {
	return imageKind{what: "disk", dropDir: s.DiskDropDir(), exts: []string{".qcow2", ".img", ".raw"},
		accepts: func(f model.ImageFormat) bool { return f != model.FormatISO }}
}

// SyncMediaImages reconciles the media images with the files on disk
// (admin only):
//   - every *.iso file in MediaDropDir that is a real ISO becomes a ready
//     media image named after the file (owner and group as given), and is
//     moved into the image store; a file that is not an ISO, or whose name
//     is taken, is left where it is and reported in the log.
//   - a ready ISO image whose file has gone from the image store is
//     removed, unless a VM still refers to it.
func (s *Service) SyncMediaImages(ctx context.Context, owner, group string) (ImageSyncResult, error) {
	return s.syncImages(ctx, s.mediaKind(), owner, group)
}

// SyncDiskImages is SyncMediaImages for disk images: *.qcow2, *.img and
// *.raw files in DiskDropDir that probe as qcow2 (without a backing file)
// or raw become ready disk images.
func (s *Service) SyncDiskImages(ctx context.Context, owner, group string) (ImageSyncResult, error) {
	return s.syncImages(ctx, s.diskKind(), owner, group)
}

func (s *Service) syncImages(ctx context.Context, kind imageKind, owner, group string) (ImageSyncResult, error) {
	var res ImageSyncResult
	if err := requireAdmin(ctx); err != nil {
		return res, err
	}
	if owner == "" {
		owner = requesterOf(ctx)
	}
	imgs, err := s.db.ListImages(ctx)
	if err != nil {
		return res, err
	}
	for _, img := range imgs {
		if !kind.accepts(img.Format) || img.State != model.ImageReady {
			continue
		}
		if _, err := os.Stat(s.imagePath(img.ID)); !errors.Is(err, os.ErrNotExist) {
			continue
		}
		if n, err := s.db.CountVMsUsingImage(ctx, img.ID); err != nil || n > 0 {
			s.log.Warn(kind.what+" image file missing but in use", "image", img.Name, "vms", n, "err", err)
			continue
		}
		if err := s.db.DeleteImage(ctx, img.ID); err == nil {
			res.Removed = append(res.Removed, img.Name)
		}
	}

	entries, err := os.ReadDir(kind.dropDir)
	if errors.Is(err, os.ErrNotExist) {
		return res, nil
	}
	if err != nil {
		return res, err
	}
	for _, e := range entries {
		ext := strings.ToLower(filepath.Ext(e.Name()))
		if !e.Type().IsRegular() || !slices.Contains(kind.exts, ext) {
			continue
		}
		name := strings.TrimSuffix(e.Name(), filepath.Ext(e.Name()))
		if err := s.registerDropped(ctx, kind, filepath.Join(kind.dropDir, e.Name()), name, owner, group); err != nil {
			s.log.Warn(kind.what+" file not registered", "file", e.Name(), "err", err)
			continue
		}
		res.Added = append(res.Added, name)
	}
	return res, nil
}

// registerDropped makes an image of the file at path, moving the file
// into the image store. The row is written only once the file is in
// place, so a failure leaves nothing half-made.
func (s *Service) registerDropped(ctx context.Context, kind imageKind, path, name, owner, group string) error {
	if err := validName("name", name); err != nil {
		return err
	}
	if _, err := s.db.GetImage(ctx, name); err == nil {
		return model.Errorf(model.CodeConflict, "an image named %q already exists", name)
	}
	info, err := s.prober.ProbeUpload(ctx, path)
	if err != nil {
		return err
	}
	format := model.ImageFormat(info.Format)
	if !kind.accepts(format) {
		return model.Errorf(model.CodeInvalidArgument, "%s is %s, not a %s image", path, info.Format, kind.what)
	}
	if strings.EqualFold(filepath.Ext(path), ".qcow2") && format != model.FormatQCOW2 {
		return model.Errorf(model.CodeInvalidArgument, "%s is named .qcow2 but is %s", path, info.Format)
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	sum := sha256.New()
	n, err := io.Copy(sum, f)
	f.Close()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(s.cfg.DataDir, "images"), 0o700); err != nil {
		return err
	}
	img := model.Image{ID: uuid.NewString(), Name: name, Format: format, State: model.ImageReady,
		SizeBytes: n, VirtualSize: info.VirtualSize, SHA256: hex.EncodeToString(sum.Sum(nil)),
		Owner: owner, Group: group, Tags: []string{}, CreatedAt: now(), UpdatedAt: now()}
	if err := os.Rename(path, s.imagePath(img.ID)); err != nil {
		return err
	}
	if err := s.db.CreateImage(ctx, img); err != nil {
		os.Rename(s.imagePath(img.ID), path) // give the file back
		return conflict(err, "an image named %q already exists", name)
	}
	return nil
}

// mediaRef returns the host-link reference of a ready ISO image.
func (s *Service) mediaRef(ctx context.Context, field, idOrName string) (hostlink.ImageRef, error) {
	if idOrName == "" {
		return hostlink.ImageRef{}, model.FieldError(field, "is required: the id of a media image")
	}
	img, err := s.GetImage(ctx, idOrName)
	if err != nil {
		return hostlink.ImageRef{}, err
	}
	if img.Format != model.FormatISO {
		return hostlink.ImageRef{}, model.FieldError(field, "image %s is a %s disk image, not an ISO media image", img.Name, img.Format)
	}
	if img.State != model.ImageReady {
		return hostlink.ImageRef{}, model.Errorf(model.CodeConflict, "media image %s has no content yet: upload it first", img.Name)
	}
	return hostlink.ImageRef{ID: img.ID, Format: img.Format, SizeBytes: img.SizeBytes, VirtualSize: img.VirtualSize, SHA256: img.SHA256}, nil
}

// runningVM returns a VM and its agent, refusing a VM that is not
// running (its guest may be paused) as last observed.
func (s *Service) runningVM(ctx context.Context, vmIDOrName, doing string, perm model.Permission) (model.VM, hostlink.Agent, error) {
	vm, err := s.reachVM(ctx, vmIDOrName, perm)
	if err != nil {
		return vm, nil, err
	}
	if vm.Status != model.PowerRunning && vm.Status != model.PowerPaused {
		return vm, nil, model.Errorf(model.CodeConflict, "cannot %s VM %s: it is %s, not running", doing, vm.Name, vm.Status)
	}
	agent, err := s.agent(ctx, vm.HostID)
	return vm, agent, err
}

// InsertMedia puts a media image into the running VM's CD-ROM drive. The
// host fetches the image first if it does not have it.
func (s *Service) InsertMedia(ctx context.Context, vmIDOrName, image string) error {
	ref, err := s.mediaRef(ctx, "source", image)
	if err != nil {
		return err
	}
	vm, agent, err := s.runningVM(ctx, vmIDOrName, "insert media into", model.PermVMUpdate)
	if err != nil {
		return err
	}
	_, err = agent.InsertMedia(ctx, vm.ID, ref)
	return err
}

// EjectMedia empties the running VM's CD-ROM drive.
func (s *Service) EjectMedia(ctx context.Context, vmIDOrName string) error {
	vm, agent, err := s.runningVM(ctx, vmIDOrName, "eject the media of", model.PermVMUpdate)
	if err != nil {
		return err
	}
	return agent.EjectMedia(ctx, vm.ID)
}

// VMMedia returns the id of the media image in the running VM's CD-ROM
// drive, "" if it is empty.
func (s *Service) VMMedia(ctx context.Context, vmIDOrName string) (string, error) {
	vm, agent, err := s.runningVM(ctx, vmIDOrName, "read the media of", model.PermVMRead)
	if err != nil {
		return "", err
	}
	m, err := agent.Media(ctx, vm.ID)
	return m.ImageID, err
}
