package service

import (
	"context"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kumo-cloud/kumo/internal/hostlink"
	"github.com/kumo-cloud/kumo/internal/model"
)

// badNames are names no object may take: they hide or reorder what
// others read in lists, logs and terminals.
var badNames = map[string]string{
	"NUL":            "evil\x00name",
	"escape":         "evil\x1b[2Jname",
	"newline":        "evil\nname",
	"RLO (U+202E)":   "evil\u202Egnp.exe",
	"LRI (U+2066)":   "evil\u2066name",
	"zero width":     "evil\u200Bname",
	"line separator": "evil\u2028name",
	"invalid UTF-8":  "evil\xffname",
}

// namingCall calls one service method with a user-given name; field is
// the field its error must name.
type namingCall struct {
	field string
	call  func(name string) error
}

// methodTakesName says which exported methods may take a user-given
// name: each of them is either in the table of
// TestEveryNameFollowsTheNameRule or in notNaming, with the reason.
var methodTakesName = regexp.MustCompile(`^(Create|Add|Update|Rename|Upload|Register|Join|Import|Ensure|Set)`)

// notNaming are the methods methodTakesName matches that take no new
// name of an object, and why.
var notNaming = map[string]string{
	"AddAddressRange":          "addresses, parsed as IP addresses",
	"AddBareMetal":             "no name: a vendor UUID and addresses, each checked",
	"AddGroupMember":           "names an existing group and user",
	"AddOperationLog":          "free text a Nano client logs, shown as text",
	"AddVMDataDisk":            "no name: disks are named vdb, vdc, ... by Kumo",
	"AddVMPortForward":         "no name: a protocol of a fixed list and port numbers",
	"AddressAllocations":       "a read",
	"AddressPoolUsage":         "a read",
	"JoinLAN":                  "names an existing LAN and VM",
	"CreateJoinToken":          "no name",
	"CreateLocalJoinToken":     "no name",
	"CreatePrice":              "no name: a resource of a fixed list",
	"EnsureAdmin":              "the operator's --admin-user, made through createUser's validName on the first start",
	"ImportLegacy":             "stores rows Kumo itself wrote before; each was validated when it was made",
	"SetBareMetalBootDevice":   "a device of a fixed list",
	"SetClusterAddress":        "configuration",
	"SetHostPool":              "names an existing host and pool",
	"SetHostMaintenance":       "names an existing host",
	"SetLANVlanID":             "a number",
	"SetPassword":              "a password, hashed",
	"SetQuota":                 "a quota of a fixed list",
	"SetRoleMenus":             "menus of a fixed list",
	"SetSecurityDefaultAction": "an action of a fixed list",
	"SetVMQoS":                 "numbers and a priority of a fixed list",
	"SetVisibility":            "a mode of a fixed list",
	"UpdateAddressPool":        "address pools are not renamed",
	"UpdatePool":               "pools are not renamed",
	"UpdateStoragePool":        "storage pools are not renamed",
	"UpdateTenant":             "tenants are not renamed; the description follows validDescriptionText",
}

