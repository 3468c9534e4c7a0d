package service

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/uuid"

	"github.com/kumo-cloud/kumo/internal/model"
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
}

// UploadImage stores an image from r (needs the disk_image or media_image menu). The content is checked
// (format, no backing file) before the image becomes visible; a failed
// upload leaves nothing behind.
func (s *Service) UploadImage(ctx context.Context, req UploadImageRequest, r io.Reader) (model.Image, error) {
	img, err := s.CreateImage(ctx, req)
	if err != nil {
		return img, err
	}
	ready, err := s.ReceiveImage(ctx, img.ID, r, "")
	if err != nil {
		s.db.DeleteImage(context.WithoutCancel(ctx), img.ID)
		return img, err
	}
	return ready, nil
}

// CreateImage registers an image whose content is uploaded later with
// ReceiveImage (needs the disk_image or media_image menu). Until then it is "uploading".
func (s *Service) CreateImage(ctx context.Context, req UploadImageRequest) (model.Image, error) {
	if err := Authorize(ctx, model.MenuDiskImage, model.MenuMediaImage); err != nil {
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
	owner, group, err := s.ownership(ctx, req.Owner, req.Group)
	if err != nil {
		return model.Image{}, err
	}
	req.Owner, req.Group = owner, group
	img := model.Image{ID: uuid.NewString(), Name: req.Name, Description: req.Description, Format: req.Format,
		State: model.ImageUploading, Owner: req.Owner, Group: req.Group, Tags: req.Tags, CreatedAt: now(), UpdatedAt: now()}
	if img.Tags == nil {
		img.Tags = []string{}
	}
	return img, conflict(s.db.CreateImage(ctx, img), "image %q already exists", req.Name)
}

// ReceiveImage stores the content of an uploading image and makes it
// ready. checksum, if given, is the hex MD5 or SHA-256 of the content and
// must match. A failed upload leaves the image uploading, to be retried.
func (s *Service) ReceiveImage(ctx context.Context, id string, r io.Reader, checksum string) (model.Image, error) {
	if err := Authorize(ctx, model.MenuDiskImage, model.MenuMediaImage); err != nil {
		return model.Image{}, err
	}
	img, err := s.GetImage(ctx, id)
	if err != nil {
		return img, err
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
		return img, err
	}
	tmp, err := os.CreateTemp(dir, "upload-*")
	if err != nil {
		return img, err
	}
	defer os.Remove(tmp.Name()) // no-op once renamed
	sum, md := sha256.New(), md5.New()
	n, err := io.Copy(io.MultiWriter(tmp, sum, md), io.LimitReader(r, s.cfg.MaxImageBytes+1))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return img, fmt.Errorf("receive image %s: %w", img.Name, err)
	}
	if n > s.cfg.MaxImageBytes {
		return img, model.Errorf(model.CodeInvalidArgument, "image is larger than the limit of %d bytes", s.cfg.MaxImageBytes)
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
		return img, &model.Error{Code: model.CodeInvalidArgument, Message: "image " + img.Name + " is not a usable disk image or ISO", Err: err}
	}
	format := model.ImageFormat(info.Format)
	if img.Format != "" && img.Format != format {
		return img, model.FieldError("format", "the content is %s, not %s", format, img.Format)
	}
	img.Format, img.State, img.SizeBytes, img.VirtualSize, img.SHA256, img.UpdatedAt = format, model.ImageReady, n, info.VirtualSize, sha, now()
	if err := os.Rename(tmp.Name(), s.imagePath(img.ID)); err != nil {
		return img, err
	}
	if err := s.db.UpdateImage(ctx, img); err != nil {
		os.Remove(s.imagePath(img.ID))
		return img, notFound(err, "image", id)
	}
	return img, nil
}

// UpdateImageInfo changes an image's name, description, owner, group and
// tags (needs the disk_image or media_image menu).
func (s *Service) UpdateImageInfo(ctx context.Context, id string, upd UploadImageRequest) (model.Image, error) {
	if err := Authorize(ctx, model.MenuDiskImage, model.MenuMediaImage); err != nil {
		return model.Image{}, err
	}
	img, err := s.GetImage(ctx, id)
	if err != nil {
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
	img.Name, img.Description, img.Owner, img.Group, img.UpdatedAt = upd.Name, upd.Description, upd.Owner, upd.Group, now()
	if upd.Tags != nil {
		img.Tags = upd.Tags
	}
	return img, conflict(notFound(s.db.UpdateImage(ctx, img), "image", id), "image %q already exists", upd.Name)
}

// ListImages returns the images the caller may see.
func (s *Service) ListImages(ctx context.Context) ([]model.Image, error) {
	all, err := s.db.ListImages(ctx)
	if err != nil {
		return nil, err
	}
	visible := all[:0]
	for _, img := range all {
		if CanSeeImage(ctx, img) {
			visible = append(visible, img)
		}
	}
	return visible, nil
}

// GetImage returns an image by id or name, if the caller may see it.
func (s *Service) GetImage(ctx context.Context, idOrName string) (model.Image, error) {
	img, err := s.db.GetImage(ctx, idOrName)
	if err == nil && !CanSeeImage(ctx, img) {
		return model.Image{}, model.NotFound("image", idOrName)
	}
	return img, notFound(err, "image", idOrName)
}

// DeleteImage removes an image no VM uses (needs the disk_image or media_image menu).
func (s *Service) DeleteImage(ctx context.Context, idOrName string) error {
	if err := Authorize(ctx, model.MenuDiskImage, model.MenuMediaImage); err != nil {
		return err
	}
	img, err := s.GetImage(ctx, idOrName)
	if err != nil {
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
