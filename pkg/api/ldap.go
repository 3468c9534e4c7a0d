package api

import "time"

// LDAPServer is a directory users may log in with; the first is the one
// used. Its bind password is never shown.
type LDAPServer struct {
	// ID is the server's id.
	ID string `json:"id" example:"2c4e6a8b-0d1f-4a3c-9e5b-7d9f1b3d5f70"`
	// Name and Description are free text.
	Name string `json:"name" example:"corp"`
	// Description is free text.
	Description string `json:"description" example:"the company directory"`
	// URL is ldap:// or ldaps://.
	URL string `json:"url" example:"ldap://ldap.example.com:389"`
	// Base is the DN searches start at.
	Base string `json:"base" example:"dc=example,dc=com"`
	// BindDN is who searches bind as.
	BindDN string `json:"bind_dn" example:"cn=kumo,dc=example,dc=com"`
	// Encryption is None or TLS (StartTLS).
	Encryption string `json:"encryption" enum:"None,TLS" example:"None"`
	// LoginAttribute is what a login name is matched against.
	LoginAttribute string `json:"login_attribute" example:"uid"`
	// CreatedAt is when it was added.
	CreatedAt time.Time `json:"created_at" example:"2026-12-03T13:09:42Z"`
}

// LDAPServersPost is the body of POST /v1/ldap/servers.
type LDAPServersPost struct {
	// Name of the server.
	Name string `json:"name" required:"true" example:"corp"`
	// Description is free text.
	Description string `json:"description,omitempty" example:"the company directory"`
	// URL is ldap:// or ldaps://.
	URL string `json:"url" required:"true" example:"ldap://ldap.example.com:389"`
	// Base is the DN searches start at.
	Base string `json:"base" required:"true" example:"dc=example,dc=com"`
	// BindDN and BindPassword are who searches bind as (empty: anonymous).
	BindDN string `json:"bind_dn,omitempty" example:"cn=kumo,dc=example,dc=com"`
	// BindPassword is BindDN's password, stored encrypted and never shown.
	BindPassword string `json:"bind_password,omitempty" example:"s3cret"`
	// Encryption is None (default) or TLS.
	Encryption string `json:"encryption,omitempty" enum:"None,TLS" example:"None"`
	// LoginAttribute defaults to uid.
	LoginAttribute string `json:"login_attribute,omitempty" example:"uid"`
}

// LDAPBinding lets a directory entry log in as a Kumo user.
type LDAPBinding struct {
	// ID is the binding's id.
	ID string `json:"id" example:"7e9a1c3b-5d7f-4b1a-8c2e-4f6a8c0e2b4d"`
	// Server is the directory's id.
	Server string `json:"server" example:"2c4e6a8b-0d1f-4a3c-9e5b-7d9f1b3d5f70"`
	// DN is the entry.
	DN string `json:"dn" example:"uid=ann,ou=people,dc=example,dc=com"`
	// User is the Kumo user it logs in as.
	User string `json:"user" example:"ann"`
}

// LDAPBindingsPost is the body of POST /v1/ldap/bindings.
type LDAPBindingsPost struct {
	// DN is the entry, which must exist in the directory in use.
	DN string `json:"dn" required:"true" example:"uid=ann,ou=people,dc=example,dc=com"`
	// User is the Kumo user it logs in as.
	User string `json:"user" required:"true" example:"ann"`
}

// LDAPLoginRequest is the body of POST /v1/login/ldap.
type LDAPLoginRequest struct {
	// UID is the login name (or a DN).
	UID string `json:"uid" required:"true" example:"ann"`
	// Password is checked by the directory.
	Password string `json:"password" required:"true" example:"anns-password"`
}
