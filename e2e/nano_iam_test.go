package e2e

import (
	"net/url"
	"reflect"
	"strings"
	"testing"
)

// loginAs opens a Nano session for a user and returns the client with the
// session's group and menus.
func (k *kumo) nanoLoginAs(t *testing.T, user, password string) (*nanoClient, string, []string) {
	t.Helper()
	n := k.nano(t)
	var s struct {
		Session string   `json:"session"`
		Group   string   `json:"group"`
		Menu    []string `json:"menu"`
	}
	n.must(200, "POST", "/sessions/", map[string]string{"user": user, "password": password, "nonce": "1"}, &s)
	n.session = s.Session
	return n, s.Group, s.Menu
}

// mustFail calls and fails the test unless the reply is the Nano envelope
// with the wanted error status.
func (n *nanoClient) mustFail(want int, method, path string, body any) nanoReply {
	n.t.Helper()
	r := n.call(method, path, body)
	if r.Status != want || r.ErrorCode != want || r.Message == "" {
		n.t.Fatalf("%s %s: HTTP %d error_code %d %q, want %d with a message", method, path, r.Status, r.ErrorCode, r.Message, want)
	}
	return r
}

// TestNanoIAM walks Nano's RBAC model end to end: an admin makes a role,
// a group and users; the roles limit what a user may call; resource
// visibility hides another member's guest and image until the group
// shares them; and every change lands in the operation log.
func TestNanoIAM(t *testing.T) {
	k := startKumo(t)
	k.uploadFile("tiny", tinyImage(t))
	admin := k.nano(t)
	admin.login()

	// A role, a group holding it, and two members.
	// The portal's role editor names the disk image menu "image"; Kumo's
	// own spelling, "disk_image", is taken too (below).
	admin.must(200, "POST", "/roles/operator", map[string]any{"menu": []string{"dashboard", "instance", "image"}}, nil)
	var operator struct{ Menu []string }
	admin.must(200, "GET", "/roles/operator", nil, &operator)
	if !reflect.DeepEqual(operator.Menu, []string{"dashboard", "instance", "image"}) {
		t.Fatalf("the role's menus as the portal reads them: %v", operator.Menu)
	}
	admin.mustFail(409, "POST", "/roles/operator", map[string]any{"menu": []string{"dashboard"}})
	admin.mustFail(400, "POST", "/roles/typo", map[string]any{"menu": []string{"instances"}})
	admin.mustFail(400, "POST", "/roles/empty", map[string]any{})
	admin.mustFail(404, "POST", "/user_groups/team", map[string]any{"display": "Team", "role": []string{"operator", "ghost"}})
	admin.mustFail(404, "GET", "/user_groups/team", nil) // the failed create left nothing
	admin.must(200, "POST", "/user_groups/team", map[string]any{"display": "Team", "role": []string{"operator"}}, nil)
	for _, u := range []string{"alice", "bob"} {
		admin.must(200, "POST", "/users/"+u, map[string]string{"nick": strings.ToUpper(u), "mail": u + "@example.com", "password": u + "-password"}, nil)
		admin.must(200, "POST", "/user_groups/team/members/"+u, nil, nil)
	}
	admin.mustFail(409, "POST", "/user_groups/team/members/bob", nil) // a member already
	admin.mustFail(400, "POST", "/users/carol", map[string]string{"password": "short"})
	var roles []string
	admin.must(200, "GET", "/roles/", nil, &roles)
	if !reflect.DeepEqual(roles, []string{"admin", "operator"}) {
		t.Fatalf("roles = %v", roles)
	}
	var group struct {
		Name, Display string
		Role, Member  []string
	}
	admin.must(200, "GET", "/user_groups/team", nil, &group)
	if group.Display != "Team" || !reflect.DeepEqual(group.Role, []string{"operator"}) || !reflect.DeepEqual(group.Member, []string{"alice", "bob"}) {
		t.Fatalf("group = %+v", group)
	}
	var members, found []string
	admin.must(200, "GET", "/user_groups/members/?group=team", nil, &members)
	admin.must(200, "GET", "/user_search/?group=team", nil, &found)
	if !reflect.DeepEqual(members, []string{"alice", "bob"}) || !reflect.DeepEqual(found, members) {
		t.Fatalf("members = %v, user search = %v", members, found)
	}

	// Alice owns a guest and a disk image (made for her by the admin, so
	// they land in her group).
	var guest, image struct{ ID string }
	admin.must(202, "POST", "/guests/", map[string]any{"name": "alices-guest", "owner": "alice", "pool": "default",
		"from_image": "tiny", "memory": 64 << 20, "cores": 1}, &guest)
	admin.must(202, "POST", "/disk_images/", map[string]any{"name": "alices-disk", "owner": "alice"}, &image)

	bob, bobGroup, bobMenu := k.nanoLoginAs(t, "bob", "bob-password")
	if bobGroup != "team" || !reflect.DeepEqual(bobMenu, []string{"dashboard", "instance", "image"}) {
		t.Fatalf("bob's session: group %q menu %v", bobGroup, bobMenu)
	}
	// The role limits what bob may call; what it allows works.
	bob.must(200, "GET", "/compute_pool_cells/", nil, nil)                 // instance holders read hosts, in every API
	bob.mustFail(403, "POST", "/compute_pool_cells/default/somecell", nil) // changing them needs compute_pool
	bob.must(200, "GET", "/compute_zone_status/", nil, nil)                // the dashboard shows the zone
	bob.mustFail(403, "GET", "/users/", nil)
	bob.mustFail(403, "POST", "/compute_pools/bobs-pool", map[string]any{})
	bob.mustFail(403, "GET", "/logs/", nil)
	bob.mustFail(403, "PUT", "/resource_visibilities/", map[string]bool{"instance_visible": true})
	var bobself struct{ Nick, Mail, Group string }
	bob.must(200, "GET", "/users/bob", nil, &bobself)
	if bobself.Nick != "BOB" || bobself.Mail != "bob@example.com" || bobself.Group != "team" {
		t.Fatalf("bob's profile = %+v", bobself)
	}
	bob.mustFail(403, "GET", "/users/alice", nil)

	// Visibility: bob sees neither alice's guest nor her image.
	sees := func(n *nanoClient) (guestSeen, imageSeen bool) {
		t.Helper()
		var guests []struct{ ID string }
		n.must(200, "GET", "/guest_search/?pool=default", nil, &guests)
		for _, g := range guests {
			guestSeen = guestSeen || g.ID == guest.ID
		}
		var images []struct{ ID string }
		n.must(200, "GET", "/disk_image_search/", nil, &images)
		for _, i := range images {
			imageSeen = imageSeen || i.ID == image.ID
		}
		// A single read agrees with the lists.
		if r := n.call("GET", "/guests/"+guest.ID, nil); (r.Status != 404) != guestSeen {
			t.Fatalf("GET /guests/%s: HTTP %d, but the search shows it: %v", guest.ID, r.Status, guestSeen)
		}
		if r := n.call("GET", "/disk_images/"+image.ID, nil); (r.Status != 404) != imageSeen {
			t.Fatalf("GET /disk_images/%s: HTTP %d, but the search shows it: %v", image.ID, r.Status, imageSeen)
		}
		return guestSeen, imageSeen
	}
	if g, i := sees(admin); !g || !i {
		t.Fatalf("the admin must see everything: guest %v image %v", g, i)
	}
	alice, _, _ := k.nanoLoginAs(t, "alice", "alice-password")
	if g, i := sees(alice); !g || !i {
		t.Fatalf("alice must see her own: guest %v image %v", g, i)
	}
	if g, i := sees(bob); g || i {
		t.Fatalf("bob sees alice's guest %v, image %v before the group shares them", g, i)
	}
	bob.mustFail(404, "DELETE", "/guests/"+guest.ID, nil)

	// The admin grants the visibility menu; bob shares the group's guests,
	// then its disk images.
	admin.must(200, "PUT", "/roles/operator", map[string]any{"menu": []string{"dashboard", "instance", "disk_image", "visibility"}}, nil)
	var vis struct {
		InstanceVisible  bool `json:"instance_visible"`
		DiskImageVisible bool `json:"disk_image_visible"`
	}
	bob.must(200, "GET", "/resource_visibilities/", nil, &vis)
	if vis.InstanceVisible || vis.DiskImageVisible {
		t.Fatalf("a new group shares nothing: %+v", vis)
	}
	bob.must(200, "PUT", "/resource_visibilities/", map[string]bool{"instance_visible": true}, nil)
	if g, i := sees(bob); !g || i {
		t.Fatalf("after sharing guests bob sees the guest %v, the image %v", g, i)
	}
	bob.must(200, "PUT", "/resource_visibilities/", map[string]bool{"disk_image_visible": true}, nil)
	bob.must(200, "GET", "/resource_visibilities/", nil, &vis)
	if !vis.InstanceVisible || !vis.DiskImageVisible {
		t.Fatalf("visibility = %+v", vis)
	}
	if g, i := sees(bob); !g || !i {
		t.Fatalf("after sharing both bob sees the guest %v, the image %v", g, i)
	}

	// Password change: the old password stops working.
	bob.mustFail(400, "PUT", "/users/bob/password/", map[string]string{"old": "wrong-password", "new": "bobs-new-password"})
	bob.must(200, "PUT", "/users/bob/password/", map[string]string{"old": "bob-password", "new": "bobs-new-password"}, nil)
	if r := k.nano(t).call("POST", "/sessions/", map[string]string{"user": "bob", "password": "bob-password"}); r.Status != 401 {
		t.Fatalf("login with the old password: HTTP %d", r.Status)
	}
	k.nanoLoginAs(t, "bob", "bobs-new-password")

	// The operation log holds who did what, refusals included; a search
	// is a read, whatever its method, and is not a change.
	admin.must(200, "POST", "/search/guests/", map[string]any{"limit": 10, "offset": 0}, nil)
	admin.must(200, "POST", "/logs/", map[string]string{"format": "string", "content": "maintenance window starts"}, nil)
	type logList struct {
		Logs []struct {
			ID, Time, Content string
		}
		Total int
	}
	var logs logList
	admin.must(200, "GET", "/logs/?limit=1000", nil, &logs)
	var all []string
	for _, l := range logs.Logs {
		all = append(all, l.Content)
	}
	joined := strings.Join(all, "\n")
	for _, want := range []string{
		"admin log in from 127.0.0.1",
		"admin create roles/operator",
		"admin create user_groups/team/members/bob",
		"admin modify roles/operator",
		"bob create compute_pools/bobs-pool (failed with 403",
		"bob modify resource_visibilities",
		"bob modify users/bob/password",
		"maintenance window starts",
	} {
		if !strings.Contains(joined, want) {
			t.Errorf("operation log lacks %q; it has:\n%s", want, joined)
		}
	}
	if strings.Contains(joined, "search/guests") {
		t.Errorf("a guest search is in the operation log as a change:\n%s", joined)
	}
	if logs.Total != len(logs.Logs) || logs.Logs[0].Content != "maintenance window starts" || logs.Logs[0].Time == "" {
		t.Fatalf("logs are not newest first or the total is wrong: total %d, first %+v", logs.Total, logs.Logs[0])
	}
	var page logList
	admin.must(200, "GET", "/logs/?limit=2&start=1", nil, &page)
	if len(page.Logs) != 2 || page.Logs[0].ID != logs.Logs[1].ID || page.Total < logs.Total {
		t.Fatalf("second page = %+v", page)
	}
	admin.mustFail(400, "GET", "/logs/?limit=abc", nil)
	admin.mustFail(400, "GET", "/logs/?after="+url.QueryEscape("last tuesday"), nil)
	admin.must(200, "DELETE", "/logs/", map[string][]string{"entries": {logs.Logs[0].ID}}, nil)
	admin.mustFail(404, "DELETE", "/logs/", map[string][]string{"entries": {logs.Logs[0].ID}})

	// Clean-up rules: a held role and a group with members stay.
	admin.mustFail(409, "DELETE", "/roles/operator", nil)
	admin.mustFail(409, "DELETE", "/user_groups/team", nil)
	admin.mustFail(409, "DELETE", "/users/admin", nil)
	admin.must(200, "DELETE", "/user_groups/team/members/alice", nil, nil)
	admin.must(200, "DELETE", "/users/alice", nil, nil)
	if r := alice.call("GET", "/sessions/"+alice.session, nil); r.Status != 401 {
		t.Fatalf("a deleted user's session still works: HTTP %d", r.Status)
	}
}
