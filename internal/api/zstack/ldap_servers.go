package zstack

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/kumo-cloud/kumo/internal/model"
)

// LDAP servers let accounts log in with directory credentials: an entry
// (by DN) is bound to an account, and LogInByLdap checks the password by
// binding to the directory as that entry. As in ZStack, the first LDAP
// server is the one used.

const kindLdapServer = "ldapServer"

// ldapServer is what is stored; the bind password is kept so searches
// can bind, and never shown.
type ldapServer struct {
	UUID        string `json:"uuid"`
	Name        string `json:"name"`
	Description string `json:"description"`
	URL         string `json:"url"`
	Base        string `json:"base"`
	Username    string `json:"username"`
	Password    string `json:"password"`
	Encryption  string `json:"encryption"`
	// LoginAttribute is the attribute LogInByLdap matches the uid
	// against (uid; systemTag ldapUseAsLoginName::<attr> changes it).
	LoginAttribute string `json:"loginAttribute"`
	CreateDate     string `json:"createDate"`
	LastOpDate     string `json:"lastOpDate"`
}

// inventory hides the password, as ZStack shows it empty.
func (l ldapServer) inventory() ldapServer {
	l.Password = ""
	return l
}

// ldapTimeout bounds every directory operation: a directory that hangs
// must not hang logins.
const ldapTimeout = 10 * time.Second

func validLdapServer(l ldapServer) error {
	u, err := url.Parse(l.URL)
	if err != nil || (u.Scheme != "ldap" && u.Scheme != "ldaps") || u.Host == "" {
		return model.FieldError("url", "%q is not an ldap:// or ldaps:// URL", l.URL)
	}
	if _, err := ldap.ParseDN(l.Base); err != nil || l.Base == "" {
		return model.FieldError("base", "%q is not a DN: %v", l.Base, err)
	}
	if l.Encryption != "None" && l.Encryption != "TLS" {
		return model.FieldError("encryption", "must be None or TLS, not %q", l.Encryption)
	}
	return nil
}

// dial connects to the directory, with StartTLS when asked, bound as the
// server's configured user (anonymous when it has none).
func (l ldapServer) dial() (*ldap.Conn, error) {
	conn, err := ldap.DialURL(l.URL, ldap.DialWithDialer(&net.Dialer{Timeout: ldapTimeout}))
	if err != nil {
		return nil, model.Errorf(model.CodeUnavailable, "connect to LDAP server %s: %v", l.URL, err)
	}
	conn.SetTimeout(ldapTimeout)
	if l.Encryption == "TLS" {
		u, _ := url.Parse(l.URL)
		if err := conn.StartTLS(&tls.Config{ServerName: u.Hostname()}); err != nil {
			conn.Close()
			return nil, model.Errorf(model.CodeUnavailable, "StartTLS with LDAP server %s: %v", l.URL, err)
		}
	}
	if l.Username != "" {
		if err := conn.Bind(l.Username, l.Password); err != nil {
			conn.Close()
			return nil, model.Errorf(model.CodeUnavailable, "bind to LDAP server %s as %s: %v", l.URL, l.Username, err)
		}
	}
	return conn, nil
}

// search runs a subtree search under the base.
func (l ldapServer) search(filter string, limit int) ([]*ldap.Entry, error) {
	if _, err := ldap.CompileFilter(filter); err != nil {
		return nil, model.FieldError("ldapFilter", "%q is not an LDAP filter: %v", filter, err)
	}
	conn, err := l.dial()
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	res, err := conn.Search(ldap.NewSearchRequest(l.Base, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, limit,
		int(ldapTimeout.Seconds()), false, filter, nil, nil))
	if err != nil && !ldap.IsErrorWithCode(err, ldap.LDAPResultSizeLimitExceeded) {
		if ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject) {
			return nil, nil
		}
		return nil, model.Errorf(model.CodeUnavailable, "search LDAP server %s for %s: %v", l.URL, filter, err)
	}
	if res == nil {
		return nil, nil
	}
	return res.Entries, nil
}

