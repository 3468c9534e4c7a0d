package store

import (
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/kumo-cloud/kumo/internal/model"
)

func TestBuiltinAdminGroup(t *testing.T) {
	for name, db := range openTestDBs(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			role, err := db.GetRole(ctx, model.AdminRoleName)
			if err != nil || !reflect.DeepEqual(role.Menu, model.Menus) {
				t.Fatalf("built-in role = %+v, %v; want every menu %v", role, err, model.Menus)
			}
			g, err := db.GetUserGroup(ctx, model.AdminGroupName)
			if err != nil || !reflect.DeepEqual(g.Roles, []string{model.AdminRoleName}) {
				t.Fatalf("built-in group = %+v, %v", g, err)
			}
		})
	}
}

func TestGroupsRolesAndAccess(t *testing.T) {
	for name, db := range openTestDBs(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			now := time.Now()
			for _, r := range []model.Role{{Name: "ops", Menu: []string{"instance", "dashboard"}}, {Name: "viewer", Menu: []string{"dashboard", "log"}}} {
				if err := db.CreateRole(ctx, r, now); err != nil {
					t.Fatal(err)
				}
			}
			if err := db.CreateRole(ctx, model.Role{Name: "ops"}, now); !errors.Is(err, ErrConflict) {
				t.Fatalf("duplicate role: %v", err)
			}
			if err := db.CreateUserGroup(ctx, model.UserGroup{Name: "devs", Display: "Developers", CreatedAt: now}); err != nil {
				t.Fatal(err)
			}
			if err := db.SetGroupRoles(ctx, "devs", []string{"ops", "viewer"}); err != nil {
				t.Fatal(err)
			}
			if err := db.SetGroupRoles(ctx, "devs", []string{"ops", "viewer"}); err != nil {
				t.Fatalf("setting the same roles again: %v", err)
			}
			for _, u := range []string{"bob", "alice"} {
				if err := db.CreateUser(ctx, model.User{ID: u + "-id", Name: u, PasswordHash: "h", Role: model.RoleUser, Nick: "N" + u, CreatedAt: now}); err != nil {
					t.Fatal(err)
				}
			}
			// Without a group a user has no menus.
			a, err := db.UserAccess(ctx, "bob-id")
			if err != nil || a.Group != "" || len(a.Menu) != 0 {
				t.Fatalf("access without a group = %+v, %v", a, err)
			}
			if err := db.AddGroupMember(ctx, "devs", "bob-id"); err != nil {
				t.Fatal(err)
			}
			if err := db.AddGroupMember(ctx, model.AdminGroupName, "bob-id"); !errors.Is(err, ErrConflict) {
				t.Fatalf("a second group for one user: %v, want ErrConflict", err)
			}
			a, err = db.UserAccess(ctx, "bob-id")
			if err != nil || a.Group != "devs" || !reflect.DeepEqual(a.Menu, []string{"instance", "dashboard", "log"}) || a.Visibility.Instances {
				t.Fatalf("access = %+v, %v", a, err)
			}
			if err := db.SetGroupVisibility(ctx, "devs", model.Visibility{Instances: true}); err != nil {
				t.Fatal(err)
			}
			if a, _ = db.UserAccess(ctx, "bob-id"); !a.Visibility.Instances || a.Visibility.DiskImages {
				t.Fatalf("visibility after set = %+v", a.Visibility)
			}
			u, err := db.GetUserByName(ctx, "bob")
			if err != nil || u.Group != "devs" || u.Nick != "Nbob" {
				t.Fatalf("user = %+v, %v", u, err)
			}
			g, err := db.GetUserGroup(ctx, "devs")
			if err != nil || g.Display != "Developers" || g.MemberCount != 1 || !reflect.DeepEqual(g.Members, []string{"bob"}) ||
				!reflect.DeepEqual(g.Roles, []string{"ops", "viewer"}) {
				t.Fatalf("group = %+v, %v", g, err)
			}
			if in, _ := db.GroupsWithRole(ctx, "viewer"); !reflect.DeepEqual(in, []string{"devs"}) {
				t.Fatalf("groups with viewer = %v", in)
			}
			if err := db.RemoveGroupMember(ctx, "devs", "alice-id"); !errors.Is(err, ErrNotFound) {
				t.Fatalf("removing a non-member: %v", err)
			}
			// Deleting a user takes its membership with it.
			if err := db.DeleteUser(ctx, "bob-id"); err != nil {
				t.Fatal(err)
			}
			if m, _ := db.GroupMembers(ctx, "devs"); len(m) != 0 {
				t.Fatalf("members after deleting the user: %v", m)
			}
			if err := db.DeleteUserGroup(ctx, "devs"); err != nil {
				t.Fatal(err)
			}
			if in, _ := db.GroupsWithRole(ctx, "viewer"); len(in) != 0 {
				t.Fatalf("role links survived their group: %v", in)
			}
			if err := db.DeleteRole(ctx, "viewer"); err != nil {
				t.Fatal(err)
			}
			if _, err := db.GetRole(ctx, "viewer"); !errors.Is(err, ErrNotFound) {
				t.Fatalf("deleted role: %v", err)
			}
		})
	}
}

