package service

import (
	"context"
	"io"

	"github.com/kumo-cloud/kumo/internal/model"
)

// ExportImage opens the content of an image the caller may see, to copy
// it elsewhere (DBC's upload to an image server).
func (s *Service) ExportImage(ctx context.Context, idOrName string) (model.Image, io.ReadCloser, int64, error) {
	img, err := s.GetImage(ctx, idOrName)
	if err != nil {
		return model.Image{}, nil, 0, err
	}
	rc, size, err := s.OpenImage(ctx, "", img.ID)
	return img, rc, size, err
}
