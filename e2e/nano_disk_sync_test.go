package e2e

import (
	"os"
	"path/filepath"
	"testing"
)

// TestNanoDiskImageSync drops image files into <data>/disk_images and
// syncs: a real qcow2 becomes a ready disk image, a fake stays where it
// is, and an image whose file vanished from the store is forgotten.
func TestNanoDiskImageSync(t *testing.T) {
	k := startKumo(t, withoutLocalAgent)
	n := k.nano(t)
	n.login()
	drop := filepath.Join(k.dataDir, "disk_images")
	if err := os.MkdirAll(drop, 0o700); err != nil {
		t.Fatal(err)
	}
	content, err := os.ReadFile(tinyImage(t))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(drop, "dropped-disk.qcow2"), content, 0o600)
	os.WriteFile(filepath.Join(drop, "fake.qcow2"), []byte("not a disk image"), 0o600)
	os.WriteFile(filepath.Join(drop, "notes.txt"), []byte("ignored"), 0o600)

	n.must(200, "PATCH", "/disk_images/", map[string]string{"group": "ops"}, nil)
	var found []struct {
		ID, Name, Group string
		Created         bool
		Size            int64
	}
	n.must(200, "GET", "/disk_image_search/", nil, &found)
	if len(found) != 1 || found[0].Name != "dropped-disk" || !found[0].Created || found[0].Size == 0 || found[0].Group != "ops" {
		t.Fatalf("after sync: %+v", found)
	}
	if _, err := os.Stat(filepath.Join(drop, "dropped-disk.qcow2")); !os.IsNotExist(err) {
		t.Errorf("the registered file is still in the drop directory: %v", err)
	}
	for _, left := range []string{"fake.qcow2", "notes.txt"} {
		if _, err := os.Stat(filepath.Join(drop, left)); err != nil {
			t.Errorf("%s: %v", left, err)
		}
	}

	// The store loses the file: the next sync forgets the image.
	if err := os.Remove(filepath.Join(k.dataDir, "images", found[0].ID)); err != nil {
		t.Fatal(err)
	}
	n.must(200, "PATCH", "/disk_images/", nil, nil)
	if r := n.call("GET", "/disk_images/"+found[0].ID, nil); r.Status != 404 {
		t.Fatalf("image without a file after sync: HTTP %d", r.Status)
	}
}
