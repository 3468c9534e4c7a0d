package agent

import (
	"os"
	"path/filepath"
	"testing"
)

func TestCountGPUs(t *testing.T) {
	root := t.TempDir()
	for dev, class := range map[string]string{
		"0000:00:01.0": "0x030000\n", // VGA
		"0000:01:00.0": "0x030200\n", // 3D controller
		"0000:00:02.0": "0x038000\n", // other display controller
		"0000:00:1f.2": "0x010601\n", // SATA
	} {
		dir := filepath.Join(root, dev)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "class"), []byte(class), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if n := countGPUs(root); n != 2 {
		t.Errorf("countGPUs = %d, want 2", n)
	}
	if n := countGPUs(filepath.Join(root, "missing")); n != 0 {
		t.Errorf("countGPUs of a missing dir = %d, want 0", n)
	}
}
