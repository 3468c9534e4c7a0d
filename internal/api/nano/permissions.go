package nano

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/kumo-cloud/kumo/internal/model"
)

// menusFor returns the menus (permissions) of which a caller must hold
// one to call a route; none means any logged-in caller. Nano's portal
// shows menus by the caller's roles; Kumo also enforces them, so a script
// cannot do what the portal would not offer. Reads that other features
// need (the pools, images and templates a new instance is made from) are
// open to those features' menus too. Routes that act on the caller's own
// account leave the check to the service (self, or the user menu).
func menusFor(method, path string) ([]string, error) {
	read := method == http.MethodGet
	either := func(readers []string, writers ...string) []string {
		if read {
			return append(writers, readers...)
		}
		return writers
	}
	const (
		dashboard   = model.MenuDashboard
		computePool = model.MenuComputePool
		addressPool = model.MenuAddressPool
		storagePool = model.MenuStoragePool
		instance    = model.MenuInstance
		diskImage   = model.MenuDiskImage
		mediaImage  = model.MenuMediaImage
		template    = model.MenuTemplate
		policy      = model.MenuSecurityPolicy
		user        = model.MenuUser
		log         = model.MenuLog
		visibility  = model.MenuVisibility
	)
	first, _, _ := strings.Cut(strings.TrimPrefix(path, "/"), "/")
	switch first {
	case "compute_pools":
		return either([]string{instance, dashboard}, computePool), nil
	case "compute_pool_cells":
		return []string{computePool}, nil
	case "storage_pools":
		return either([]string{computePool}, storagePool), nil
	case "compute_zone_status", "compute_pool_status":
		return []string{dashboard, computePool}, nil
	case "compute_cell_status":
		if strings.HasSuffix(path, "/storages/") {
			return either([]string{storagePool}, computePool), nil
		}
		return []string{dashboard, computePool}, nil
	case "instance_status":
		return []string{dashboard, computePool, instance}, nil
	case "address_pools":
		return either([]string{computePool}, addressPool), nil
	case "guest_search", "guests", "instances", "monitor_channels", "batch":
		return []string{instance}, nil
	case "migrations":
		// Moving guests between cells is pool administration.
		return []string{computePool}, nil
	case "search":
		if strings.HasPrefix(path, "/search/guests/") {
			return []string{instance}, nil
		}
		return []string{policy, instance}, nil
	case "media_image_search":
		return []string{mediaImage, instance}, nil
	case "media_images", "media_image_files":
		return either([]string{instance}, mediaImage), nil
	case "disk_image_search":
		return []string{diskImage, instance}, nil
	case "disk_images", "disk_image_files":
		return []string{diskImage}, nil
	case "templates":
		return either([]string{instance}, template), nil
	case "security_policy_groups":
		return either([]string{instance}, policy), nil
	case "roles", "user_groups", "user_search":
		return []string{user}, nil
	case "users":
		if path == "/users/" {
			return []string{user}, nil
		}
		return nil, nil // one's own profile and password: checked by the service
	case "sessions":
		return nil, nil
	case "resource_visibilities":
		if read {
			return nil, nil // everyone may see what it shares
		}
		return []string{visibility}, nil
	case "logs":
		return []string{log}, nil
	}
	return nil, fmt.Errorf("no permission is defined for %s %s", method, path)
}