// authenticate checks a password by binding as the entry; uid is a DN
// or the value of the login attribute. It returns the entry's DN.
func (l ldapServer) authenticate(uid, password string) (string, error) {
	if password == "" {
		// An empty password would be an unauthenticated bind, which
		// directories accept for any DN.
		return "", model.Errorf(model.CodeUnauthenticated, "wrong LDAP uid or password")
	}
	dn := uid
	if _, err := ldap.ParseDN(uid); err != nil || !strings.Contains(uid, "=") {
		attr := l.LoginAttribute
		if attr == "" {
			attr = "uid"
		}
		entries, err := l.search("("+attr+"="+ldap.EscapeFilter(uid)+")", 2)
		if err != nil {
			return "", err
		}
		if len(entries) != 1 {
			return "", model.Errorf(model.CodeUnauthenticated, "wrong LDAP uid or password")
		}
		dn = entries[0].DN
	}
	conn, err := ldap.DialURL(l.URL, ldap.DialWithDialer(&net.Dialer{Timeout: ldapTimeout}))
	if err != nil {
		return "", model.Errorf(model.CodeUnavailable, "connect to LDAP server %s: %v", l.URL, err)
	}
	defer conn.Close()
	conn.SetTimeout(ldapTimeout)
	if l.Encryption == "TLS" {
		u, _ := url.Parse(l.URL)
		if err := conn.StartTLS(&tls.Config{ServerName: u.Hostname()}); err != nil {
			return "", model.Errorf(model.CodeUnavailable, "StartTLS with LDAP server %s: %v", l.URL, err)
		}
	}
	if err := conn.Bind(dn, password); err != nil {
		if ldap.IsErrorWithCode(err, ldap.LDAPResultInvalidCredentials) || ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject) {
			return "", model.Errorf(model.CodeUnauthenticated, "wrong LDAP uid or password")
		}
		return "", model.Errorf(model.CodeUnavailable, "bind to LDAP server %s: %v", l.URL, err)
	}
	return dn, nil
}

func (s *Server) ldapServers(ctx context.Context) ([]ldapServer, error) {
	return listObjects[ldapServer](ctx, s, kindLdapServer)
}

// currentLdapServer is the LDAP server in use: the first one.
func (s *Server) currentLdapServer(ctx context.Context) (ldapServer, error) {
	all, err := s.ldapServers(ctx)
	if err != nil {
		return ldapServer{}, err
	}
	if len(all) == 0 {
		return ldapServer{}, model.Errorf(model.CodeConflict, "no LDAP server is configured: add one with POST /zstack/v1/ldap/servers")
	}
	return all[0], nil
}

// loginAttributeOf reads the systemTag ldapUseAsLoginName::<attr>.
func loginAttributeOf(systemTags []string) string {
	for _, t := range systemTags {
		if attr, ok := strings.CutPrefix(t, "ldapUseAsLoginName::"); ok {
			return attr
		}
	}
	return ""
}

func (s *Server) addLdapServer(r *http.Request) (any, error) {
	var p struct {
		Name, Description, URL, Base, Username, Password, Encryption string
	}
	if err := body(r, "params", &p); err != nil {
		return nil, err
	}
	var tags struct {
		SystemTags []string `json:"systemTags"`
	}
	topLevel(r, &tags)
	if err := requireAdmin(r.Context(), "add LDAP servers"); err != nil {
		return nil, err
	}
	if p.Encryption == "" {
		p.Encryption = "None"
	}
	now := time.Now()
	l := ldapServer{UUID: newUUID(), Name: p.Name, Description: p.Description, URL: p.URL, Base: p.Base, Username: p.Username,
		Password: p.Password, Encryption: p.Encryption, LoginAttribute: loginAttributeOf(tags.SystemTags), CreateDate: date(now), LastOpDate: date(now)}
	if err := validLdapServer(l); err != nil {
		return nil, err
	}
	// Refuse a server Kumo cannot reach or bind to now, rather than at
	// the first login.
	conn, err := l.dial()
	if err != nil {
		return nil, err
	}
	conn.Close()
	return inventory(l.inventory()), s.svc.PutZStackObject(r.Context(), kindLdapServer, l.UUID, now, l)
}

func (s *Server) ldapServer(ctx context.Context, uuid string) (ldapServer, error) {
	var l ldapServer
	if err := s.svc.GetZStackObject(ctx, kindLdapServer, zid(uuid), &l); err != nil {
		return l, model.NotFound("LDAP server", uuid)
	}
	return l, nil
}

func (s *Server) deleteLdapServer(r *http.Request) (any, error) {
	if err := requireAdmin(r.Context(), "delete LDAP servers"); err != nil {
		return nil, err
	}
	l, err := s.ldapServer(r.Context(), r.PathValue("uuid"))
	if err != nil {
		return nil, err
	}
	bindings, err := s.ldapBindings(r.Context())
	if err != nil {
		return nil, err
	}
	for _, b := range bindings {
		if b.LdapServerUUID == l.UUID {
			s.svc.DeleteZStackObject(r.Context(), kindLdapBinding, b.UUID)
		}
	}
	return struct{}{}, s.svc.DeleteZStackObject(r.Context(), kindLdapServer, l.UUID)
}

