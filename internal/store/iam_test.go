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
			role, err := db.GetRole(ctx, model.DefaultTenantID, model.AdminRoleName)
			if err != nil || !role.Builtin || !reflect.DeepEqual(role.Menus(), model.Menus) {
				t.Fatalf("built-in role = %+v (menus %v), %v; want every menu %v", role, role.Menus(), err, model.Menus)
			}
			g, err := db.GetUserGroup(ctx, model.DefaultTenantID, model.AdminGroupName)
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
			tenant := model.DefaultTenantID
			for _, r := range []model.Role{model.MenuRole("ops", []string{"instance", "dashboard"}), model.MenuRole("viewer", []string{"dashboard", "log"})} {
				r.ID, r.TenantID, r.CreatedAt = r.Name+"-id", tenant, now
				if err := db.CreateRole(ctx, r); err != nil {
					t.Fatal(err)
				}
			}
			if err := db.CreateRole(ctx, model.Role{ID: "other", TenantID: tenant, Name: "ops"}); !errors.Is(err, ErrConflict) {
				t.Fatalf("duplicate role: %v", err)
			}
			if err := db.CreateUserGroup(ctx, model.UserGroup{ID: "devs-id", TenantID: tenant, Name: "devs", Display: "Developers", CreatedAt: now}); err != nil {
				t.Fatal(err)
			}
			if err := db.SetGroupRoles(ctx, "devs-id", []string{"ops-id", "viewer-id"}); err != nil {
				t.Fatal(err)
			}
			if err := db.SetGroupRoles(ctx, "devs-id", []string{"ops-id", "viewer-id"}); err != nil {
				t.Fatalf("setting the same roles again: %v", err)
			}
			for _, u := range []string{"bob", "alice"} {
				if err := db.CreateUser(ctx, model.User{ID: u + "-id", Name: u, PasswordHash: "h", Role: model.RoleUser, Nick: "N" + u, CreatedAt: now}); err != nil {
					t.Fatal(err)
				}
			}
			// Without a group or binding a user has no statements.
			a, err := db.UserAccess(ctx, "bob-id")
			if err != nil || len(a.Groups) != 0 || len(a.Statements) != 0 || len(a.Menus) != 0 {
				t.Fatalf("access without a group = %+v, %v", a, err)
			}
			if err := db.AddGroupMember(ctx, "devs-id", "bob-id"); err != nil {
				t.Fatal(err)
			}
			if err := db.AddGroupMember(ctx, "devs-id", "bob-id"); !errors.Is(err, ErrConflict) {
				t.Fatalf("joining a group twice: %v, want ErrConflict", err)
			}
			a, err = db.UserAccess(ctx, "bob-id")
			if err != nil || !reflect.DeepEqual(a.Groups, []string{"devs"}) || !reflect.DeepEqual(a.Menus, []string{"dashboard", "instance", "log"}) ||
				len(a.Statements) != 2 || a.Visibility.Instances {
				t.Fatalf("access = %+v, %v", a, err)
			}
			// A role bound to the user directly adds its statements.
			deny := model.Role{ID: "deny-id", TenantID: tenant, Name: "no-delete", CreatedAt: now,
				Statements: []model.Statement{{Effect: model.Deny, Actions: []string{"vm:delete"}, Given: []string{"DestroyVmInstance"}}}}
			if err := db.CreateRole(ctx, deny); err != nil {
				t.Fatal(err)
			}
			if err := db.BindUserRole(ctx, "bob-id", "deny-id"); err != nil {
				t.Fatal(err)
			}
			if a, _ = db.UserAccess(ctx, "bob-id"); len(a.Statements) != 3 || !reflect.DeepEqual(a.Statements[0], deny.Statements[0]) {
				t.Fatalf("statements with a user binding = %+v", a.Statements)
			}
			g, err := db.GetUserGroup(ctx, tenant, "devs")
			if err != nil {
				t.Fatal(err)
			}
			g.Visibility.Instances = true
			if err := db.UpdateUserGroup(ctx, g); err != nil {
				t.Fatal(err)
			}
			if a, _ = db.UserAccess(ctx, "bob-id"); !a.Visibility.Instances || a.Visibility.DiskImages {
				t.Fatalf("visibility after set = %+v", a.Visibility)
			}
			u, err := db.GetUserByName(ctx, "bob")
			if err != nil || u.Group != "devs" || u.Nick != "Nbob" || u.TenantID != tenant {
				t.Fatalf("user = %+v, %v", u, err)
			}
			g, err = db.GetUserGroup(ctx, tenant, "devs-id")
			if err != nil || g.Display != "Developers" || g.MemberCount != 1 || !reflect.DeepEqual(g.Members, []string{"bob"}) ||
				!reflect.DeepEqual(g.Roles, []string{"ops", "viewer"}) {
				t.Fatalf("group = %+v, %v", g, err)
			}
			if in, _ := db.GroupsWithRole(ctx, "viewer-id"); !reflect.DeepEqual(in, []string{"devs"}) {
				t.Fatalf("groups with viewer = %v", in)
			}
			if err := db.RemoveGroupMember(ctx, "devs-id", "alice-id"); !errors.Is(err, ErrNotFound) {
				t.Fatalf("removing a non-member: %v", err)
			}
			// Deleting a user takes its memberships and bindings with it.
			if err := db.DeleteUser(ctx, "bob-id"); err != nil {
				t.Fatal(err)
			}
			if m, _ := db.GroupMembers(ctx, "devs-id"); len(m) != 0 {
				t.Fatalf("members after deleting the user: %v", m)
			}
			if in, _ := db.UsersWithRole(ctx, "deny-id"); len(in) != 0 {
				t.Fatalf("bindings after deleting the user: %v", in)
			}
			if err := db.DeleteUserGroup(ctx, "devs-id"); err != nil {
				t.Fatal(err)
			}
			if in, _ := db.GroupsWithRole(ctx, "viewer-id"); len(in) != 0 {
				t.Fatalf("role links survived their group: %v", in)
			}
			if err := db.DeleteRole(ctx, "viewer-id"); err != nil {
				t.Fatal(err)
			}
			if _, err := db.GetRole(ctx, tenant, "viewer"); !errors.Is(err, ErrNotFound) {
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
// users join none, and all belong to the platform's tenant.
func TestIAMMigrationAdoptsAdmins(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "kumo.db")
	old := oldSchema(t, path, 2)
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
	if err != nil || root.Group != model.AdminGroupName || root.TenantID != model.DefaultTenantID || root.PasswordForm != model.PasswordPlain {
		t.Fatalf("upgraded admin = %+v, %v", root, err)
	}
	joe, err := db.GetUserByName(ctx, "joe")
	if err != nil || joe.Group != "" {
		t.Fatalf("upgraded user = %+v, %v", joe, err)
	}
}

