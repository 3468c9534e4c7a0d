package api

import (
	"embed"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"strings"
	"sync"
)

// sources is this package's own code: the doc comments of its fields are
// the descriptions in the OpenAPI document, so they are written once,
// where a Go reader sees them too.
//
//go:embed *.go
var sources embed.FS

var fieldDocs = sync.OnceValues(func() (map[string]string, error) {
	docs := map[string]string{}
	fset := token.NewFileSet()
	err := fs.WalkDir(sources, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(path, "_test.go") {
			return err
		}
		src, err := sources.ReadFile(path)
		if err != nil {
			return err
		}
		f, err := parser.ParseFile(fset, path, src, parser.ParseComments)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			ts, ok := n.(*ast.TypeSpec)
			if !ok {
				return true
			}
			st, ok := ts.Type.(*ast.StructType)
			if !ok {
				return true
			}
			for _, fld := range st.Fields.List {
				text := strings.Join(strings.Fields(fld.Doc.Text()), " ")
				for _, name := range fld.Names {
					docs[ts.Name.Name+"."+name.Name] = text
				}
			}
			return false
		})
		return nil
	})
	return docs, err
})

// FieldDoc returns the doc comment of a field of one of this package's
// struct types ("" if it has none), e.g. FieldDoc("VM", "Status").
func FieldDoc(typeName, field string) string {
	docs, err := fieldDocs()
	if err != nil {
		return ""
	}
	return docs[typeName+"."+field]
}
