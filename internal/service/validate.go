package service

import (
	"regexp"
	"unicode"
	"unicode/utf8"

	"github.com/kumo-cloud/kumo/internal/model"
)

// Kumo has two name rules, applied here for every API:
//   - validName, for names that are identifiers (VMs, images, pools,
//     users, groups, roles, tenants, ...): they go into URLs, command
//     lines and QEMU process names, so they are letters, digits and -_.
//   - validLabel, for names people read rather than type (schedule jobs
//     and triggers, LDAP servers, templates, display names and nicks):
//     any printable text, but never a character that hides or reorders
//     what others see in lists, logs and terminals.
// Descriptions follow validDescriptionText: free text over several lines,
// with the same characters refused but for tabs and line breaks.

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

// hiddenRune reports whether r is a character that does not show as
// itself: control characters (NUL, escape sequences, line breaks),
// format characters (bidi overrides and isolates such as U+202E, zero
// widths, the BOM) and line and paragraph separators.
func hiddenRune(r rune) bool {
	return unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Zl, r) || unicode.Is(unicode.Zp, r)
}

// validLabel checks a name people read: validText of min to max
// characters, none of them hidden (see hiddenRune).
func validLabel(field, s string, min, max int) error {
	if err := validText(field, s, min, max); err != nil {
		return err
	}
	for i, r := range s {
		if hiddenRune(r) {
			return model.FieldError(field, "holds the control or format character %U at byte %d: names must be printable text", r, i)
		}
	}
	return nil
}

// validDescriptionText checks a description: validText of at most max
// characters with no hidden character but tabs and line breaks.
func validDescriptionText(field, s string, max int) error {
	if err := validText(field, s, 0, max); err != nil {
		return err
	}
	for i, r := range s {
		if hiddenRune(r) && r != '\t' && r != '\n' && r != '\r' {
			return model.FieldError(field, "holds the control or format character %U at byte %d", r, i)
		}
	}
	return nil
}