func (s *Server) queryLdapServer(r *http.Request) (any, error) {
	all, err := s.ldapServers(r.Context())
	if err != nil {
		return nil, err
	}
	if !callerOf(r.Context()).admin() {
		all = nil
	}
	for i := range all {
		all[i] = all[i].inventory()
	}
	return queryReply(r, all, func(l ldapServer) string { return l.UUID })
}

func (s *Server) updateLdapServer(r *http.Request) (any, error) {
	var p struct {
		Name, Description, URL, Base, Username, Password, Encryption *string
	}
	if err := body(r, "updateLdapServer", &p); err != nil {
		return nil, err
	}
	if err := requireAdmin(r.Context(), "change LDAP servers"); err != nil {
		return nil, err
	}
	l, err := s.ldapServer(r.Context(), r.PathValue("ldapServerUuid"))
	if err != nil {
		return nil, err
	}
	for _, f := range []struct {
		in  *string
		out *string
	}{{p.Name, &l.Name}, {p.Description, &l.Description}, {p.URL, &l.URL}, {p.Base, &l.Base}, {p.Username, &l.Username},
		{p.Password, &l.Password}, {p.Encryption, &l.Encryption}} {
		if f.in != nil {
			*f.out = *f.in
		}
	}
	if err := validLdapServer(l); err != nil {
		return nil, err
	}
	l.LastOpDate = date(time.Now())
	return inventory(l.inventory()), s.svc.PutZStackObject(r.Context(), kindLdapServer, l.UUID, time.Now(), l)
}

// ldapAttribute and ldapEntry are how ZStack shows directory entries.
type ldapAttribute struct {
	ID            string         `json:"id"`
	OrderMatters  bool           `json:"orderMatters"`
	Values        []string       `json:"values"`
	ValuesAsNames map[string]any `json:"valuesAsNames"`
}

type ldapEntry struct {
	DN         string          `json:"dn"`
	Attributes []ldapAttribute `json:"attributes"`
}

func entriesOf(es []*ldap.Entry) []ldapEntry {
	out := []ldapEntry{}
	for _, e := range es {
		le := ldapEntry{DN: e.DN, Attributes: []ldapAttribute{}}
		for _, a := range e.Attributes {
			if strings.EqualFold(a.Name, "userPassword") {
				continue
			}
			le.Attributes = append(le.Attributes, ldapAttribute{ID: a.Name, Values: a.Values, ValuesAsNames: map[string]any{}})
		}
		out = append(out, le)
	}
	return out
}

// ldapQuery reads ldapFilter and limit of GetLdapEntry.
func ldapQuery(r *http.Request) (string, int, error) {
	filter := r.URL.Query().Get("ldapFilter")
	if filter == "" {
		return "", 0, model.FieldError("ldapFilter", "is required")
	}
	limit := 2500
	if v := r.URL.Query().Get("limit"); v != "" {
		f, err := parseNumber(v)
		n, werr := wholeNumber("limit", f)
		if err != nil || werr != nil || n < 1 || n > 1<<20 {
			return "", 0, model.FieldError("limit", "%q is not a whole number from 1 to %d", v, 1<<20)
		}
		limit = int(n)
	}
	return filter, limit, nil
}

// searchLdap runs the request's LDAP query (admins only) on the current
// LDAP server.
func (s *Server) searchLdap(r *http.Request) ([]*ldap.Entry, error) {
	filter, limit, err := ldapQuery(r)
	if err != nil {
		return nil, err
	}
	if err := requireAdmin(r.Context(), "read the LDAP directory"); err != nil {
		return nil, err
	}
	l, err := s.currentLdapServer(r.Context())
	if err != nil {
		return nil, err
	}
	return l.search(filter, limit)
}

func (s *Server) getLdapEntry(r *http.Request) (any, error) {
	es, err := s.searchLdap(r)
	if err != nil {
		return nil, err
	}
	return map[string]any{"inventories": entriesOf(es), "success": true}, nil
}

func (s *Server) getCandidateLdapEntryForBinding(r *http.Request) (any, error) {
	es, err := s.searchLdap(r)
	if err != nil {
		return nil, err
	}
	bindings, err := s.ldapBindings(r.Context())
	if err != nil {
		return nil, err
	}
	var free []*ldap.Entry
	for _, e := range es {
		bound := false
		for _, b := range bindings {
			bound = bound || sameDN(b.LdapUID, e.DN)
		}
		if !bound {
			free = append(free, e)
		}
	}
	return map[string]any{"inventories": entriesOf(free), "success": true}, nil
}

// sameDN compares DNs as the directory does (case and spacing aside).
func sameDN(a, b string) bool {
	da, err1 := ldap.ParseDN(a)
	db, err2 := ldap.ParseDN(b)
	if err1 != nil || err2 != nil {
		return strings.EqualFold(a, b)
	}
	return da.EqualFold(db)
}
