package nano

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/kumo-cloud/kumo/internal/httpguard"
	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/service"
)

// A Nano media image is a Kumo image in ISO format. It shares the image
// store, the upload checks and the reply shape of disk images; only the
// format tells them apart (an image created here must turn out an ISO).

// mediaImage returns the ISO image in the path; other images are unknown
// here, as ISOs are under /disk_images/.
func (s *Server) mediaImage(r *http.Request) (model.Image, error) {
	img, err := s.svc.GetImage(ctx(r), r.PathValue("id"))
	if err != nil {
		return img, err
	}
	if img.Format != model.FormatISO {
		return img, model.NotFound("media image", r.PathValue("id"))
	}
	return img, nil
}

func (s *Server) getMediaImage(r *http.Request) (reply, error) {
	img, err := s.mediaImage(r)
	if err != nil {
		return reply{}, err
	}
	return ok(diskImageOf(img))
}

// mediaImages lists ISO images matching the owner, group and tags of the
// query (all given tags must be present).
func (s *Server) mediaImages(r *http.Request) ([]diskImage, error) {
	q := r.URL.Query()
	imgs, err := s.svc.ListImages(ctx(r))
	if err != nil {
		return nil, err
	}
	var want []string
	if t := q.Get("tags"); t != "" {
		want = strings.Split(t, ",")
	}
	out := []diskImage{}
	for _, i := range imgs {
		if i.Format != model.FormatISO || (q.Get("owner") != "" && i.Owner != q.Get("owner")) || (q.Get("group") != "" && i.Group != q.Get("group")) {
			continue
		}
		if hasAll(i.Tags, want) {
			out = append(out, diskImageOf(i))
		}
	}
	return out, nil
}

func (s *Server) listMediaImages(r *http.Request) (reply, error) {
	out, err := s.mediaImages(r)
	if err != nil {
		return reply{}, err
	}
	return ok(out)
}

// searchMediaImages is the list with the query's filters; every Kumo user
// may read every image, so the session's user filters nothing more.
func (s *Server) searchMediaImages(r *http.Request) (reply, error) { return s.listMediaImages(r) }

// createMediaImage registers a media image whose ISO is uploaded next
// with POST /media_image_files/{id}.
func (s *Server) createMediaImage(r *http.Request) (reply, error) {
	var req diskImageCreate
	if err := decode(r, &req); err != nil {
		return reply{}, err
	}
	if req.Guest != "" {
		return reply{}, model.FieldError("guest", "media images are uploaded, not made from a guest")
	}
	img, err := s.svc.CreateImage(ctx(r), service.UploadImageRequest{Name: req.Name, Description: req.Description,
		Format: model.FormatISO, Owner: req.Owner, Group: req.Group, Tags: req.Tags})
	if err != nil {
		return reply{}, err
	}
	return ok(map[string]string{"id": img.ID})
}

func (s *Server) modifyMediaImage(r *http.Request) (reply, error) {
	var req diskImageCreate
	if err := decode(r, &req); err != nil {
		return reply{}, err
	}
	img, err := s.mediaImage(r)
	if err != nil {
		return reply{}, err
	}
	if req.Guest != "" {
		return reply{}, model.FieldError("guest", "unknown field")
	}
	_, err = s.svc.UpdateImageInfo(ctx(r), img.ID, service.UploadImageRequest{Name: req.Name, Description: req.Description,
		Owner: req.Owner, Group: req.Group, Tags: req.Tags})
	return done(err)
}

func (s *Server) deleteMediaImage(r *http.Request) (reply, error) {
	img, err := s.mediaImage(r)
	if err != nil {
		return reply{}, err
	}
	return done(s.svc.DeleteImage(ctx(r), img.ID))
}

// syncMediaImages registers the ISO files an operator dropped into the
// media directory and forgets media whose files are gone.
func (s *Server) syncMediaImages(r *http.Request) (reply, error) {
	var req struct {
		Owner string `json:"owner"`
		Group string `json:"group"`
	}
	if err := decodeOptional(r, &req); err != nil {
		return reply{}, err
	}
	res, err := s.svc.SyncMediaImages(ctx(r), req.Owner, req.Group)
	if err != nil {
		return reply{}, err
	}
	s.log.Info("media images synced", "added", res.Added, "removed", res.Removed)
	return ok(nil)
}

// uploadMediaImage takes the ISO as multipart field "image", with an
// optional "checksum" field before it (hex MD5 or SHA-256).
func (s *Server) uploadMediaImage(r *http.Request) (reply, error) {
	img, err := s.mediaImage(r)
	if err != nil {
		return reply{}, err
	}
	_, err = s.receiveUpload(r, img.ID)
	return done(err)
}

// downloadMediaImage sends the ISO's bytes (with Range support, so a
// client can resume).
func (s *Server) downloadMediaImage(r *http.Request) (reply, error) {
	img, err := s.mediaImage(r)
	if err != nil {
		return reply{}, err
	}
	return s.imageFile(r, img)
}

// downloadDiskImage sends a disk image's file, as downloadMediaImage.
func (s *Server) downloadDiskImage(r *http.Request) (reply, error) {
	img, err := s.diskImage(r)
	if err != nil {
		return reply{}, err
	}
	return s.imageFile(r, img)
}

// imageFile sends an image's bytes, named after the image and its
// format (with Range support, so a client can resume).
func (s *Server) imageFile(r *http.Request, img model.Image) (reply, error) {
	f, img, err := s.svc.OpenImageFile(ctx(r), img.ID)
	if err != nil {
		return reply{}, err
	}
	name := img.Name + "." + string(img.Format)
	return ok(rawResponse(func(w http.ResponseWriter, r *http.Request) {
		defer f.Close()
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Disposition", "attachment; filename="+strconv.Quote(name))
		// The download goes on as long as the client reads.
		http.ServeContent(httpguard.StreamWriter(r.Context(), w), r, name, img.UpdatedAt, f)
	}))
}
