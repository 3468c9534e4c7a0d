package e2e

import (
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kumo-cloud/kumo/internal/server"
)

// imageServer is a DBC image server: an HTTP directory of image files.
type imageServer struct {
	*httptest.Server
	guest    []byte
	mu       sync.Mutex
	uploaded map[string][32]byte // file name: SHA-256 of what was PUT
}

func newImageServer(t *testing.T) *imageServer {
	guest, err := os.ReadFile(filepath.Join(guestDir(t), "kumo-test-guest.qcow2"))
	if err != nil {
		t.Fatal(err)
	}
	is := &imageServer{guest: guest, uploaded: map[string][32]byte{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<html><a href="../">../</a><a href="guest.qcow2">guest.qcow2</a><a href="slow.qcow2">slow.qcow2</a><a href="?C=N">sort</a></html>`)
	})
	mux.HandleFunc("GET /guest.qcow2", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", fmt.Sprint(len(guest)))
		w.Write(guest)
	})
	// slow.qcow2 sends its first bytes, then nothing until the client
	// goes away: a download to stop.
	mux.HandleFunc("GET /slow.qcow2", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", fmt.Sprint(len(guest)))
		w.Write(guest[:64<<10])
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	})
	mux.HandleFunc("PUT /{file}", func(w http.ResponseWriter, r *http.Request) {
		h := sha256.New()
		if _, err := io.Copy(h, r.Body); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		is.mu.Lock()
		is.uploaded[r.PathValue("file")] = [32]byte(h.Sum(nil))
		is.mu.Unlock()
		w.WriteHeader(http.StatusCreated)
	})
	is.Server = httptest.NewServer(mux)
	t.Cleanup(is.Close)
	return is
}

// TestDBCImageServers downloads an image from an image server into the
// node, with progress, starts a download and stops it, uploads the
// downloaded image back, and deletes it.
func TestDBCImageServers(t *testing.T) {
	is := newImageServer(t)
	k := startKumo(t, func(c *server.Config) { c.DBCImageServers = map[string]string{"ID_1": is.URL} })
	d := k.dbc(t)
	node := dbcNode(t, d)
	d.login(node)

	var servers []string
	d.must("/images/servers", nil, map[string]any{}, &servers)
	if len(servers) != 1 || servers[0] != "ID_1" {
		t.Errorf("image servers: %v", servers)
	}
	var listed []struct {
		Name string `json:"image_name"`
	}
	d.must("/images", nil, map[string]any{"image_server": "ID_1"}, &listed)
	if len(listed) != 2 || listed[0].Name != "guest.qcow2" || listed[1].Name != "slow.qcow2" {
		t.Errorf("image server's images: %+v", listed)
	}
	if r := d.call("/images", nil, map[string]any{"image_server": "ID_9"}); r.Status != 404 {
		t.Errorf("unknown image server: HTTP %d", r.Status)
	}

	type progress struct {
		Status     string
		Progress   string
		DoneBytes  int64 `json:"done_bytes"`
		TotalBytes int64 `json:"total_bytes"`
		Error      string
	}
	waitTransfer := func(path, file, want string) progress {
		var p progress
		eventually(t, 30*time.Second, path+" "+file+" "+want, func() (bool, string) {
			d.must(path, []string{node}, map[string]any{"image_filename": file}, &p)
			return p.Status == want, fmt.Sprintf("%+v", p)
		})
		return p
	}
	d.must("/images/download", []string{node}, map[string]any{"image_server": "ID_1", "image_filename": "guest.qcow2", "local_dir": "/images"}, nil)
	p := waitTransfer("/images/downloadprogress", "guest.qcow2", "done")
	if p.Progress != "100%" || p.DoneBytes != int64(len(is.guest)) || p.TotalBytes != int64(len(is.guest)) {
		t.Errorf("download done: %+v", p)
	}
	d.must("/images", []string{node}, map[string]any{}, &listed)
	if len(listed) != 1 || listed[0].Name != "guest.qcow2" {
		t.Errorf("the wallet's images on the node: %+v", listed)
	}

	// A download that is stopped leaves no image.
	d.must("/images/download", []string{node}, map[string]any{"image_server": "ID_1", "image_filename": "slow.qcow2"}, nil)
	eventually(t, 10*time.Second, "slow download under way", func() (bool, string) {
		var p progress
		d.must("/images/downloadprogress", []string{node}, map[string]any{"image_filename": "slow.qcow2"}, &p)
		return p.DoneBytes > 0, fmt.Sprintf("%+v", p)
	})
	d.must("/images/download_stop", []string{node}, map[string]any{"image_filename": "slow.qcow2"}, nil)
	if p := waitTransfer("/images/downloadprogress", "slow.qcow2", "stopped"); p.DoneBytes >= p.TotalBytes {
		t.Errorf("stopped download: %+v", p)
	}
	eventually(t, 10*time.Second, "stopped download's image removed", func() (bool, string) {
		var imgs []struct {
			Name string `json:"image_name"`
		}
		d.must("/images", []string{node}, map[string]any{}, &imgs)
		return len(imgs) == 1, fmt.Sprintf("%+v", imgs)
	})
	if r := d.call("/images/download_stop", []string{node}, map[string]any{"image_filename": "slow.qcow2"}); r.Status != 409 {
		t.Errorf("stopping a stopped download: HTTP %d", r.Status)
	}

	// Upload the downloaded image back.
	d.must("/images/upload", []string{node}, map[string]any{"image_server": "ID_1", "image_filename": "guest.qcow2"}, nil)
	waitTransfer("/images/uploadprogress", "guest.qcow2", "done")
	is.mu.Lock()
	got := is.uploaded["guest.qcow2"]
	is.mu.Unlock()
	if got != sha256.Sum256(is.guest) {
		t.Errorf("uploaded content differs from the image")
	}
	// Another wallet's tenant does not see it, so may not upload or
	// delete it.
	other := k.dbc(t)
	other.login(node)
	if r := other.call("/images/upload", []string{node}, map[string]any{"image_server": "ID_1", "image_filename": "guest.qcow2"}); r.Status != 404 {
		t.Errorf("another wallet's upload: HTTP %d %s", r.Status, r.text())
	}
	if r := other.call("/images/delete", []string{node}, map[string]any{"image_filename": "guest.qcow2"}); r.Status != 404 {
		t.Errorf("another wallet's delete: HTTP %d %s", r.Status, r.text())
	}
	d.must("/images/delete", []string{node}, map[string]any{"image_filename": "guest.qcow2"}, nil)
	if r := d.call("/images/delete", []string{node}, map[string]any{"image_filename": "guest.qcow2"}); r.Status != 404 || !strings.Contains(r.text(), "guest.qcow2") {
		t.Errorf("deleted image: HTTP %d %s", r.Status, r.text())
	}
}
