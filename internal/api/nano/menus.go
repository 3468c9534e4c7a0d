package nano

import (
	"strings"

	"github.com/kumo-cloud/kumo/internal/model"
)

// Menu names. The portal shows a page only when the session's "menu"
// list holds the name its routes give it, and its role editor sends those
// names: dashboard, compute_pool, address_pool, storage_pool, instance,
// image, media, templates, policies, user, log, visibility. The document
// names only the first four (as the portal does); Kumo's menus
// (model.Menus) spell four others differently. Replies use the portal's
// names; requests take either spelling.
var portalMenu = map[string]string{
	model.MenuDiskImage:      "image",
	model.MenuMediaImage:     "media",
	model.MenuTemplate:       "templates",
	model.MenuSecurityPolicy: "policies",
}

// menuOfPortal is portalMenu backwards.
var menuOfPortal = func() map[string]string {
	m := map[string]string{}
	for kumo, portal := range portalMenu {
		m[portal] = kumo
	}
	return m
}()

// portalMenus returns Kumo's menus as the portal names them, in order.
func portalMenus(menus []string) []string {
	out := make([]string, 0, len(menus))
	for _, m := range menus {
		if p, ok := portalMenu[m]; ok {
			m = p
		}
		out = append(out, m)
	}
	return out
}

// kumoMenus reads menus as a request gives them, in the portal's or
// Kumo's spelling; an unknown name is refused, naming the portal's.
func kumoMenus(menus []string) ([]string, error) {
	out := make([]string, 0, len(menus))
	for _, m := range menus {
		if k, ok := menuOfPortal[m]; ok {
			m = k
		}
		if !model.IsMenu(m) {
			return nil, model.FieldError("menu", "%q is not a menu; menus are %s", m, strings.Join(portalMenus(model.Menus), ", "))
		}
		out = append(out, m)
	}
	return out, nil
}
