package zstack

import (
	"net/http"
	"strings"

	"github.com/kumo-cloud/kumo/internal/directory"
	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/internal/service"
)

// LDAP servers and bindings are the core's (service.AddLDAPServer,
// service.LoginLDAP): an entry bound to an account logs in as the
// account. As in ZStack, the first LDAP server is the one used.

// ldapServer is a server as ZStack shows it; the bind password is never
// shown.
type ldapServer struct {
	UUID           string `json:"uuid"`
	Name           string `json:"name"`
	Description    string `json:"description"`
	URL            string `json:"url"`
	Base           string `json:"base"`
	Username       string `json:"username"`
	Password       string `json:"password"`
	Encryption     string `json:"encryption"`
	LoginAttribute string `json:"loginAttribute"`
	CreateDate     string `json:"createDate"`
	LastOpDate     string `json:"lastOpDate"`
}

func ldapServerOf(l model.LDAPServer) ldapServer {
	return ldapServer{UUID: zid(l.ID), Name: l.Name, Description: l.Description, URL: l.URL, Base: l.Base, Username: l.BindDN,
		Encryption: l.Encryption, LoginAttribute: l.LoginAttribute, CreateDate: date(l.CreatedAt), LastOpDate: date(l.UpdatedAt)}
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
	l, err := s.svc.AddLDAPServer(r.Context(), model.LDAPServer{Name: p.Name, Description: p.Description, URL: p.URL, Base: p.Base,
		BindDN: p.Username, BindPassword: p.Password, Encryption: p.Encryption, LoginAttribute: loginAttributeOf(tags.SystemTags)})
	if err != nil {
		return nil, err
	}
	return inventory(ldapServerOf(l)), nil
}

func (s *Server) deleteLdapServer(r *http.Request) (any, error) {
	return struct{}{}, s.svc.DeleteLDAPServer(r.Context(), kumoID(zid(r.PathValue("uuid"))))
}

func (s *Server) queryLdapServer(r *http.Request) (any, error) {
	ls, err := s.svc.ListLDAPServers(r.Context())
	if err != nil {
		return nil, err
	}
	out := make([]ldapServer, 0, len(ls))
	for _, l := range ls {
		out = append(out, ldapServerOf(l))
	}
	return queryReply(r, out, func(l ldapServer) string { return l.UUID })
}

func (s *Server) updateLdapServer(r *http.Request) (any, error) {
	var p struct {
		Name, Description, URL, Base, Username, Password, Encryption *string
	}
	if err := body(r, "updateLdapServer", &p); err != nil {
		return nil, err
	}
	l, err := s.svc.UpdateLDAPServer(r.Context(), kumoID(zid(r.PathValue("ldapServerUuid"))), service.LDAPServerUpdate{
		Name: p.Name, Description: p.Description, URL: p.URL, Base: p.Base, BindDN: p.Username, BindPassword: p.Password,
		Encryption: p.Encryption})
	if err != nil {
		return nil, err
	}
	return inventory(ldapServerOf(l)), nil
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

func entriesOf(es []directory.Entry) []ldapEntry {
	out := []ldapEntry{}
	for _, e := range es {
		le := ldapEntry{DN: e.DN, Attributes: []ldapAttribute{}}
		for _, name := range e.Order {
			le.Attributes = append(le.Attributes, ldapAttribute{ID: name, Values: e.Attributes[name], ValuesAsNames: map[string]any{}})
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

// searchLdap runs the request's LDAP query on the server in use.
func (s *Server) searchLdap(r *http.Request) ([]directory.Entry, error) {
	filter, limit, err := ldapQuery(r)
	if err != nil {
		return nil, err
	}
	return s.svc.SearchLDAP(r.Context(), filter, limit)
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
	bindings, err := s.svc.ListLDAPBindings(r.Context())
	if err != nil {
		return nil, err
	}
	var free []directory.Entry
	for _, e := range es {
		bound := false
		for _, b := range bindings {
			bound = bound || directory.SameDN(b.DN, e.DN)
		}
		if !bound {
			free = append(free, e)
		}
	}
	return map[string]any{"inventories": entriesOf(free), "success": true}, nil
}