// oldSchema opens a SQLite database at path migrated up to version.
func oldSchema(t *testing.T, path string, version int64) *sql.DB {
	t.Helper()
	old, err := sql.Open("sqlite", "file:"+path+"?_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	sub, _ := fs.Sub(migrations, "migrations")
	provider, err := goose.NewProvider(goose.DialectSQLite3, old, sub)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := provider.UpTo(context.Background(), version); err != nil {
		t.Fatal(err)
	}
	return old
}

// TestTenantMigration checks the upgrade to tenants: Nano's roles and
// groups keep their menus, members and visibility, and a DBC wallet that
// owns objects becomes a tenant with one user, owning them.
func TestTenantMigration(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "kumo.db")
	old := oldSchema(t, path, 9)
	for _, stmt := range []string{
		`INSERT INTO users (id, name, password_hash, role, created_at) VALUES ('u1', 'ann', 'h', 'user', 1)`,
		`INSERT INTO roles (name, menu, created_at) VALUES ('ops', 'instance,log', 1), ('none', '', 1)`,
		`INSERT INTO user_groups (name, display, instance_visible, created_at) VALUES ('devs', 'Developers', TRUE, 1)`,
		`INSERT INTO user_group_roles (group_name, role_name) VALUES ('devs', 'ops')`,
		`INSERT INTO user_group_members (user_id, group_name) VALUES ('u1', 'devs')`,
		`INSERT INTO pools (id, name, created_at) VALUES ('p', 'p', 1)`,
		`INSERT INTO hosts (id, name, pool_id, state, created_at) VALUES ('h', 'h', 'p', 'online', 1)`,
		`INSERT INTO vms (id, name, pool_id, host_id, cores, memory_mib, disk_bytes, clone_mode, power_state, status, owner, created_at, updated_at)
			VALUES ('v1', 'anns', 'p', 'h', 1, 256, 1024, 'cow', 'stopped', 'stopped', 'ann', 1, 1),
			('v2', 'wallets', 'p', 'h', 2, 512, 2048, 'cow', 'running', 'running', 'dbc:5Wallet', 1, 1)`,
		`INSERT INTO lans (name, cidr, host_id, owner, mcast_group, mcast_port, created_at) VALUES ('lan1', '10.0.0.0/24', 'h', 'dbc:5Wallet', '239.192.0.1', 20000, 1)`,
	} {
		if _, err := old.ExecContext(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	old.Close()
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	g, err := db.GetUserGroup(ctx, model.DefaultTenantID, "devs")
	if err != nil || g.Display != "Developers" || !g.Visibility.Instances || !reflect.DeepEqual(g.Members, []string{"ann"}) ||
		!reflect.DeepEqual(g.Roles, []string{"ops"}) {
		t.Fatalf("migrated group = %+v, %v", g, err)
	}
	for name, want := range map[string][]string{"ops": {"instance", "log"}, "none": {}} {
		r, err := db.GetRole(ctx, model.DefaultTenantID, name)
		if err != nil || !reflect.DeepEqual(r.Menus(), want) {
			t.Errorf("migrated role %s = %+v (menus %v), %v; want menus %v", name, r, r.Menus(), err, want)
		}
	}
	a, err := db.UserAccess(ctx, "u1")
	if err != nil || !reflect.DeepEqual(a.Menus, []string{"instance", "log"}) {
		t.Fatalf("migrated access = %+v, %v", a, err)
	}
	tn, err := db.GetTenant(ctx, "dbc:5Wallet")
	if err != nil || tn.Kind != model.TenantWallet {
		t.Fatalf("wallet tenant = %+v, %v", tn, err)
	}
	w, err := db.GetUser(ctx, "dbc:5Wallet")
	if err != nil || !w.TenantAdmin || w.TenantID != tn.ID || w.PasswordHash != "" {
		t.Fatalf("wallet user = %+v, %v", w, err)
	}
	for id, tenant := range map[string]string{"v1": model.DefaultTenantID, "v2": tn.ID} {
		if vm, err := db.GetVM(ctx, id); err != nil || vm.TenantID != tenant {
			t.Errorf("VM %s tenant = %q, %v; want %q", id, vm.TenantID, err, tenant)
		}
	}
	if l, err := db.GetLAN(ctx, "lan1"); err != nil || l.TenantID != tn.ID {
		t.Errorf("LAN tenant = %q, %v", l.TenantID, err)
	}
	used, err := db.TenantUsage(ctx, tn.ID)
	if err != nil || used[model.QuotaVMCount] != 1 || used[model.QuotaVMCores] != 2 || used[model.QuotaVMRunning] != 1 || used[HoldsLANs] != 1 {
		t.Fatalf("wallet usage = %v, %v", used, err)
	}
}
