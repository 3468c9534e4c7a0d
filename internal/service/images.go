package service

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/uuid"

	"github.com/kumo-cloud/kumo/internal/diskspace"
	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/storage"
	"github.com/kumo-cloud/kumo/internal/store"
)

// UploadImageRequest describes an image being uploaded.
type UploadImageRequest struct {
	Name        string
	Description string
	// Format is what the uploader says it is; empty means detect. A
	// mismatch with what the content really is fails the upload.
	Format model.ImageFormat
	Owner  string
	Group  string
	Tags   []string
	// SizeBytes is the content's length when the request says it
	// (Content-Length); 0 or less when unknown.
	SizeBytes int64
}

// UploadImage stores an image from r (needs image:create, or
// media:create for ISO images). The content is checked
// (format, no backing file) before the image becomes visible; a failed
// upload leaves nothing behind.
func (s *Service) UploadImage(ctx context.Context, req UploadImageRequest, r io.Reader) (model.Image, error) {
	img, err := s.CreateImage(ctx, req)
	if err != nil {
		return img, err
	}
	ready, err := s.ReceiveImage(ctx, img.ID, r, "", req.SizeBytes)
	if err != nil {
		s.db.DeleteImage(context.WithoutCancel(ctx), img.ID)
		return img, err
	}
	return ready, nil
}

// CreateImage registers an image whose content is uploaded later with
// ReceiveImage (needs image:create, or media:create for ISO images).
// Until then it is "uploading". The image count quota of the owner's
// tenant is checked with the insert.
func (s *Service) CreateImage(ctx context.Context, req UploadImageRequest) (model.Image, error) {
	perms := []model.Permission{model.PermImageCreate, model.PermMediaCreate}
	switch req.Format {
	case model.FormatISO:
		perms = perms[1:]
	case model.FormatQCOW2, model.FormatRaw:
		perms = perms[:1]
	}
	if err := Authorize(ctx, perms...); err != nil {
		return model.Image{}, err
	}
	if err := validName("name", req.Name); err != nil {
		return model.Image{}, err
	}
	switch req.Format {
	case "", model.FormatQCOW2, model.FormatRaw, model.FormatISO:
	default:
		return model.Image{}, model.FieldError("format", "must be qcow2, raw or iso, not %q", req.Format)
	}
	owner, group, tenant, err := s.ownership(ctx, req.Owner, req.Group)
	if err != nil {
		return model.Image{}, err
	}
	img := model.Image{ID: uuid.NewString(), Name: req.Name, Description: req.Description, Format: req.Format,
		State: model.ImageUploading, Owner: owner, Group: group, TenantID: tenant, Tags: req.Tags, CreatedAt: now(), UpdatedAt: now()}
	if img.Tags == nil {
		img.Tags = []string{}
	}
	err = s.db.InTx(ctx, func(q store.Queries) error {
		if err := checkQuota(ctx, q, tenant, quotaDemand{model.QuotaImageCount: 1}); err != nil {
			return err
		}
		return conflict(q.CreateImage(ctx, img), "image %q already exists", req.Name)
	})
	return img, err
}

