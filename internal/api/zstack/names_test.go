package zstack

import (
	"strings"
	"testing"
)

// TestNamesWithHiddenCharactersAreRefused: a group or a scheduler
// trigger named with NUL or U+202E (right-to-left override) is refused
// with ZStack's invalid-argument error naming the field, at create and
// at rename, and nothing of it is stored.
func TestNamesWithHiddenCharactersAreRefused(t *testing.T) {
	a := newTestAPI(t)
	group := uuidOf(a.must(a.session, "POST", "/zstack/v1/accounts/groups", map[string]any{"params": map[string]any{"name": "ops"}}))
	trigger := uuidOf(a.must(a.session, "POST", "/zstack/v1/scheduler/triggers", map[string]any{"params": map[string]any{"name": "nightly",
		"startTime": 4102444800000.0}}))
	bad := map[string]string{"NUL": "ops\x00admin", "U+202E": "report\u202Eexe.txt"}
	for what, name := range bad {
		for _, c := range []struct{ what, method, path, key string }{
			{"create group", "POST", "/zstack/v1/accounts/groups", "params"},
			{"rename group", "PUT", "/zstack/v1/accounts/groups/actions", "updateUserGroup"},
			{"create trigger", "POST", "/zstack/v1/scheduler/triggers", "params"},
			{"rename trigger", "PUT", "/zstack/v1/scheduler/triggers/" + trigger + "/actions", "updateSchedulerTrigger"},
		} {
			params := map[string]any{"name": name}
			switch c.what {
			case "create trigger":
				params["startTime"] = 4102444800000.0
			case "rename group":
				params["uuid"] = group
			}
			status, out := a.call(a.session, c.method, c.path, map[string]any{c.key: params})
			e, _ := out["error"].(map[string]any)
			details, _ := e["details"].(string)
			if status != 400 || codeOf(out) != "SYS.1007" || !strings.Contains(details, "name") {
				t.Errorf("%s with %s in the name: %d %v, want 400 SYS.1007 naming the field", c.what, what, status, out)
			}
		}
	}
	for _, list := range []string{"/zstack/v1/accounts/groups", "/zstack/v1/scheduler/triggers"} {
		for _, inv := range a.must(a.session, "GET", list, nil)["inventories"].([]any) {
			name, _ := inv.(map[string]any)["name"].(string)
			if name != "ops" && name != "nightly" {
				t.Errorf("%s holds %q", list, name)
			}
		}
	}
	// The core's tables hold no such name either, whichever API asks.
	groups, err := a.srv.svc.ListUserGroups(a.adminContext(), true)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range groups {
		if strings.ContainsAny(g.Name, "\x00\u202E") {
			t.Errorf("a group named %q was stored", g.Name)
		}
	}
	triggers, err := a.srv.svc.ListScheduleTriggers(a.adminContext())
	if err != nil {
		t.Fatal(err)
	}
	if len(triggers) != 1 || triggers[0].Name != "nightly" {
		t.Errorf("triggers stored: %+v", triggers)
	}
}
