package api

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// TestEveryFieldIsDocumented: every field of the API's objects that goes
// on the wire has a doc comment (or a description tag) and an example,
// which the OpenAPI document shows. Fields that hold other objects take
// their examples from those.
func TestEveryFieldIsDocumented(t *testing.T) {
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, ".", func(fi fs.FileInfo) bool {
		return !strings.HasSuffix(fi.Name(), "_test.go")
	}, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	structs := map[string]bool{}
	for _, p := range pkgs {
		ast.Inspect(p, func(n ast.Node) bool {
			if ts, ok := n.(*ast.TypeSpec); ok {
				if _, ok := ts.Type.(*ast.StructType); ok {
					structs[ts.Name.Name] = true
				}
			}
			return true
		})
	}
	missing := 0
	for _, p := range pkgs {
		ast.Inspect(p, func(n ast.Node) bool {
			ts, ok := n.(*ast.TypeSpec)
			if !ok || !ts.Name.IsExported() {
				return true
			}
			st, ok := ts.Type.(*ast.StructType)
			if !ok {
				return true
			}
			for _, f := range st.Fields.List {
				var tag reflect.StructTag
				if f.Tag != nil {
					s, _ := strconv.Unquote(f.Tag.Value)
					tag = reflect.StructTag(s)
				}
				wire := tag.Get("json") != "" || tag.Get("query") != "" || tag.Get("path") != ""
				if !wire || tag.Get("json") == "-" {
					continue
				}
				for _, name := range f.Names {
					what := ts.Name.Name + "." + name.Name
					if FieldDoc(ts.Name.Name, name.Name) == "" && tag.Get("description") == "" {
						t.Errorf("%s has no doc comment", what)
						missing++
					}
					if tag.Get("example") == "" && !holdsObjects(f.Type, structs) {
						t.Errorf("%s has no example", what)
						missing++
					}
				}
			}
			return false
		})
	}
	t.Logf("%d missing", missing)
}

// holdsObjects reports whether a field's type is one of the package's
// objects, or a slice, map or pointer of them.
func holdsObjects(e ast.Expr, structs map[string]bool) bool {
	switch x := e.(type) {
	case *ast.Ident:
		return structs[x.Name]
	case *ast.StarExpr:
		return holdsObjects(x.X, structs)
	case *ast.ArrayType:
		return holdsObjects(x.Elt, structs)
	case *ast.MapType:
		return holdsObjects(x.Value, structs)
	}
	return false
}
