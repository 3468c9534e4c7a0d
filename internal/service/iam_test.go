package service

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/store"
)

// iamFixture is a service with its first admin logged in.
type iamFixture struct {
	s     *Service
	admin context.Context
}

func newIAMFixture(t *testing.T) iamFixture {
	t.Helper()
	ctx := context.Background()
	s := newTestService(t, Config{})
	if _, _, err := s.EnsureAdmin(ctx, "admin", "admin-password"); err != nil {
		t.Fatal(err)
	}
	return iamFixture{s: s, admin: loginAs(t, s, "admin", "admin-password")}
}

// loginAs logs in and returns a context carrying the principal the
// session resolves to, as the API layers build it.
func loginAs(t *testing.T, s *Service, name, password string) context.Context {
	t.Helper()
	ctx := context.Background()
	token, _, err := s.Login(ctx, name, password)
	if err != nil {
		t.Fatalf("login %s: %v", name, err)
	}
	p, _, err := s.Authenticate(ctx, token)
	if err != nil {
		t.Fatalf("authenticate %s: %v", name, err)
	}
	return WithPrincipal(ctx, p)
}

func wantCode(t *testing.T, what string, err error, code model.ErrorCode) {
	t.Helper()
	if !model.IsCode(err, code) {
		t.Fatalf("%s: got %v, want %s", what, err, code)
	}
}

func TestFirstAdminIsInAdminGroup(t *testing.T) {
	f := newIAMFixture(t)
	p, _ := PrincipalFrom(f.admin)
	if p.Group != model.AdminGroupName || !reflect.DeepEqual(p.Menu, model.Menus) || !p.FullAccess() {
		t.Fatalf("admin principal = %+v", p)
	}
}

