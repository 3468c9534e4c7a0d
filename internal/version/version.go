// Package version says which Kumo this binary is.
package version

import (
	"runtime/debug"
	"strings"
)

// Version is set at build time by packaging
// (-ldflags "-X github.com/kumo-cloud/kumo/internal/version.Version=1.2.3");
// a plain `go build` leaves it empty and String reads the VCS stamp.
var Version string

// String is the version, e.g. "1.2.3" or "dev+3f1c2ab (modified)".
func String() string {
	if Version != "" {
		return Version
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "dev"
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return strings.TrimPrefix(v, "v")
	}
	var rev, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = " (modified)"
			}
		}
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if rev == "" {
		return "dev"
	}
	return "dev+" + rev + modified
}
