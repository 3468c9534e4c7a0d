package cli

import (
	"bytes"
	"testing"

	"github.com/kumo-cloud/kumo/pkg/api"
)

func TestWriteYAMLUsesAPINamesAndWholeNumbers(t *testing.T) {
	var b bytes.Buffer
	if err := writeYAML(&b, []api.Image{{Name: "debian-12", VirtualSize: 2147483648}}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"- created_at:", "  name: debian-12\n", "  virtual_size: 2147483648\n"} {
		if !bytes.Contains(b.Bytes(), []byte(want)) {
			t.Errorf("YAML lacks %q:\n%s", want, b.String())
		}
	}
}
