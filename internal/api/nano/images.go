package nano

import (
	"net/http"
	"strings"

	"github.com/kumo-cloud/kumo/internal/httpguard"
	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/service"
)

// A Nano disk image is a Kumo image in qcow2 or raw format.

type diskImage struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Created     bool     `json:"created"`
	Progress    int      `json:"progress,omitempty"`
	Description string   `json:"description"`
	Owner       string   `json:"owner"`
	Group       string   `json:"group"`
	Size        int64    `json:"size"`
	Tags        []string `json:"tags"`
	CreateTime  string   `json:"create_time"`
	ModifyTime  string   `json:"modify_time"`
}

func diskImageOf(i model.Image) diskImage {
	return diskImage{ID: i.ID, Name: i.Name, Created: i.State == model.ImageReady, Description: i.Description,
		Owner: i.Owner, Group: i.Group, Size: i.VirtualSize, Tags: i.Tags,
		CreateTime: i.CreatedAt.Local().Format(timeFormat), ModifyTime: i.UpdatedAt.Local().Format(timeFormat)}
}

// diskImage returns the image in the path, refusing ISO media.
func (s *Server) diskImage(r *http.Request) (model.Image, error) {
	img, err := s.svc.GetImage(ctx(r), r.PathValue("id"))
	if err != nil {
		return img, err
	}
	if img.Format == model.FormatISO {
		return img, model.NotFound("disk image", r.PathValue("id"))
	}
	return img, nil
}

func (s *Server) getDiskImage(r *http.Request) (reply, error) {
	img, err := s.diskImage(r)
	if err != nil {
		return reply{}, err
	}
	if img.State != model.ImageReady {
		// The document answers 202 while an image is not ready yet.
		return reply{http.StatusAccepted, map[string]any{"name": img.Name, "created": false, "progress": 0,
			"description": img.Description, "tags": img.Tags}}, nil
	}
	return ok(diskImageOf(img))
}

type diskImageCreate struct {
	Name        string   `json:"name"`
	Guest       string   `json:"guest"`
	Owner       string   `json:"owner"`
	Group       string   `json:"group"`
	Description string   `json:"description"`
	Tags        []string `json:"tags"`
}

// createDiskImage registers a disk image whose file is uploaded next with
// POST /disk_image_files/{id}.
func (s *Server) createDiskImage(r *http.Request) (reply, error) {
	var req diskImageCreate
	if err := decode(r, &req); err != nil {
		return reply{}, err
	}
	if req.Guest != "" {
		return reply{}, errNotImplemented("making a disk image from a guest's disk")
	}
	img, err := s.svc.CreateImage(ctx(r), service.UploadImageRequest{Name: req.Name, Description: req.Description,
		Owner: req.Owner, Group: req.Group, Tags: req.Tags})
	if err != nil {
		return reply{}, err
	}
	return reply{http.StatusAccepted, map[string]string{"id": img.ID}}, nil
}

// uploadDiskImage takes the file as multipart field "image", with an
// optional "checksum" field.
func (s *Server) uploadDiskImage(r *http.Request) (reply, error) {
	img, err := s.diskImage(r)
	if err != nil {
		return reply{}, err
	}
	ready, err := s.receiveUpload(r, img.ID)
	if err != nil {
		return reply{}, err
	}
	if ready.Format == model.FormatISO {
		s.svc.DeleteImage(ctx(r), ready.ID)
		return reply{}, model.Errorf(model.CodeInvalidArgument, "an ISO is a media image, not a disk image")
	}
	return ok(nil)
}

// receiveUpload stores the file of image id from a multipart upload: the
// file in field "image", after an optional "checksum" field (hex MD5 or
// SHA-256), which must come first to be checked against the file.
func (s *Server) receiveUpload(r *http.Request, id string) (model.Image, error) {
	// The upload may take as long as it keeps flowing.
	httpguard.Stream(ctx(r))
	mr, err := r.MultipartReader()
	if err != nil {
		return model.Image{}, model.Errorf(model.CodeInvalidArgument, "upload must be multipart/form-data with a field \"image\": %v", err)
	}
	checksum := ""
	for {
		part, err := mr.NextPart()
		if err != nil {
			return model.Image{}, model.Errorf(model.CodeInvalidArgument, "upload has no field \"image\"")
		}
		switch part.FormName() {
		case "checksum":
			buf := make([]byte, 129)
			n, _ := part.Read(buf)
			checksum = strings.TrimSpace(string(buf[:n]))
		case "image":
			// The request's length is the file's and the form's: a
			// slight overestimate of what the file needs.
			return s.svc.ReceiveImage(ctx(r), id, part, checksum, r.ContentLength)
		}
	}
}

func (s *Server) modifyDiskImage(r *http.Request) (reply, error) {
	var req diskImageCreate
	if err := decode(r, &req); err != nil {
		return reply{}, err
	}
	img, err := s.diskImage(r)
	if err != nil {
		return reply{}, err
	}
	_, err = s.svc.UpdateImageInfo(ctx(r), img.ID, service.UploadImageRequest{Name: req.Name, Description: req.Description,
		Owner: req.Owner, Group: req.Group, Tags: req.Tags})
	return done(err)
}

func (s *Server) deleteDiskImage(r *http.Request) (reply, error) {
	img, err := s.diskImage(r)
	if err != nil {
		return reply{}, err
	}
	return done(s.svc.DeleteImage(ctx(r), img.ID))
}

// searchDiskImages filters disk images by owner, group and tags (all
// given tags must be present).
func (s *Server) searchDiskImages(r *http.Request) (reply, error) {
	q := r.URL.Query()
	imgs, err := s.svc.ListImages(ctx(r))
	if err != nil {
		return reply{}, err
	}
	var want []string
	if t := q.Get("tags"); t != "" {
		want = strings.Split(t, ",")
	}
	out := []diskImage{}
	for _, i := range imgs {
		if i.Format == model.FormatISO || (q.Get("owner") != "" && i.Owner != q.Get("owner")) || (q.Get("group") != "" && i.Group != q.Get("group")) {
			continue
		}
		if hasAll(i.Tags, want) {
			out = append(out, diskImageOf(i))
		}
	}
	return ok(out)
}

func hasAll(have, want []string) bool {
	for _, w := range want {
		if !containsString(have, strings.TrimSpace(w)) {
			return false
		}
	}
	return true
}

// syncDiskImages registers the disk image files an operator dropped into
// the disk image directory (<data>/disk_images) and forgets disk images
// whose files are gone.
func (s *Server) syncDiskImages(r *http.Request) (reply, error) {
	var req struct {
		Owner string `json:"owner"`
		Group string `json:"group"`
	}
	if err := decodeOptional(r, &req); err != nil {
		return reply{}, err
	}
	res, err := s.svc.SyncDiskImages(ctx(r), req.Owner, req.Group)
	if err != nil {
		return reply{}, err
	}
	s.log.Info("disk images synced", "added", res.Added, "removed", res.Removed)
	return ok(nil)
}
