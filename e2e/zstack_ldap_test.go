package e2e

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"
)

// slapd is a throwaway OpenLDAP server with one person in it.
type slapd struct {
	url, base, adminDN, adminPassword string
	personDN, personUID, personPass   string
}

const slapdConf = `include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile %[1]s/slapd.pid
database mdb
maxsize 10485760
directory %[1]s/db
suffix "dc=kumo,dc=test"
rootdn "cn=admin,dc=kumo,dc=test"
rootpw admin-secret
`

// startSlapd runs slapd on a free loopback port with its database in a
// temp dir. Outside CI a missing slapd skips the test; in CI it fails.
func startSlapd(t *testing.T) *slapd {
	t.Helper()
	bin, err := exec.LookPath("slapd")
	if err != nil {
		bin = "/usr/sbin/slapd"
		if _, err := os.Stat(bin); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("slapd is required (scripts/install-deps.sh installs it): %v", err)
			}
			t.Skip("slapd not installed")
		}
	}
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "db"), 0o700); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "slapd.conf")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf(slapdConf, dir)), 0o600); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	url := "ldap://" + addr
	// -d keeps slapd in the foreground, so the test owns the process.
	cmd := exec.Command(bin, "-f", conf, "-h", url+"/", "-d", "0")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start slapd: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	s := &slapd{url: url, base: "dc=kumo,dc=test", adminDN: "cn=admin,dc=kumo,dc=test", adminPassword: "admin-secret",
		personDN: "uid=carol,ou=people,dc=kumo,dc=test", personUID: "carol", personPass: "carol-password"}
	var conn *ldap.Conn
	eventually(t, 10*time.Second, "slapd to accept connections", func() (bool, string) {
		conn, err = ldap.DialURL(url)
		if err != nil {
			return false, err.Error()
		}
		return true, ""
	})
	defer conn.Close()
	if err := conn.Bind(s.adminDN, s.adminPassword); err != nil {
		t.Fatal(err)
	}
	for _, add := range []*ldap.AddRequest{
		entry(s.base, map[string][]string{"objectClass": {"top", "dcObject", "organization"}, "o": {"Kumo"}, "dc": {"kumo"}}),
		entry("ou=people,"+s.base, map[string][]string{"objectClass": {"organizationalUnit"}, "ou": {"people"}}),
		entry(s.personDN, map[string][]string{"objectClass": {"inetOrgPerson"}, "cn": {"Carol"}, "sn": {"C"}, "uid": {"carol"},
			"userPassword": {s.personPass}}),
		entry("uid=dave,ou=people,"+s.base, map[string][]string{"objectClass": {"inetOrgPerson"}, "cn": {"Dave"}, "sn": {"D"},
			"uid": {"dave"}, "userPassword": {"dave-password"}}),
	} {
		if err := conn.Add(add); err != nil {
			t.Fatalf("add %s: %v", add.DN, err)
		}
	}
	return s
}

func entry(dn string, attrs map[string][]string) *ldap.AddRequest {
	req := ldap.NewAddRequest(dn, nil)
	for k, v := range attrs {
		req.Attribute(k, v)
	}
	return req
}