// TestEveryNameFollowsTheNameRule calls every service method that takes
// a user-given name, as each API does, with names holding NUL, control,
// bidi and format characters: each is refused with invalid_argument
// naming its field, while a good name is not refused for its name. A
// new naming method fails this test until it is added here.
func TestEveryNameFollowsTheNameRule(t *testing.T) {
	s := newTestService(t, Config{})
	account, _, img := quotaFixture(t, s)
	s.tasks.Close() // no agent runs here
	admin := adminCtx()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	vm, _, err := s.CreateVM(account, CreateVMRequest{Name: "named", Image: img.ID, MemoryMiB: 64})
	must(err)
	role, err := s.CreateRole(account, model.Role{Name: "role1"})
	must(err)
	group, err := s.CreateUserGroup(account, model.UserGroup{Name: "group1"})
	must(err)
	tmpl, err := s.CreateTemplate(admin, model.Template{Name: "template1"})
	must(err)
	job, err := s.CreateScheduleJob(account, CreateScheduleJobRequest{Name: "job1", VM: vm.ID, Action: model.ScheduleStop})
	must(err)
	trigger, err := s.CreateScheduleTrigger(account, CreateScheduleTriggerRequest{Name: "trigger1", StartAt: now().Add(time.Hour)})
	must(err)
	sg, err := s.CreateSecurityPolicyGroup(admin, SecurityPolicyGroupSettings{Name: "sg1", Enabled: true})
	must(err)
	must(s.db.CreateLDAPServer(admin, model.LDAPServer{ID: "ldap1", Name: "ldap1", URL: "ldap://127.0.0.1:1", Base: "dc=kumo",
		Encryption: "None", LoginAttribute: "uid", CreatedAt: now(), UpdatedAt: now()}))
	lan, err := s.CreateLAN(account, "display1", "10.8.0.0/24", "h")
	must(err)
	n := 0
	// A good name fits every rule, LANs' 6-10 letters or digits too.
	unique := func(prefix string) string { n++; return fmt.Sprintf("%.6s%d", prefix, n) }

	calls := map[string]namingCall{
		"CreateAddressPool": {"name", func(name string) error { _, err := s.CreateAddressPool(admin, name, AddressPoolSettings{}); return err }},
		"CreateImage": {"name", func(name string) error {
			_, err := s.CreateImage(account, UploadImageRequest{Name: name, Format: model.FormatQCOW2})
			return err
		}},
		"UploadImage": {"name", func(name string) error {
			_, err := s.UploadImage(account, UploadImageRequest{Name: name, Format: model.FormatQCOW2}, strings.NewReader(""))
			return err
		}},
		"UpdateImageInfo": {"name", func(name string) error {
			_, err := s.UpdateImageInfo(account, img.ID, UploadImageRequest{Name: name})
			return err
		}},
		"CreateLAN": {"network_name", func(name string) error { _, err := s.CreateLAN(account, name, "10.9.0.0/24", "h"); return err }},
		"CreateNamedLAN": {"display_name", func(name string) error {
			_, err := s.CreateNamedLAN(account, unique("named"), name, "10.10.0.0/24", "h")
			return err
		}},
		"SetLANDisplayName": {"display_name", func(name string) error { return s.SetLANDisplayName(account, lan.Name, name) }},
		"AddLDAPServer": {"name", func(name string) error {
			_, err := s.AddLDAPServer(admin, model.LDAPServer{Name: name, URL: "ldap://127.0.0.1:1", Base: "dc=kumo"})
			return err
		}},
		"UpdateLDAPServer": {"name", func(name string) error {
			_, err := s.UpdateLDAPServer(admin, "ldap1", LDAPServerUpdate{Name: &name})
			return err
		}},
		"CreatePool":     {"name", func(name string) error { _, err := s.CreatePool(admin, name, PoolSettings{}); return err }},
		"CreateRole":     {"role_name", func(name string) error { _, err := s.CreateRole(account, model.Role{Name: name}); return err }},
		"CreateMenuRole": {"role_name", func(name string) error { _, err := s.CreateMenuRole(admin, name, nil); return err }},
		"UpdateRole": {"name", func(name string) error {
			_, err := s.UpdateRole(account, role.ID, RoleUpdate{Name: &name})
			return err
		}},
		"CreateScheduleJob": {"name", func(name string) error {
			_, err := s.CreateScheduleJob(account, CreateScheduleJobRequest{Name: name, VM: vm.ID, Action: model.ScheduleStop})
			return err
		}},
		"UpdateScheduleJob": {"name", func(name string) error {
			_, err := s.UpdateScheduleJob(account, job.ID, ScheduleJobUpdate{Name: &name})
			return err
		}},
		"CreateScheduleTrigger": {"name", func(name string) error {
			_, err := s.CreateScheduleTrigger(account, CreateScheduleTriggerRequest{Name: name, StartAt: now().Add(time.Hour)})
			return err
		}},
		"UpdateScheduleTrigger": {"name", func(name string) error {
			_, err := s.UpdateScheduleTrigger(account, trigger.ID, ScheduleTriggerUpdate{Name: &name})
			return err
		}},
		"CreateSecurityPolicyGroup": {"name", func(name string) error {
			_, err := s.CreateSecurityPolicyGroup(admin, SecurityPolicyGroupSettings{Name: name})
			return err
		}},
		"UpdateSecurityPolicyGroup": {"name", func(name string) error {
			return s.UpdateSecurityPolicyGroup(admin, sg.ID, SecurityPolicyGroupSettings{Name: name, Enabled: true})
		}},
		"CreateSnapshot": {"name", func(name string) error { _, err := s.CreateSnapshot(account, vm.ID, name, ""); return err }},
		"CreateStoragePool": {"name", func(name string) error {
			_, err := s.CreateStoragePool(admin, name, StoragePoolSettings{Type: model.StorageLocal, Target: t.TempDir()})
			return err
		}},
		"CreateTemplate": {"name", func(name string) error { _, err := s.CreateTemplate(admin, model.Template{Name: name}); return err }},
		"UpdateTemplate": {"name", func(name string) error {
			_, err := s.UpdateTemplate(admin, tmpl.ID, model.Template{Name: name})
			return err
		}},
		"CreateTenant": {"name", func(name string) error {
			_, _, err := s.CreateTenant(admin, CreateTenantRequest{Name: name, AdminPassword: "tenant-password"})
			return err
		}},
		"CreateUserGroup": {"group_name", func(name string) error {
			_, err := s.CreateUserGroup(account, model.UserGroup{Name: name})
			return err
		}},
		"UpdateUserGroup": {"name", func(name string) error {
			_, err := s.UpdateUserGroup(account, group.ID, GroupUpdate{Name: &name})
			return err
		}},
		"CreateUser": {"name", func(name string) error {
			_, err := s.CreateUser(account, CreateUserRequest{Name: name, Password: "user-password"})
			return err
		}},
		"AddUser":        {"name", func(name string) error { _, err := s.AddUser(account, name, "user-password", UserInfo{}); return err }},
		"UpdateUserInfo": {"nick", func(name string) error { return s.UpdateUserInfo(account, "acme", UserInfo{Nick: name}) }},
		"CreateVM": {"name", func(name string) error {
			_, _, err := s.CreateVM(account, CreateVMRequest{Name: name, Image: img.ID, MemoryMiB: 64})
			return err
		}},
		"UpdateVM": {"name", func(name string) error {
			_, err := s.UpdateVM(account, vm.ID, UpdateVMRequest{Name: &name})
			return err
		}},
		"SetGuestPassword": {"user", func(name string) error {
			_, err := s.SetGuestPassword(account, vm.ID, name, "guest-password")
			return err
		}},
		"Join": {"name", func(name string) error {
			_, err := s.Join(context.Background(), hostlink.JoinRequest{Name: name, TokenID: "none"})
			return err
		}},
	}
	// Display names and nicks are names too, under the label rule.
	labels := map[string]namingCall{
		"CreateUserGroup display": {"display", func(name string) error {
			_, err := s.CreateUserGroup(account, model.UserGroup{Name: unique("shown"), Display: name})
			return err
		}},
		"UpdateUserGroup display": {"display", func(name string) error {
			_, err := s.UpdateUserGroup(account, group.ID, GroupUpdate{Display: &name})
			return err
		}},
		"CreateUser nick": {"nick", func(name string) error {
			_, err := s.CreateUser(account, CreateUserRequest{Name: unique("nicked"), Password: "user-password", Info: UserInfo{Nick: name}})
			return err
		}},
	}

	st := reflect.TypeOf(s)
	for i := 0; i < st.NumMethod(); i++ {
		m := st.Method(i).Name
		if !methodTakesName.MatchString(m) {
			continue
		}
		if _, ok := calls[m]; !ok && notNaming[m] == "" {
			t.Errorf("%s may take a name: add it to the table of this test, or to notNaming with the reason", m)
		}
	}
	for name := range calls {
		if _, ok := st.MethodByName(name); !ok {
			t.Errorf("the table names %s, which *Service does not have", name)
		}
	}

	for method, c := range merge(calls, labels) {
		t.Run(method, func(t *testing.T) {
			for what, bad := range badNames {
				err := c.call(bad)
				var e *model.Error
				if !model.IsCode(err, model.CodeInvalidArgument) || !asModelError(err, &e) || e.Field != c.field {
					t.Errorf("a name with %s: %v (field %q), want invalid_argument on %q", what, err, fieldOf(err), c.field)
				}
			}
			// The refusal is the name's: a good one is not refused for
			// it (the call may fail for reasons of its own).
			if err := c.call(unique("goodname")); model.IsCode(err, model.CodeInvalidArgument) && fieldOf(err) == c.field {
				t.Errorf("a good name was refused: %v", err)
			}
		})
	}
}

func merge(a, b map[string]namingCall) map[string]namingCall {
	out := map[string]namingCall{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

func asModelError(err error, e **model.Error) bool {
	me, ok := err.(*model.Error)
	if ok {
		*e = me
	}
	return ok
}

func fieldOf(err error) string {
	if me, ok := err.(*model.Error); ok {
		return me.Field
	}
	return ""
}
