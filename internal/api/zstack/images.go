package zstack

import (
	"net/http"
)

type imageInventory struct {
	UUID        string `json:"uuid"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Format      string `json:"format"`
	MediaType   string `json:"mediaType"`
	Size        int64  `json:"size"`
	ActualSize  int64  `json:"actualSize"`
	Status      string `json:"status"`
	State       string `json:"state"`
	Platform    string `json:"platform"`
	CreateDate  string `json:"createDate"`
	LastOpDate  string `json:"lastOpDate"`
}

// queryImage lists images so VMs can be created from them (imageUuid).
func (s *Server) queryImage(r *http.Request) (any, error) {
	imgs, err := s.svc.ListImages(r.Context())
	if err != nil {
		return nil, err
	}
	out := make([]imageInventory, 0, len(imgs))
	for _, img := range imgs {
		media := "RootVolumeTemplate"
		if img.Format == "iso" {
			media = "ISO"
		}
		status := "Ready"
		if img.State != "ready" {
			status = "Downloading"
		}
		out = append(out, imageInventory{UUID: zid(img.ID), Name: img.Name, Description: img.Description, Format: string(img.Format),
			MediaType: media, Size: img.VirtualSize, ActualSize: img.SizeBytes, Status: status, State: "Enabled", Platform: "Linux",
			CreateDate: date(img.CreatedAt), LastOpDate: date(img.CreatedAt)})
	}
	return queryReply(r, out, func(i imageInventory) string { return i.UUID })
}