// ReceiveImage stores the content of an uploading image and makes it
// ready. checksum, if given, is the hex MD5 or SHA-256 of the content and
// must match. A failed upload leaves the image uploading, to be retried.
//
// The images directory shares its file system with the database (and
// on an all-in-one host with the VMs' disks), so an upload must not fill
// it: one of known length (sizeBytes > 0) is refused at once unless it
// fits with the margin to spare; any upload stops with
// insufficient_capacity as soon as less than the margin would be left,
// and its partial file is removed.
func (s *Service) ReceiveImage(ctx context.Context, id string, r io.Reader, checksum string, sizeBytes int64) (model.Image, error) {
	if err := Authorize(ctx, model.PermImageCreate, model.PermMediaCreate); err != nil {
		return model.Image{}, err
	}
	img, err := s.GetImage(ctx, id)
	if err != nil {
		return img, err
	}
	if img.Format != "" {
		if err := authorizeOn(ctx, imagePerm(img, "create"), s.imageObject(ctx, img)); err != nil {
			return img, err
		}
	}
	if img.State != model.ImageUploading {
		return img, model.Errorf(model.CodeConflict, "image %s already has its content", img.Name)
	}
	checksum = strings.ToLower(strings.TrimSpace(checksum))
	if checksum != "" && len(checksum) != 32 && len(checksum) != 64 {
		return img, model.FieldError("checksum", "must be a hex MD5 (32 digits) or SHA-256 (64 digits)")
	}
	dir := filepath.Join(s.cfg.DataDir, "images")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return img, s.storageError(err, "receive image "+img.Name)
	}
	if err := s.controllerRoom(dir, sizeBytes, "image "+img.Name); err != nil {
		return img, err
	}
	tmp, err := os.CreateTemp(dir, "upload-*")
	if err != nil {
		return img, s.storageError(err, "receive image "+img.Name)
	}
	defer os.Remove(tmp.Name()) // no-op once renamed
	sum, md := sha256.New(), md5.New()
	guard := &diskspace.ReserveWriter{W: tmp, Dir: dir, Reserve: model.DiskMarginBytes}
	n, err := io.Copy(io.MultiWriter(guard, sum, md), io.LimitReader(r, s.cfg.MaxImageBytes+1))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		if diskspace.IsFull(err) {
			s.log.Warn("image upload stopped: the images directory's disk is full", "image", img.Name, "received", n, "err", err)
			return img, model.Errorf(model.CodeInsufficientCapacity,
				"not enough free space on the control plane for image %s: the upload stopped after %d bytes", img.Name, n)
		}
		return img, s.storageError(err, "receive image "+img.Name)
	}
	if n > s.cfg.MaxImageBytes {
		return img, model.Errorf(model.CodePayloadTooLarge, "image is larger than the limit of %d bytes", s.cfg.MaxImageBytes)
	}
	if n == 0 {
		return img, model.Errorf(model.CodeInvalidArgument, "image is empty")
	}
	sha := hex.EncodeToString(sum.Sum(nil))
	if checksum != "" && checksum != sha && checksum != hex.EncodeToString(md.Sum(nil)) {
		return img, model.FieldError("checksum", "does not match the content received")
	}
	info, err := s.prober.ProbeUpload(ctx, tmp.Name())
	if err != nil {
		if diskspace.IsFull(err) {
			return img, s.storageError(err, "probe image "+img.Name)
		}
		s.log.Info("image upload refused", "image", img.Name, "err", err)
		msg := "image " + img.Name + " is not a usable disk image or ISO"
		if why := storage.Reason(err); why != "" {
			msg += ": " + why
		}
		return img, model.Errorf(model.CodeInvalidArgument, "%s", msg)
	}
	format := model.ImageFormat(info.Format)
	if img.Format != "" && img.Format != format {
		return img, model.FieldError("format", "the content is %s, not %s", format, img.Format)
	}
	img.Format, img.State, img.SizeBytes, img.VirtualSize, img.SHA256, img.UpdatedAt = format, model.ImageReady, n, info.VirtualSize, sha, now()
	// Now that the content says what it is, the caller must be allowed to
	// make that kind of image.
	if err := authorizeOn(ctx, imagePerm(img, "create"), s.imageObject(ctx, img)); err != nil {
		return img, err
	}
	if err := os.Rename(tmp.Name(), s.imagePath(img.ID)); err != nil {
		return img, s.storageError(err, "store image "+img.Name)
	}
	err = s.db.InTx(ctx, func(q store.Queries) error {
		if err := checkQuota(ctx, q, img.TenantID, quotaDemand{model.QuotaImageBytes: n}); err != nil {
			return err
		}
		return notFound(q.UpdateImage(ctx, img), "image", id)
	})
	if err != nil {
		os.Remove(s.imagePath(img.ID))
		return img, err
	}
	return img, nil
}

// UpdateImageInfo changes an image's name, description, owner, group and
// tags (needs image:update, or media:update for ISO images).
func (s *Service) UpdateImageInfo(ctx context.Context, id string, upd UploadImageRequest) (model.Image, error) {
	img, err := s.GetImage(ctx, id)
	if err != nil {
		return img, err
	}
	if err := authorizeOn(ctx, imagePerm(img, "update"), s.imageObject(ctx, img)); err != nil {
		return img, err
	}
	if err := validName("name", upd.Name); err != nil {
		return img, err
	}
	// An owner or group left out stays; only admins give images away.
	if upd.Owner != "" && upd.Owner != img.Owner || upd.Group != "" && upd.Group != img.Group {
		if p, ok := PrincipalFrom(ctx); ok && !p.FullAccess() {
			return img, model.Errorf(model.CodePermissionDenied, "user %s may not change the owner or group of image %s", p.Name, img.Name)
		}
	}
	if upd.Owner == "" {
		upd.Owner = img.Owner
	}
	if upd.Group == "" {
		upd.Group = img.Group
	}
	if upd.Owner != img.Owner {
		u, err := s.db.GetUserByName(ctx, upd.Owner)
		if err != nil {
			return img, notFound(err, "user", upd.Owner)
		}
		img.TenantID = u.TenantID
	}
	img.Name, img.Description, img.Owner, img.Group, img.UpdatedAt = upd.Name, upd.Description, upd.Owner, upd.Group, now()
	if upd.Tags != nil {
		img.Tags = upd.Tags
	}
	return img, conflict(notFound(s.db.UpdateImage(ctx, img), "image", id), "image %q already exists", upd.Name)
}

