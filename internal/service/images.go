package service

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

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
}

// UploadImage stores an image from r (admin only). The content is checked
// (format, no backing file) before the image becomes visible; a failed
// upload leaves nothing behind.
func (s *Service) UploadImage(ctx context.Context, req UploadImageRequest, r io.Reader) (model.Image, error) {
	if err := requireAdmin(ctx); err != nil {
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
	if _, err := s.db.GetImage(ctx, req.Name); err == nil {
		return model.Image{}, model.Errorf(model.CodeConflict, "image %q already exists", req.Name)
	}
	dir := filepath.Join(s.cfg.DataDir, "images")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return model.Image{}, err
	}
	tmp, err := os.CreateTemp(dir, "upload-*")
	if err != nil {
		return model.Image{}, err
	}
	defer os.Remove(tmp.Name()) // no-op once renamed
	sum := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, sum), io.LimitReader(r, s.cfg.MaxImageBytes+1))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return model.Image{}, fmt.Errorf("receive image %s: %w", req.Name, err)
	}
	if n > s.cfg.MaxImageBytes {
		return model.Image{}, model.Errorf(model.CodeInvalidArgument, "image is larger than the limit of %d bytes", s.cfg.MaxImageBytes)
	}
	if n == 0 {
		return model.Image{}, model.Errorf(model.CodeInvalidArgument, "image is empty")
	}
	info, err := s.prober.ProbeUpload(ctx, tmp.Name())
	if err != nil {
		return model.Image{}, &model.Error{Code: model.CodeInvalidArgument, Message: "image " + req.Name + " is not a usable disk image or ISO", Err: err}
	}
	format := model.ImageFormat(info.Format)
	if req.Format != "" && req.Format != format {
		return model.Image{}, model.FieldError("format", "the content is %s, not %s", format, req.Format)
	}
	img := model.Image{
		ID: uuid.NewString(), Name: req.Name, Description: req.Description, Format: format, State: model.ImageReady,
		SizeBytes: n, VirtualSize: info.VirtualSize, SHA256: hex.EncodeToString(sum.Sum(nil)), CreatedAt: now(),
	}
	if err := os.Rename(tmp.Name(), s.imagePath(img.ID)); err != nil {
		return model.Image{}, err
	}
	if err := s.db.CreateImage(ctx, img); err != nil {
		os.Remove(s.imagePath(img.ID))
		return model.Image{}, conflict(err, "image %q already exists", req.Name)
	}
	return img, nil
}

// ListImages returns all images.
func (s *Service) ListImages(ctx context.Context) ([]model.Image, error) {
	return s.db.ListImages(ctx)
}

// GetImage returns an image by id or name.
func (s *Service) GetImage(ctx context.Context, idOrName string) (model.Image, error) {
	img, err := s.db.GetImage(ctx, idOrName)
	return img, notFound(err, "image", idOrName)
}

// DeleteImage removes an image no VM uses (admin only).
func (s *Service) DeleteImage(ctx context.Context, idOrName string) error {
	if err := requireAdmin(ctx); err != nil {
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