func TestOperationLogFilter(t *testing.T) {
	for name, db := range openTestDBs(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			base := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
			for i := 0; i < 5; i++ {
				l := model.OperationLog{ID: string(rune('a' + i)), Time: base.Add(time.Duration(i) * time.Hour), User: "u", Content: "c"}
				if err := db.CreateOperationLog(ctx, l); err != nil {
					t.Fatal(err)
				}
			}
			ids := func(ls []model.OperationLog) string {
				var s string
				for _, l := range ls {
					s += l.ID
				}
				return s
			}
			tests := []struct {
				f     LogFilter
				want  string
				total int
			}{
				{LogFilter{}, "edcba", 5},
				{LogFilter{Limit: 2}, "ed", 5},
				{LogFilter{Limit: 2, Offset: 2}, "cb", 5},
				{LogFilter{Offset: 4}, "a", 5},
				{LogFilter{After: base.Add(time.Hour), Before: base.Add(3 * time.Hour)}, "cb", 2},
			}
			for _, tc := range tests {
				got, total, err := db.ListOperationLogs(ctx, tc.f)
				if err != nil || ids(got) != tc.want || total != tc.total {
					t.Errorf("%+v: got %q total %d, %v; want %q total %d", tc.f, ids(got), total, err, tc.want, tc.total)
				}
			}
			if err := db.DeleteOperationLog(ctx, "c"); err != nil {
				t.Fatal(err)
			}
			if ok, _ := db.OperationLogExists(ctx, "c"); ok {
				t.Fatal("deleted entry still exists")
			}
		})
	}
}

// TestIAMMigrationAdoptsAdmins checks the upgrade of an install made
// before user groups: its admins join the built-in admin group, its other
// users join none.
func TestIAMMigrationAdoptsAdmins(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "kumo.db")
	old, err := sql.Open("sqlite", "file:"+path+"?_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	sub, _ := fs.Sub(migrations, "migrations")
	provider, err := goose.NewProvider(goose.DialectSQLite3, old, sub)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := provider.UpTo(ctx, 2); err != nil {
		t.Fatal(err)
	}
	for _, u := range [][2]string{{"root", model.RoleAdmin}, {"joe", model.RoleUser}} {
		if _, err := old.ExecContext(ctx, `INSERT INTO users (id, name, password_hash, role, created_at) VALUES ($1, $1, 'h', $2, 1)`, u[0], u[1]); err != nil {
			t.Fatal(err)
		}
	}
	old.Close()
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	root, err := db.GetUserByName(ctx, "root")
	if err != nil || root.Group != model.AdminGroupName {
		t.Fatalf("upgraded admin = %+v, %v", root, err)
	}
	joe, err := db.GetUserByName(ctx, "joe")
	if err != nil || joe.Group != "" {
		t.Fatalf("upgraded user = %+v, %v", joe, err)
	}
}