// ListImages returns the images (disk images and media) the caller may
// read: its own, its tenant's or groups' where they share them, and those
// shared with its tenant.
func (s *Service) ListImages(ctx context.Context) ([]model.Image, error) {
	if _, err := caller(ctx); err != nil {
		return nil, err
	}
	all, err := s.db.ListImages(ctx)
	if err != nil {
		return nil, err
	}
	shared := s.sharedWith(ctx, "image")
	visible := all[:0]
	for _, img := range all {
		if visibleTo(ctx, imagePerm(img, "read"), imageObject(img, func() bool { return shared(img.ID) })) {
			visible = append(visible, img)
		}
	}
	return visible, nil
}

// GetImage returns an image by id or name, if the caller may read it
// (image:read, or media:read for ISO images).
func (s *Service) GetImage(ctx context.Context, idOrName string) (model.Image, error) {
	if _, err := caller(ctx); err != nil {
		return model.Image{}, err
	}
	img, err := s.db.GetImage(ctx, idOrName)
	if err != nil {
		return model.Image{}, notFound(err, "image", idOrName)
	}
	if err := authorizeOn(ctx, imagePerm(img, "read"), s.imageObject(ctx, img)); err != nil {
		if model.IsCode(err, model.CodeNotFound) {
			err = model.NotFound("image", idOrName)
		}
		return model.Image{}, err
	}
	return img, nil
}

// DeleteImage removes an image no VM uses (needs image:delete, or
// media:delete for ISO images).
func (s *Service) DeleteImage(ctx context.Context, idOrName string) error {
	img, err := s.GetImage(ctx, idOrName)
	if err != nil {
		return err
	}
	if err := authorizeOn(ctx, imagePerm(img, "delete"), s.imageObject(ctx, img)); err != nil {
		return err
	}
	n, err := s.db.CountVMsUsingImage(ctx, img.ID)
	if err != nil {
		return err
	}
	if n > 0 {
		return model.Errorf(model.CodeConflict, "image %s is used by %d VMs", img.Name, n)
	}
	if err := s.db.DeleteImage(ctx, img.ID); err != nil {
		return notFound(err, "image", idOrName)
	}
	if err := os.Remove(s.imagePath(img.ID)); err != nil && !errors.Is(err, os.ErrNotExist) {
		s.log.Warn("remove image file", "image", img.ID, "err", err)
	}
	return nil
}

// PublicImages returns the images shared with every tenant, to callers
// with or without a session: DBC lists a node's images to anyone.
func (s *Service) PublicImages(ctx context.Context) ([]model.Image, error) {
	shares, err := s.db.ListShares(ctx, "image")
	if err != nil {
		return nil, err
	}
	var out []model.Image
	for _, sh := range shares {
		if !sh.Public() {
			continue
		}
		img, err := s.db.GetImage(ctx, sh.ObjectID)
		if err != nil {
			continue // deleted meanwhile
		}
		out = append(out, img)
	}
	return out, nil
}

// controllerRoom refuses what would leave the control plane's file
// system holding dir with less than the margin free: need bytes more
// (0 when unknown: then only an already full disk is refused).
func (s *Service) controllerRoom(dir string, need int64, what string) error {
	_, free, err := diskspace.Free(dir)
	if err != nil {
		return nil // cannot tell: the write finds out
	}
	if want := satAdd(max(need, 0), model.DiskMarginBytes); free < want {
		return model.Errorf(model.CodeInsufficientCapacity, "not enough free space on the control plane for %s: %d MiB needed, %d MiB free",
			what, want>>20, free>>20)
	}
	return nil
}

// storageError is a failed file operation of the control plane as an
// API user may see it: a full disk is insufficient_capacity; anything
// else is logged with its paths and reported without them.
func (s *Service) storageError(err error, doing string) error {
	s.log.Warn(doing+" failed", "err", err)
	if diskspace.IsFull(err) {
		return model.Errorf(model.CodeInsufficientCapacity, "not enough free space on the control plane to %s", doing)
	}
	return model.Errorf(model.CodeInternal, "%s failed on the control plane (its log has the details)", doing)
}
