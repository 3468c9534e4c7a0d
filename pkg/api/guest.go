package api

// GuestPasswordPut is the body of PUT /v1/vms/{id}/guest/password: the
// running VM's guest agent sets a guest account's password.
type GuestPasswordPut struct {
	// User is the guest account.
	User string `json:"user,omitempty" description:"guest account (default: the cloud-init administrator, else root)" example:"root"`
	// Password is the new password.
	Password string `json:"password,omitempty" description:"the new password (default: a random one, returned)" example:"s3cret-Passw0rd"`
}

// GuestCredentials are a guest account's credentials as Kumo last set
// them (or as cloud-init was given them).
type GuestCredentials struct {
	// User is the guest account.
	User string `json:"user" example:"root"`
	// Password is its password.
	Password string `json:"password" example:"s3cret-Passw0rd"`
}
