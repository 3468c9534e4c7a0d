package service

import (
	"regexp"
	"unicode/utf8"

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

// validText checks free text: valid UTF-8 of min to max characters.
func validText(field, s string, min, max int) error {
	n := utf8.RuneCountInString(s)
	if !utf8.ValidString(s) || n < min || n > max {
		if min > 0 && n == 0 {
			return model.FieldError(field, "is required")
		}
		return model.FieldError(field, "must be valid UTF-8 of %d to %d characters", min, max)
	}
	return nil
}
