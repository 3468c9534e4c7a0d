package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/kumo-cloud/kumo/internal/model"
)

// VMFilter is a VM list query as SQL: ids resolved, every value a bound
// parameter.
type VMFilter struct {
	NameLike        string // a LIKE pattern with \ escapes, lower case
	Statuses        []string
	HostID, PoolID  string
	Owner, TenantID string
	// OrderBy is a column of vmSortColumns; ties go by id.
	OrderBy string
	Desc    bool
	// Limit 0 means all.
	Limit, Offset int
}

// vmSortColumns maps sort keys to columns (the only text that reaches
// the SQL from a client).
var vmSortColumns = map[string]string{
	"name": "name", "created_at": "created_at", "status": "status", "cores": "cores",
	"memory_mib": "memory_mib", "host": "host_id",
}

// LikePattern turns a name pattern (* and ?, or a plain substring) into
// a lower-case LIKE pattern with \ as the escape character.
func LikePattern(glob string) string {
	var b strings.Builder
	wild := strings.ContainsAny(glob, "*?")
	if !wild {
		b.WriteByte('%')
	}
	for _, r := range strings.ToLower(glob) {
		switch r {
		case '*':
			b.WriteByte('%')
		case '?':
			b.WriteByte('_')
		case '%', '_', '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	if !wild {
		b.WriteByte('%')
	}
	return b.String()
}

func (f VMFilter) where() (string, []any) {
	var conds []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if f.NameLike != "" {
		conds = append(conds, "LOWER(name) LIKE "+arg(f.NameLike)+` ESCAPE '\'`)
	}
	if len(f.Statuses) > 0 {
		ph := make([]string, len(f.Statuses))
		for i, s := range f.Statuses {
			ph[i] = arg(s)
		}
		conds = append(conds, "status IN ("+strings.Join(ph, ", ")+")")
	}
	// In a fixed order, so that one filter is always the same SQL.
	for _, c := range []struct{ col, v string }{{"host_id", f.HostID}, {"pool_id", f.PoolID}, {"owner", f.Owner}, {"tenant_id", f.TenantID}} {
		if c.v != "" {
			conds = append(conds, c.col+" = "+arg(c.v))
		}
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// ListVMsFiltered returns the VMs matching f, in its order, its page only.
func (q Queries) ListVMsFiltered(ctx context.Context, f VMFilter) ([]model.VM, error) {
	where, args := f.where()
	col, ok := vmSortColumns[f.OrderBy]
	if !ok {
		col = "name"
	}
	dir := "ASC"
	if f.Desc {
		dir = "DESC"
	}
	query := `SELECT ` + vmColumns + ` FROM vms` + where + ` ORDER BY ` + col + ` ` + dir + `, id ` + dir + pageClause(f.Limit, f.Offset)
	return queryAll(ctx, q.q, q.scanVM, query, args...)
}

// CountVMsFiltered counts the VMs matching f (its page aside).
func (q Queries) CountVMsFiltered(ctx context.Context, f VMFilter) (int, error) {
	where, args := f.where()
	var n int
	err := q.q.QueryRowContext(ctx, `SELECT COUNT(*) FROM vms`+where, args...).Scan(&n)
	return n, classify(err)
}

// pageClause is the LIMIT and OFFSET of a list query: none for limit 0
// and offset 0. SQLite takes OFFSET only after a LIMIT, so an offset
// without a limit gets the largest one, no limit in either dialect.
func pageClause(limit, offset int) string {
	switch {
	case limit > 0:
		return fmt.Sprintf(" LIMIT %d OFFSET %d", limit, max(offset, 0))
	case offset > 0:
		return fmt.Sprintf(" LIMIT 9223372036854775807 OFFSET %d", offset)
	}
	return ""
}
