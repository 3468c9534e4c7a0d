package service

import (
	"regexp"

	"github.com/kumo-cloud/kumo/internal/model"
)

// Names are used in URLs, on command lines and as QEMU process names.
var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$`)

func validName(field, name string) error {
	if !nameRE.MatchString(name) {
		return model.FieldError(field, "%q is not a valid name: use 1-63 letters, digits, '-', '_' or '.', starting with a letter or digit", name)
	}
	return nil
}