func TestRolesAndGroups(t *testing.T) {
	f := newIAMFixture(t)
	s, ctx := f.s, f.admin
	if _, err := s.CreateMenuRole(ctx, "ops", []string{"instance", "dashboard", "instance"}); err != nil {
		t.Fatal(err)
	}
	r, err := s.GetRole(ctx, "ops")
	if err != nil || !reflect.DeepEqual(r.Menus(), []string{"dashboard", "instance"}) {
		t.Fatalf("role = %+v, %v (duplicates must be dropped)", r, err)
	}
	_, err = s.CreateRole(ctx, model.Role{Name: "ops"})
	wantCode(t, "duplicate role", err, model.CodeConflict)
	_, err = s.CreateMenuRole(ctx, "bad", []string{"coffee"})
	wantCode(t, "unknown menu", err, model.CodeInvalidArgument)
	_, err = s.CreateRole(ctx, model.Role{Name: "bad", Statements: []model.Statement{{Effect: model.Allow, Actions: []string{"coffee:brew"}}}})
	wantCode(t, "unknown permission", err, model.CodeInvalidArgument)
	_, err = s.CreateRole(ctx, model.Role{Name: "no spaces"})
	wantCode(t, "bad role name", err, model.CodeInvalidArgument)
	_, err = s.SetRoleMenus(ctx, model.AdminRoleName, []string{"dashboard"})
	wantCode(t, "changing the admin role", err, model.CodeConflict)
	_, err = s.SetRoleMenus(ctx, "nope", []string{"dashboard"})
	wantCode(t, "changing a missing role", err, model.CodeNotFound)
	wantCode(t, "deleting the admin role", s.DeleteRole(ctx, model.AdminRoleName, false), model.CodeConflict)

	// A group naming a missing role is not created at all.
	_, err = s.CreateUserGroup(ctx, model.UserGroup{Name: "devs", Roles: []string{"ops", "ghost"}})
	wantCode(t, "group with a missing role", err, model.CodeNotFound)
	if _, err := s.GetUserGroup(ctx, "devs"); !model.IsCode(err, model.CodeNotFound) {
		t.Fatalf("half-created group: %v", err)
	}
	if _, err := s.CreateUserGroup(ctx, model.UserGroup{Name: "devs", Display: "Developers", Roles: []string{"ops"}}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "deleting a held role", s.DeleteRole(ctx, "ops", false), model.CodeConflict)
	// An update naming a missing role leaves the group as it was.
	_, err = s.UpdateUserGroup(ctx, "devs", GroupUpdate{Display: ptr("Renamed"), Roles: &[]string{"ghost"}})
	wantCode(t, "update with a missing role", err, model.CodeNotFound)
	g, _ := s.GetUserGroup(ctx, "devs")
	if g.Display != "Developers" || !reflect.DeepEqual(g.Roles, []string{"ops"}) {
		t.Fatalf("group changed by a failed update: %+v", g)
	}

	if _, err := s.AddUser(ctx, "bob", "bobs-password", UserInfo{Nick: "Bob", Mail: "bob@example.com"}); err != nil {
		t.Fatal(err)
	}
	_, err = s.AddUser(ctx, "eve", "eves-password", UserInfo{Mail: "not a mail"})
	wantCode(t, "bad mail", err, model.CodeInvalidArgument)
	_, err = s.AddUser(ctx, "eve", "short", UserInfo{})
	wantCode(t, "short password", err, model.CodeInvalidArgument)
	if err := s.AddGroupMember(ctx, "devs", "bob"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "joining a group twice", s.AddGroupMember(ctx, "devs", "bob"), model.CodeConflict)
	wantCode(t, "missing user", s.AddGroupMember(ctx, "devs", "ghost"), model.CodeNotFound)
	wantCode(t, "deleting a group with members", s.DeleteUserGroup(ctx, "devs", false), model.CodeConflict)
	if m, err := s.GroupMembers(ctx, "devs"); err != nil || !reflect.DeepEqual(m, []string{"bob"}) {
		t.Fatalf("members = %v, %v", m, err)
	}

	// Bob's session carries the group's menus; they limit what bob may do.
	bob := loginAs(t, s, "bob", "bobs-password")
	p, _ := PrincipalFrom(bob)
	if p.Group != "devs" || !reflect.DeepEqual(p.Menu, []string{"dashboard", "instance"}) || p.FullAccess() {
		t.Fatalf("bob = %+v", p)
	}
	if err := Authorize(bob, model.PermVMCreate); err != nil {
		t.Fatalf("bob holds instance: %v", err)
	}
	wantCode(t, "bob lists roles", Authorize(bob, model.PermRoleRead), model.CodePermissionDenied)
	_, err = s.ListRoles(bob, false)
	wantCode(t, "bob lists roles", err, model.CodePermissionDenied)
	_, err = s.CreatePool(bob, "mine", PoolSettings{})
	wantCode(t, "bob creates a pool", err, model.CodePermissionDenied)
	// Granting a menu takes effect at bob's next request.
	if _, err := s.SetRoleMenus(ctx, "ops", []string{"instance", "compute_pool"}); err != nil {
		t.Fatal(err)
	}
	bob = loginAs(t, s, "bob", "bobs-password")
	if _, err := s.CreatePool(bob, "mine", PoolSettings{}); err != nil {
		t.Fatalf("bob creates a pool with compute_pool: %v", err)
	}
	// Anyone may read its own profile, but not others'.
	if u, err := s.GetUser(bob, "bob"); err != nil || u.Nick != "Bob" {
		t.Fatalf("bob reads himself: %+v, %v", u, err)
	}
	_, err = s.GetUser(bob, "admin")
	wantCode(t, "bob reads admin", err, model.CodePermissionDenied)

	if err := s.RemoveGroupMember(ctx, "devs", "bob"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "removing a non-member", s.RemoveGroupMember(ctx, "devs", "bob"), model.CodeNotFound)
	if err := s.DeleteUserGroup(ctx, "devs", false); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteRole(ctx, "ops", false); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "deleting the admin group", s.DeleteUserGroup(ctx, model.AdminGroupName, false), model.CodeConflict)
}