// TestZStackLDAP binds a directory entry to an account and logs in with
// the directory's password.
func TestZStackLDAP(t *testing.T) {
	dir := startSlapd(t)
	k := startKumo(t, withZStack)
	base := "http://" + k.srv.ZStackAddr()
	admin := &zstackClient{t: t, base: base}
	admin.session = admin.login("/zstack/v1/accounts/login", "logInByAccount", map[string]any{"accountName": "admin", "password": adminPassword})

	srv := admin.mustJob("POST", "/zstack/v1/ldap/servers", map[string]any{"params": map[string]any{"name": "dir", "url": dir.url,
		"base": dir.base, "username": dir.adminDN, "password": dir.adminPassword, "encryption": "None"}}, nil)
	if inv := srv["inventory"].(map[string]any); inv["password"] != "" {
		t.Fatalf("LDAP server inventory shows its password: %v", inv)
	}
	acct := admin.mustJob("POST", "/zstack/v1/accounts", map[string]any{"params": map[string]any{"name": "carol-account", "password": "unused-password"}}, nil)
	acctUUID := acct["inventory"].(map[string]any)["uuid"].(string)

	entries := inventoriesOf(admin.get("/zstack/v1/ldap/entry?ldapFilter=(uid=carol)&limit=2500.0"))
	if len(entries) != 1 || entries[0]["dn"] != dir.personDN {
		t.Fatalf("GetLdapEntry: %v", entries)
	}
	// The search bound with the stored password, which the database
	// keeps only encrypted.
	noSecretInDatabase(t, k, dir.adminPassword)
	if r := admin.job("POST", "/zstack/v1/ldap/bindings", map[string]any{"params": map[string]any{"ldapUid": "uid=nobody," + dir.base, "accountUuid": acctUUID}}, nil); r.status != http.StatusServiceUnavailable {
		t.Fatalf("binding a missing entry: %d %v", r.status, r.body)
	}
	admin.mustJob("POST", "/zstack/v1/ldap/bindings", map[string]any{"params": map[string]any{"ldapUid": dir.personDN, "accountUuid": acctUUID}}, nil)
	cands := inventoriesOf(admin.get("/zstack/v1/ldap/entries/candidates?ldapFilter=(objectClass=inetOrgPerson)"))
	if len(cands) != 1 || cands[0]["dn"] != "uid=dave,ou=people,"+dir.base {
		t.Fatalf("candidates after binding carol: %v", cands)
	}

	anon := &zstackClient{t: t, base: base}
	if r := anon.do("PUT", "/zstack/v1/ldap/login", map[string]any{"logInByLdap": map[string]any{"uid": "carol", "password": "wrong-password"}}, nil); r.status != http.StatusServiceUnavailable || errorCodeOf(r) != "ID.1000" {
		t.Fatalf("LDAP login with a wrong password: %d %v", r.status, r.body)
	}
	if r := anon.do("PUT", "/zstack/v1/ldap/login", map[string]any{"logInByLdap": map[string]any{"uid": "dave", "password": "dave-password"}}, nil); r.status == http.StatusOK {
		t.Fatalf("LDAP login of an unbound entry succeeded: %v", r.body)
	}
	r := anon.do("PUT", "/zstack/v1/ldap/login", map[string]any{"logInByLdap": map[string]any{"uid": "carol", "password": dir.personPass}}, nil)
	inv, _ := r.body["inventory"].(map[string]any)
	if r.status != http.StatusOK || inv["accountUuid"] != acctUUID {
		t.Fatalf("LDAP login: %d %v", r.status, r.body)
	}
	carol := &zstackClient{t: t, base: base, session: inv["uuid"].(string)}
	if got := inventoriesOf(carol.get("/zstack/v1/accounts")); len(got) != 1 || got[0]["name"] != "carol-account" {
		t.Fatalf("the LDAP session is not carol-account's: %v", got)
	}

	// Carol leaves the directory: her binding is invalid and cleaned.
	conn, err := ldap.DialURL(dir.url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.Bind(dir.adminDN, dir.adminPassword); err != nil {
		t.Fatal(err)
	}
	if err := conn.Del(ldap.NewDelRequest(dir.personDN, nil)); err != nil {
		t.Fatal(err)
	}
	cleaned := admin.mustJob("PUT", "/zstack/v1/ldap/bindings/actions", map[string]any{"cleanInvalidLdapBinding": map[string]any{}}, nil)
	if got := inventoriesOf(cleaned); len(got) != 1 || got[0]["uuid"] != acctUUID {
		t.Fatalf("CleanInvalidLdapBinding: %v", cleaned)
	}
	if got := inventoriesOf(admin.get("/zstack/v1/ldap/bindings")); len(got) != 0 {
		t.Fatalf("bindings after cleaning: %v", got)
	}
}
