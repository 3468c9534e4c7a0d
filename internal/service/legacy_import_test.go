package service

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/store"
)

// legacyWorld is an installation from before tenants: users made by
// ZStack's CreateAccount and CreateUser in the platform's tenant, their
// VMs and images, and the dialect's documents about them.
type legacyWorld struct {
	acme, beta, worker, guard, nano, root2 model.User
	vm, nanoVM                             model.VM
	img                                    model.Image
	in                                     LegacyImport
}

func zidOf(id string) string { return strings.ReplaceAll(id, "-", "") }

func newLegacyWorld(t *testing.T, s *Service) legacyWorld {
	t.Helper()
	admin := adminCtx()
	var w legacyWorld
	for _, u := range []struct {
		to   *model.User
		name string
		role string
	}{{&w.acme, "acme", ""}, {&w.beta, "beta", ""}, {&w.worker, "worker", ""}, {&w.guard, "guard", ""}, {&w.nano, "nano", ""},
		{&w.root2, "root2", model.RoleAdmin}} {
		var err error
		if *u.to, err = s.CreateUser(admin, CreateUserRequest{Name: u.name, Password: u.name + "-password", Role: u.role}); err != nil {
			t.Fatal(err)
		}
	}
	pool := mustPool(t, s, model.DefaultPoolName)
	if err := s.db.CreateHost(admin, model.Host{ID: "h", Name: "h", PoolID: pool.ID, State: model.HostOnline, LastHeartbeat: heardUntilTestEnds, Enabled: true,
		MemoryBytes: 1 << 40, CreatedAt: now()}); err != nil {
		t.Fatal(err)
	}
	vm := func(name, owner string) model.VM {
		v := model.VM{ID: newID(), Name: name, PoolID: pool.ID, HostID: "h", Cores: 1, MemoryMiB: 64, CloneMode: model.CloneCOW,
			PowerState: model.PowerStopped, Status: model.PowerStopped, Owner: owner, TenantID: model.DefaultTenantID,
			CreatedAt: now(), UpdatedAt: now()}
		if err := s.db.CreateVM(admin, v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	w.vm, w.nanoVM = vm("acme-vm", "acme"), vm("nano-vm", "nano")
	w.img = model.Image{ID: newID(), Name: "acme-img", Format: model.FormatQCOW2, State: model.ImageReady, VirtualSize: 1 << 20,
		Owner: "acme", TenantID: model.DefaultTenantID, Tags: []string{}, CreatedAt: now(), UpdatedAt: now()}
	if err := s.db.CreateImage(admin, w.img); err != nil {
		t.Fatal(err)
	}

	// The documents, under their old keys, and what the dialect makes of
	// them. The user "ghost" and the VM "lost" are gone.
	allow, deny, ops, job, trigger, price, server, binding := newID(), newID(), newID(), newID(), newID(), newID(), newID(), newID()
	ghost, lost := newID(), newID()
	src := func(kind, uuid string, body map[string]any) LegacySource {
		raw, _ := json.Marshal(body)
		if err := s.db.PutZStackResource(admin, store.ZStackResource{Kind: kind, UUID: uuid, Body: raw, CreatedAt: now()}); err != nil {
			t.Fatal(err)
		}
		return LegacySource{kind, uuid}
	}
	acct := func(u model.User) map[string]any { return map[string]any{"uuid": zidOf(u.ID), "name": u.Name} }
	user := func(u model.User) map[string]any {
		return map[string]any{"uuid": zidOf(u.ID), "accountUuid": zidOf(w.acme.ID), "name": u.Name}
	}
	w.in = LegacyImport{
		Accounts: []LegacyAccount{
			{From: src("account", zidOf(w.acme.ID), acct(w.acme)), UserID: w.acme.ID, Description: "ACME Corp"},
			{From: src("account", zidOf(w.beta.ID), acct(w.beta)), UserID: w.beta.ID},
			{From: src("account", zidOf(w.root2.ID), acct(w.root2)), UserID: w.root2.ID, Description: "second admin"},
		},
		Roles: []LegacyRole{
			{From: src("policy", zidOf(allow), map[string]any{"uuid": zidOf(allow)}), AccountID: w.acme.ID, Role: model.Role{ID: allow,
				Name: "starters", Statements: []model.Statement{{Effect: model.Allow, Actions: []string{"vm:start"},
					Given: []string{"instance:APIStartVmInstanceMsg"}}}}},
			{From: src("policy", zidOf(deny), map[string]any{"uuid": zidOf(deny)}), AccountID: w.acme.ID, Role: model.Role{ID: deny,
				Name: "no-start", Statements: []model.Statement{{Effect: model.Deny, Actions: []string{"vm:start"}}}}},
		},
		Users: []LegacyUser{
			{From: src("user", zidOf(w.worker.ID), user(w.worker)), UserID: w.worker.ID, AccountID: w.acme.ID, RoleIDs: []string{allow}},
			{From: src("user", zidOf(w.guard.ID), user(w.guard)), UserID: w.guard.ID, AccountID: w.acme.ID, RoleIDs: []string{allow}},
			{From: src("user", zidOf(ghost), map[string]any{"uuid": zidOf(ghost)}), UserID: ghost, AccountID: w.acme.ID},
			// A user of an admin's account would hold platform permissions
			// through its policies in the platform's tenant: not converted.
			{From: src("user", zidOf(w.nano.ID), user(w.nano)), UserID: w.nano.ID, AccountID: w.root2.ID, RoleIDs: []string{allow}},
		},
		Groups: []LegacyGroup{{From: src("group", zidOf(ops), map[string]any{"uuid": zidOf(ops)}), AccountID: w.acme.ID,
			Group: model.UserGroup{ID: ops, Name: "ops"}, MemberIDs: []string{w.guard.ID, ghost}, RoleIDs: []string{deny}}},
		Quotas: []LegacyQuota{{From: src("quota", zidOf(w.acme.ID)+":vm.cpuNum", map[string]any{"name": "vm.cpuNum"}),
			AccountID: w.acme.ID, Name: model.QuotaVMCores, Value: 1}},
		Shares: []LegacyShare{
			{From: src("share", zidOf(w.vm.ID)+":"+zidOf(w.beta.ID), map[string]any{}), ObjectKind: "vm", ObjectID: w.vm.ID, ReceiverID: w.beta.ID},
			{From: src("share", zidOf(w.img.ID)+":public", map[string]any{}), ObjectKind: "image", ObjectID: w.img.ID, Public: true},
			{From: src("share", zidOf(lost)+":public", map[string]any{}), ObjectKind: "vm", ObjectID: lost, Public: true},
		},
		Jobs: []LegacyScheduleJob{
			{From: src("schedulerJob", zidOf(job), map[string]any{}), OwnerID: w.acme.ID, Job: model.ScheduleJob{ID: job, Name: "nightly",
				VMID: w.vm.ID, Action: model.ScheduleStop, GivenType: "stopVm", Enabled: true}},
			{From: src("schedulerJob", zidOf(lost), map[string]any{}), OwnerID: w.acme.ID, Job: model.ScheduleJob{ID: lost, Name: "gone",
				VMID: lost, Action: model.ScheduleStop}},
		},
		Triggers: []LegacyScheduleTrigger{{From: src("schedulerTrigger", zidOf(trigger), map[string]any{}), OwnerID: w.acme.ID,
			Trigger: model.ScheduleTrigger{ID: trigger, Name: "at-night", Kind: model.TriggerSimple, StartAt: now().Add(time.Hour),
				Interval: 24 * time.Hour, FireCount: 3, Jobs: []string{job, lost}}}},
		Prices: []LegacyPrice{{From: src("price", zidOf(price), map[string]any{}), Price: model.Price{ID: price, Resource: "cpu",
			TimeUnit: "h", Price: 0.5}}},
		LDAPServers: []LegacyLDAPServer{{From: src("ldapServer", zidOf(server), map[string]any{}), Server: model.LDAPServer{ID: server,
			Name: "corp", URL: "ldap://ldap.example", Base: "dc=example,dc=com", BindPassword: "secret"}}},
		LDAPBindings: []LegacyLDAPBinding{
			{From: src("ldapBinding", zidOf(binding), map[string]any{}), Binding: model.LDAPBinding{ID: binding, ServerID: server,
				DN: "uid=acme,dc=example,dc=com", UserID: w.acme.ID}},
			{From: src("ldapBinding", zidOf(ghost), map[string]any{}), Binding: model.LDAPBinding{ID: ghost, ServerID: server,
				DN: "uid=ghost,dc=example,dc=com", UserID: ghost}},
		},
	}
	unknown := src("quota", zidOf(w.acme.ID)+":volume.snapshotNum", map[string]any{"name": "volume.snapshotNum"})
	w.in.Untranslatable = []LegacyIssue{{Kind: unknown.Kind, UUID: unknown.UUID, Reason: "no such quota"}}
	if err := s.PutZStackObject(admin, "consoleAgent", "proxy", now(), map[string]any{"managementIp": "127.0.0.1"}); err != nil {
		t.Fatal(err)
	}
	return w
}

func TestLegacyImport(t *testing.T) {
	for name, s := range newTestServices(t) {
		t.Run(name, func(t *testing.T) {
			w := newLegacyWorld(t, s)
			s.tasks.Close() // no agent runs here: keep what the creates make
			admin := adminCtx()
			if _, err := s.ImportLegacy(admin, w.in); !model.IsCode(err, model.CodePermissionDenied) {
				t.Fatalf("an admin's import: %v", err)
			}
			if _, err := s.ZStackDocuments(admin, "account"); !model.IsCode(err, model.CodePermissionDenied) {
				t.Fatalf("an admin reading the documents: %v", err)
			}
			kumo := AsControlPlane(context.Background())
			rep, err := s.ImportLegacy(kumo, w.in)
			if err != nil {
				t.Fatal(err)
			}

			// The account became a tenant of its own with its admin and
			// objects; its uuid stays (the tenant's id is the user's).
			tenant, err := s.db.GetTenant(admin, w.acme.ID)
			if err != nil || tenant.Kind != model.TenantAccount || tenant.Name != "acme" || tenant.Visibility != model.ShareAll ||
				tenant.Description != "ACME Corp" {
				t.Fatalf("acme's tenant = %+v, %v", tenant, err)
			}
			acme, _ := s.db.GetUser(admin, w.acme.ID)
			if acme.TenantID != tenant.ID || !acme.TenantAdmin || acme.Role != model.RoleUser {
				t.Fatalf("acme = %+v", acme)
			}
			if vm, _ := s.db.GetVM(admin, w.vm.ID); vm.TenantID != tenant.ID {
				t.Fatalf("acme's VM is in tenant %q", vm.TenantID)
			}
			if img, _ := s.db.GetImage(admin, w.img.ID); img.TenantID != tenant.ID {
				t.Fatalf("acme's image is in tenant %q", img.TenantID)
			}
			if rep.Moved != 2 {
				t.Errorf("moved %d objects, want 2", rep.Moved)
			}
			// A SystemAdmin account stays a platform admin, described;
			// a user without documents stays where it was.
			if root2, _ := s.db.GetUser(admin, w.root2.ID); root2.Role != model.RoleAdmin || root2.TenantID != model.DefaultTenantID ||
				root2.Description != "second admin" {
				t.Fatalf("root2 = %+v", root2)
			}
			if nano, _ := s.db.GetUser(admin, w.nano.ID); nano.TenantID != model.DefaultTenantID {
				t.Fatalf("nano moved to %q", nano.TenantID)
			}
			if vm, _ := s.db.GetVM(admin, w.nanoVM.ID); vm.TenantID != model.DefaultTenantID {
				t.Fatalf("nano's VM moved to %q", vm.TenantID)
			}

			// Its users are in its tenant, under their policies: an
			// Allow of StartVmInstance starts, nothing else, and the
			// group's Deny beats it.
			worker := loginAs(t, s, "worker", "worker-password")
			p, _ := PrincipalFrom(worker)
			if p.TenantID != tenant.ID || p.TenantAdmin || !p.Can(model.PermVMStart) || p.Can(model.PermVMDelete) {
				t.Fatalf("worker = %+v: start %v, delete %v", p, p.Can(model.PermVMStart), p.Can(model.PermVMDelete))
			}
			guard := loginAs(t, s, "guard", "guard-password")
			if p, _ := PrincipalFrom(guard); p.TenantID != tenant.ID || p.Can(model.PermVMStart) {
				t.Fatalf("guard = %+v may start VMs", p)
			}
			role, err := s.db.GetRoleByID(admin, w.in.Roles[0].Role.ID)
			if err != nil || role.TenantID != tenant.ID || !slices.Equal(role.Statements[0].Given, []string{"instance:APIStartVmInstanceMsg"}) {
				t.Fatalf("policy = %+v, %v", role, err)
			}
			g, err := s.db.GetUserGroupByID(admin, w.in.Groups[0].Group.ID)
			if err != nil || g.TenantID != tenant.ID || !slices.Equal(g.Members, []string{"guard"}) || !slices.Equal(g.Roles, []string{"no-start"}) {
				t.Fatalf("group = %+v, %v", g, err)
			}

			// vm.cpuNum 1 is vm.cores 1, which the VM takes already.
			qs, _ := s.db.ListQuotas(admin, tenant.ID)
			cores := slices.IndexFunc(qs, func(q model.Quota) bool { return q.Name == model.QuotaVMCores })
			if cores < 0 || qs[cores].Value != 1 || len(qs) != len(model.DefaultAccountQuotas) {
				t.Fatalf("quotas = %+v", qs)
			}
			account := loginAs(t, s, "acme", "acme-password")
			_, _, err = s.CreateVM(account, CreateVMRequest{Name: "second", Image: w.img.ID, MemoryMiB: 64})
			wantCodeText(t, "a VM over the cores quota", err, model.CodeQuotaExceeded, model.QuotaVMCores)

			// Shares, schedules, prices, LDAP.
			shares, _ := s.ListShares(admin)
			beta, _ := s.db.GetUser(admin, w.beta.ID)
			if len(shares) != 2 || !slices.ContainsFunc(shares, func(sh model.Share) bool { return sh.ObjectID == w.vm.ID && sh.TenantID == beta.TenantID }) ||
				!slices.ContainsFunc(shares, func(sh model.Share) bool { return sh.ObjectID == w.img.ID && sh.Public() }) || beta.TenantID != beta.ID {
				t.Fatalf("shares = %+v (beta in %s)", shares, beta.TenantID)
			}
			job, err := s.db.GetScheduleJob(admin, w.in.Jobs[0].Job.ID)
			trig := w.in.Triggers[0].Trigger
			if err != nil || job.TenantID != tenant.ID || job.Owner != "acme" || job.VMID != w.vm.ID || !slices.Equal(job.Triggers, []string{trig.ID}) {
				t.Fatalf("job = %+v, %v", job, err)
			}
			if tr, err := s.db.GetScheduleTrigger(admin, trig.ID); err != nil || tr.FireCount != 3 || tr.Interval != 24*time.Hour ||
				tr.TenantID != tenant.ID {
				t.Fatalf("trigger = %+v, %v", tr, err)
			}
			if ps, _ := s.db.ListPrices(admin); len(ps) != 1 || ps[0].Unit != "1" || ps[0].Price != 0.5 {
				t.Fatalf("prices = %+v", ps)
			}
			if ls, _ := s.db.ListLDAPServers(admin); len(ls) != 1 || ls[0].BindPassword != "secret" || ls[0].LoginAttribute != "uid" {
				t.Fatalf("LDAP servers = %+v", ls)
			}
			if bs, _ := s.db.ListLDAPBindings(admin); len(bs) != 1 || bs[0].User != "acme" || bs[0].TenantID != tenant.ID {
				t.Fatalf("LDAP bindings = %+v", bs)
			}

			// What refers to rows that are gone is dropped and said.
			var dropped []string
			for _, d := range rep.Dropped {
				dropped = append(dropped, d.Kind)
			}
			slices.Sort(dropped)
			if want := []string{"ldapBinding", "quota", "schedulerJob", "share", "user", "user"}; !slices.Equal(dropped, want) {
				t.Fatalf("dropped %v, want %v: %+v", dropped, want, rep.Dropped)
			}
			if len(rep.Trimmed) != 2 { // the group's gone member, the trigger's gone job
				t.Fatalf("trimmed = %+v", rep.Trimmed)
			}
			if rep.Converted["account"] != 3 || rep.Converted["user"] != 2 || rep.Converted["share"] != 2 {
				t.Fatalf("converted = %v", rep.Converted)
			}

			// The documents are gone but the console agent's; a second
			// run changes nothing.
			left, _ := s.db.ListZStackResourcesOfKinds(admin, []string{"account", "user", "group", "policy", "quota", "share",
				"schedulerJob", "schedulerTrigger", "price", "ldapServer", "ldapBinding", "consoleAgent"})
			if len(left) != 1 || left[0].Kind != "consoleAgent" {
				t.Fatalf("left = %+v", left)
			}
			again, err := s.ImportLegacy(kumo, w.in)
			if err != nil || len(again.Converted) != 0 || len(again.Dropped) != 0 || again.Moved != 0 {
				t.Fatalf("second import = %+v, %v", again, err)
			}
			if ts, _ := s.db.ListTenants(admin); len(ts) != 3 {
				t.Fatalf("tenants after a second import = %+v", ts)
			}
		})
	}
}