func TestPasswordChangeAndUserDeletion(t *testing.T) {
	f := newIAMFixture(t)
	s, ctx := f.s, f.admin
	if _, err := s.AddUser(ctx, "bob", "bobs-password", UserInfo{}); err != nil {
		t.Fatal(err)
	}
	other, _, err := s.Login(context.Background(), "bob", "bobs-password")
	if err != nil {
		t.Fatal(err)
	}
	bob := loginAs(t, s, "bob", "bobs-password")
	wantCode(t, "wrong old password", s.ChangePassword(bob, "bob", "guess-guess", "new-password"), model.CodeInvalidArgument)
	wantCode(t, "short new password", s.ChangePassword(bob, "bob", "bobs-password", "short"), model.CodeInvalidArgument)
	wantCode(t, "bob changes admin's password", s.ChangePassword(bob, "admin", "admin-password", "new-password"), model.CodePermissionDenied)
	if err := s.ChangePassword(bob, "bob", "bobs-password", "new-password"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Login(context.Background(), "bob", "bobs-password"); !model.IsCode(err, model.CodeUnauthenticated) {
		t.Fatalf("old password still works: %v", err)
	}
	// The session that changed the password lives on; the others end.
	if _, _, err := s.Authenticate(context.Background(), other); !model.IsCode(err, model.CodeUnauthenticated) {
		t.Fatalf("another session of bob survived the password change: %v", err)
	}
	if _, err := s.RenewSession(bob); err != nil {
		t.Fatalf("the changing session ended: %v", err)
	}

	admin, _ := PrincipalFrom(ctx)
	wantCode(t, "deleting oneself", s.DeleteUser(ctx, admin.Name), model.CodeConflict)
	wantCode(t, "bob deletes admin", s.DeleteUser(bob, "admin"), model.CodePermissionDenied)
	if err := s.DeleteUser(ctx, "bob"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "deleting a missing user", s.DeleteUser(ctx, "bob"), model.CodeNotFound)
}

func TestVisibilityHidesOthersResources(t *testing.T) {
	f := newIAMFixture(t)
	s, ctx := f.s, f.admin
	if _, err := s.CreateMenuRole(ctx, "member", []string{"instance", "disk_image", "visibility"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateUserGroup(ctx, model.UserGroup{Name: "team", Roles: []string{"member"}}); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"alice", "bob", "carol"} {
		if _, err := s.AddUser(ctx, u, u+"-password", UserInfo{}); err != nil {
			t.Fatal(err)
		}
		if u != "carol" { // carol is in no group
			if err := s.AddGroupMember(ctx, "team", u); err != nil {
				t.Fatal(err)
			}
		}
	}
	alice := loginAs(t, s, "alice", "alice-password")
	// Alice's image lands in her group by default.
	img, err := s.CreateImage(alice, UploadImageRequest{Name: "alices-disk"})
	if err != nil || img.Owner != "alice" || img.Group != "team" {
		t.Fatalf("alice's image = %+v, %v", img, err)
	}
	_, err = s.CreateImage(alice, UploadImageRequest{Name: "for-bob", Owner: "bob"})
	wantCode(t, "alice creates an image for bob", err, model.CodePermissionDenied)
	vm := model.VM{ID: "vm1", Name: "alices-vm", Owner: "alice", Group: "team", TenantID: model.DefaultTenantID}
	seen := func(ctx context.Context) (vmSeen, imgSeen bool) {
		t.Helper()
		_, err := s.GetImage(ctx, img.ID)
		imgs, _ := s.ListImages(ctx)
		if (err == nil) != (len(imgs) == 1) {
			t.Fatalf("GetImage (%v) and ListImages (%d) disagree", err, len(imgs))
		}
		return CanSeeVM(ctx, vm), err == nil
	}
	bob, carol := loginAs(t, s, "bob", "bob-password"), loginAs(t, s, "carol", "carol-password")
	for name, c := range map[string]context.Context{"alice": alice, "bob": bob, "carol": carol, "admin": ctx} {
		v, i := seen(c)
		want := name == "alice" || name == "admin"
		if v != want || i != want {
			t.Errorf("before sharing, %s sees the VM %v and the image %v; want %v", name, v, i, want)
		}
	}
	if _, err := s.GetImage(bob, img.ID); !model.IsCode(err, model.CodeNotFound) {
		t.Fatalf("a hidden image must be not found, got %v", err)
	}
	// Bob shares instances (not disk images) in his group.
	if err := s.SetVisibility(bob, model.Visibility{Instances: true}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "carol without a group", s.SetVisibility(carol, model.Visibility{Instances: true}), model.CodePermissionDenied)
	bob, carol = loginAs(t, s, "bob", "bob-password"), loginAs(t, s, "carol", "carol-password")
	if v, i := seen(bob); !v || i {
		t.Fatalf("after sharing instances bob sees the VM %v and the image %v", v, i)
	}
	if v, i := seen(carol); v || i {
		t.Fatalf("carol, in no group, sees the VM %v and the image %v", v, i)
	}
	if err := s.SetVisibility(bob, model.Visibility{Instances: true, DiskImages: true}); err != nil {
		t.Fatal(err)
	}
	bob = loginAs(t, s, "bob", "bob-password")
	if v, i := seen(bob); !v || !i {
		t.Fatalf("after sharing everything bob sees the VM %v and the image %v", v, i)
	}
	if got, err := s.GetVisibility(bob); err != nil || got != (model.Visibility{Instances: true, DiskImages: true}) {
		t.Fatalf("visibility = %+v, %v", got, err)
	}
}

func TestOperationLogs(t *testing.T) {
	f := newIAMFixture(t)
	s, ctx := f.s, f.admin
	for _, c := range []string{"first", "second", "third"} {
		if err := s.RecordOperation(ctx, "10.0.0.1", "admin did "+c); err != nil {
			t.Fatal(err)
		}
	}
	logs, total, err := s.ListOperationLogs(ctx, store.LogFilter{Limit: 2})
	if err != nil || total != 3 || len(logs) != 2 || logs[0].Content != "admin did third" || logs[0].User != "admin" {
		t.Fatalf("logs = %+v, total %d, %v", logs, total, err)
	}
	if logs[0].ID <= logs[1].ID || !logIDRE.MatchString(logs[0].ID) {
		t.Fatalf("ids must be increasing digits: %s after %s", logs[0].ID, logs[1].ID)
	}
	// Deleting is all or nothing.
	wantCode(t, "delete with a missing id", s.DeleteOperationLogs(ctx, []string{logs[0].ID, "20000101000000000000"}), model.CodeNotFound)
	wantCode(t, "delete a malformed id", s.DeleteOperationLogs(ctx, []string{"x'; DROP"}), model.CodeInvalidArgument)
	if _, total, _ := s.ListOperationLogs(ctx, store.LogFilter{}); total != 3 {
		t.Fatalf("a failed delete removed entries: %d left", total)
	}
	if err := s.DeleteOperationLogs(ctx, []string{logs[0].ID, logs[1].ID}); err != nil {
		t.Fatal(err)
	}
	if left, total, _ := s.ListOperationLogs(ctx, store.LogFilter{}); total != 1 || left[0].Content != "admin did first" {
		t.Fatalf("after delete: %+v", left)
	}
	wantCode(t, "empty content", s.AddOperationLog(ctx, "", ""), model.CodeInvalidArgument)
	_, _, err = s.ListOperationLogs(ctx, store.LogFilter{After: time.Now(), Before: time.Now().Add(-time.Hour)})
	wantCode(t, "before earlier than after", err, model.CodeInvalidArgument)

	if _, err := s.AddUser(ctx, "bob", "bobs-password", UserInfo{}); err != nil {
		t.Fatal(err)
	}
	bob := loginAs(t, s, "bob", "bob"+"s-password")
	_, _, err = s.ListOperationLogs(bob, store.LogFilter{})
	wantCode(t, "bob reads logs", err, model.CodePermissionDenied)
}

func ptr[T any](v T) *T { return &v }
