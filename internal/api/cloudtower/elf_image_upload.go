package cloudtower

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kumo-cloud/kumo/internal/httpguard"
	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/service"
)

// uploadTask is CloudTower's UploadTask, the reply of /upload-elf-image.
// Kumo takes the whole file in one request, so the task it answers is
// done: one chunk, the size of the file.
type uploadTask struct {
	ID           string            `json:"id"`
	Args         map[string]string `json:"args"`
	ChunkSize    int64             `json:"chunk_size"`
	CurrentChunk int32             `json:"current_chunk"`
	ResourceType string            `json:"resource_type"`
	Size         int64             `json:"size"`
	Status       string            `json:"status"`
	StartedAt    *string           `json:"started_at"`
	FinishedAt   *string           `json:"finished_at"`
	UpdatedAt    *string           `json:"updatedAt"`
}

// uploadElfImage is /upload-elf-image: a multipart form (the SDK's
// CreateElfImage) whose fields come before its "file"; the file is
// stored as an ISO image of Kumo's image store (service.UploadImage),
// named "name" or the file's name. A chunked upload (upload_task_id,
// or a file of another length than "size") is refused, and what it
// stored deleted: the whole file comes in one request.
func (s *Server) uploadElfImage(r *http.Request, _ []byte) (any, error) {
	ctx := r.Context()
	// The upload may take as long as it keeps flowing.
	httpguard.Stream(ctx)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, model.Errorf(model.CodeInvalidArgument, "upload-elf-image takes multipart/form-data with a field \"file\"")
	}
	fields := map[string]string{}
	started := time.Now()
	for {
		part, err := mr.NextPart()
		if err != nil {
			return nil, model.FieldError("file", "is required: the ISO file, after the other fields")
		}
		name := part.FormName()
		if name != "file" {
			v, err := io.ReadAll(io.LimitReader(part, 4096))
			if err != nil {
				return nil, model.FieldError(name, "cannot be read")
			}
			fields[name] = string(v)
			continue
		}
		if fields["upload_task_id"] != "" {
			return nil, errRefused("upload_task_id: Kumo takes the whole file in one request, not in chunks of an upload task")
		}
		switch fields["cluster_id"] {
		case "":
		default:
			if _, err := s.svc.GetPool(ctx, fields["cluster_id"]); err != nil {
				return nil, model.NotFound("cluster", fields["cluster_id"])
			}
		}
		imgName := strings.TrimSpace(fields["name"])
		if imgName == "" {
			imgName = part.FileName()
		}
		img, err := s.svc.UploadImage(ctx, service.UploadImageRequest{Name: imgName, Description: fields["description"],
			Format: model.FormatISO, SizeBytes: r.ContentLength}, part)
		if err != nil {
			return nil, err
		}
		if want, ok, err := uploadSize(fields); err != nil || ok && want != img.SizeBytes {
			_ = s.svc.DeleteImage(ctx, img.ID)
			if err != nil {
				return nil, err
			}
			return nil, errRefused("the file is a chunk of a larger upload (size): Kumo takes the whole file in one request, not in chunks of an upload task")
		}
		fields["name"] = img.Name
		done := time.Now()
		return []uploadTask{{ID: img.ID, Args: fields, ChunkSize: img.SizeBytes, CurrentChunk: 1, ResourceType: "ELF_IMAGE",
			Size: img.SizeBytes, Status: "SUCCESSED", StartedAt: timestamp(started), FinishedAt: timestamp(done), UpdatedAt: timestamp(done)}}, nil
	}
}

// uploadSize reads the form's size and size_unit: the whole file's
// length, if the form gives it.
func uploadSize(fields map[string]string) (int64, bool, error) {
	if fields["size"] == "" {
		return 0, false, nil
	}
	n, err := strconv.ParseInt(strings.TrimSpace(fields["size"]), 10, 64)
	if err != nil || n < 0 {
		return 0, false, model.FieldError("size", "%q is not a size", fields["size"])
	}
	unit := int64(1)
	if u := fields["size_unit"]; u != "" {
		var ok bool
		if unit, ok = byteUnits[u]; !ok {
			return 0, false, model.FieldError("size_unit", "%q: use B, KB, MB, GB, TB or PB", u)
		}
	}
	return n * unit, true, nil
}
