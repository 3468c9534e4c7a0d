// Package web serves the operator UI embedded in the binary. For now it is
// a placeholder page that points at the API; the noVNC console and the
// React UI come later.
package web

import (
	"embed"
	"io/fs"
	"net/http"
)

//go:embed static
var static embed.FS

// Handler serves the UI's files.
func Handler() http.Handler {
	sub, _ := fs.Sub(static, "static")
	return http.FileServer(http.FS(sub))
}
