// Package directory talks to LDAP directories (go-ldap): searching under
// a base, checking a password by binding as an entry. Every operation is
// bounded by a timeout, so a directory that hangs cannot hang logins.
package directory

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"
)

// Timeout bounds every directory operation.
const Timeout = 10 * time.Second

// ErrWrongCredentials is a failed login: no such entry, or a wrong
// password.
var ErrWrongCredentials = errors.New("wrong LDAP uid or password")

// Server is how to reach and search a directory.
type Server struct {
	URL  string // ldap:// or ldaps://
	Base string // the DN searches start at
	// BindDN and BindPassword are who searches bind as; empty is
	// anonymous.
	BindDN, BindPassword string
	// StartTLS upgrades an ldap:// connection.
	StartTLS bool
	// LoginAttribute is the attribute a login name matches (default
	// uid).
	LoginAttribute string
}

// Entry is a directory entry; passwords are left out.
type Entry struct {
	DN         string
	Attributes map[string][]string
	Order      []string // attribute names as the directory sent them
}

// Check reports what is wrong with the server's settings.
func (s Server) Check() (field string, err error) {
	u, perr := url.Parse(s.URL)
	if perr != nil || (u.Scheme != "ldap" && u.Scheme != "ldaps") || u.Host == "" {
		return "url", fmt.Errorf("%q is not an ldap:// or ldaps:// URL", s.URL)
	}
	if _, perr := ldap.ParseDN(s.Base); perr != nil || s.Base == "" {
		return "base", fmt.Errorf("%q is not a DN: %v", s.Base, perr)
	}
	return "", nil
}

// connect dials the directory with StartTLS when asked, not yet bound.
func (s Server) connect() (*ldap.Conn, error) {
	conn, err := ldap.DialURL(s.URL, ldap.DialWithDialer(&net.Dialer{Timeout: Timeout}))
	if err != nil {
		return nil, fmt.Errorf("connect to LDAP server %s: %w", s.URL, err)
	}
	conn.SetTimeout(Timeout)
	if s.StartTLS {
		u, _ := url.Parse(s.URL)
		if err := conn.StartTLS(&tls.Config{ServerName: u.Hostname()}); err != nil {
			conn.Close()
			return nil, fmt.Errorf("StartTLS with LDAP server %s: %w", s.URL, err)
		}
	}
	return conn, nil
}

// Dial connects bound as the server's search user.
func (s Server) Dial() (*ldap.Conn, error) {
	conn, err := s.connect()
	if err != nil {
		return nil, err
	}
	if s.BindDN != "" {
		if err := conn.Bind(s.BindDN, s.BindPassword); err != nil {
			conn.Close()
			return nil, fmt.Errorf("bind to LDAP server %s as %s: %w", s.URL, s.BindDN, err)
		}
	}
	return conn, nil
}

// Ping checks that the server answers and takes its search user.
func (s Server) Ping() error {
	conn, err := s.Dial()
	if err == nil {
		conn.Close()
	}
	return err
}

// ErrBadFilter marks a filter that does not parse.
var ErrBadFilter = errors.New("not an LDAP filter")

// Search runs a subtree search under the base, returning at most limit
// entries.
func (s Server) Search(filter string, limit int) ([]Entry, error) {
	if _, err := ldap.CompileFilter(filter); err != nil {
		return nil, fmt.Errorf("%w: %q: %v", ErrBadFilter, filter, err)
	}
	conn, err := s.Dial()
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	res, err := conn.Search(ldap.NewSearchRequest(s.Base, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, limit,
		int(Timeout.Seconds()), false, filter, nil, nil))
	if err != nil && !ldap.IsErrorWithCode(err, ldap.LDAPResultSizeLimitExceeded) {
		if ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject) {
			return nil, nil
		}
		return nil, fmt.Errorf("search LDAP server %s for %s: %w", s.URL, filter, err)
	}
	if res == nil {
		return nil, nil
	}
	out := make([]Entry, 0, len(res.Entries))
	for _, e := range res.Entries {
		en := Entry{DN: e.DN, Attributes: map[string][]string{}}
		for _, a := range e.Attributes {
			if strings.EqualFold(a.Name, "userPassword") {
				continue
			}
			en.Attributes[a.Name] = a.Values
			en.Order = append(en.Order, a.Name)
		}
		out = append(out, en)
	}
	return out, nil
}

// Exists reports whether a DN names an entry.
func (s Server) Exists(dn string) (bool, error) {
	conn, err := s.Dial()
	if err != nil {
		return false, err
	}
	defer conn.Close()
	_, err = conn.Search(ldap.NewSearchRequest(dn, ldap.ScopeBaseObject, ldap.NeverDerefAliases, 1,
		int(Timeout.Seconds()), false, "(objectClass=*)", []string{"1.1"}, nil))
	if ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("look up %s on LDAP server %s: %w", dn, s.URL, err)
	}
	return true, nil
}

// Authenticate checks a password by binding as the entry; uid is a DN
// or a value of the login attribute. It returns the entry's DN, or
// ErrWrongCredentials.
func (s Server) Authenticate(uid, password string) (string, error) {
	if password == "" {
		// An empty password would be an unauthenticated bind, which
		// directories accept for any DN.
		return "", ErrWrongCredentials
	}
	dn := uid
	if _, err := ldap.ParseDN(uid); err != nil || !strings.Contains(uid, "=") {
		attr := s.LoginAttribute
		if attr == "" {
			attr = "uid"
		}
		entries, err := s.Search("("+attr+"="+ldap.EscapeFilter(uid)+")", 2)
		if err != nil {
			return "", err
		}
		if len(entries) != 1 {
			return "", ErrWrongCredentials
		}
		dn = entries[0].DN
	}
	conn, err := s.connect()
	if err != nil {
		return "", err
	}
	defer conn.Close()
	if err := conn.Bind(dn, password); err != nil {
		if ldap.IsErrorWithCode(err, ldap.LDAPResultInvalidCredentials) || ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject) {
			return "", ErrWrongCredentials
		}
		return "", fmt.Errorf("bind to LDAP server %s: %w", s.URL, err)
	}
	return dn, nil
}

// SameDN compares DNs as a directory does (case and spacing aside).
func SameDN(a, b string) bool {
	da, err1 := ldap.ParseDN(a)
	db, err2 := ldap.ParseDN(b)
	if err1 != nil || err2 != nil {
		return strings.EqualFold(a, b)
	}
	return da.EqualFold(db)
}
