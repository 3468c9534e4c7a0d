package native

import (
	"net/http"

	"github.com/kumo-cloud/kumo/internal/httpguard"
	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/service"
	"github.com/kumo-cloud/kumo/pkg/api"
)

func imageToAPI(i model.Image) api.Image {
	return api.Image{ID: i.ID, Name: i.Name, Description: i.Description, Format: string(i.Format), State: string(i.State),
		SizeBytes: i.SizeBytes, VirtualSize: i.VirtualSize, SHA256: i.SHA256, CreatedAt: i.CreatedAt}
}

func (s *Server) listImages(r *http.Request) (any, error) {
	imgs, err := s.svc.ListImages(ctx(r))
	if err != nil {
		return nil, err
	}
	out := make([]api.Image, 0, len(imgs))
	for _, i := range imgs {
		out = append(out, imageToAPI(i))
	}
	return out, nil
}

// uploadImage takes the image file as the raw request body, so uploads of
// many gigabytes stream to disk without buffering.
func (s *Server) uploadImage(r *http.Request) (any, error) {
	q := r.URL.Query()
	req := service.UploadImageRequest{Name: q.Get("name"), Description: q.Get("description"), Format: model.ImageFormat(q.Get("format")),
		SizeBytes: r.ContentLength}
	// The upload may take as long as it keeps flowing.
	httpguard.Stream(ctx(r))
	img, err := s.svc.UploadImage(ctx(r), req, r.Body)
	if err != nil {
		return nil, err
	}
	return imageToAPI(img), nil
}

func (s *Server) getImage(r *http.Request) (any, error) {
	img, err := s.svc.GetImage(ctx(r), r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	return imageToAPI(img), nil
}

func (s *Server) deleteImage(r *http.Request) (any, error) {
	return nil, s.svc.DeleteImage(ctx(r), r.PathValue("id"))
}
