package nano

import (
	"slices"
	"testing"

	"github.com/kumo-cloud/kumo/internal/model"
)

// The names the portal's routes (src/routes.js) and its role editor
// (getAllMenus in src/nano_api.js) use, in its order.
var portalNames = []string{"dashboard", "compute_pool", "address_pool", "storage_pool", "instance", "image", "media",
	"templates", "policies", "user", "log", "visibility"}

// TestMenuNames checks that every menu is shown under the portal's name,
// and that requests take the portal's and Kumo's spelling alike.
func TestMenuNames(t *testing.T) {
	if got := portalMenus(model.Menus); !slices.Equal(got, portalNames) {
		t.Fatalf("menus as the portal sees them: %v, want %v", got, portalNames)
	}
	for _, names := range [][]string{portalNames, model.Menus} {
		got, err := kumoMenus(names)
		if err != nil || !slices.Equal(got, model.Menus) {
			t.Errorf("menus %v read as %v %v, want %v", names, got, err, model.Menus)
		}
	}
	if _, err := kumoMenus([]string{"instance", "images"}); !model.IsCode(err, model.CodeInvalidArgument) {
		t.Fatalf("an unknown menu: %v", err)
	}
}
