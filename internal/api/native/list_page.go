package native

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/kumo-cloud/kumo/internal/model"
	"github.com/kumo-cloud/kumo/pkg/api"
)

// listPage is a handler's answer for one page of a list: the items go in
// the body, the total and the next page's link in headers (see
// api.TotalCountHeader), so a list stays a JSON array.
type listPage struct {
	items any
	total int
	// next is the path of the next page, empty on the last one.
	next string
}

func (p listPage) writeHeaders(w http.ResponseWriter) {
	w.Header().Set(api.TotalCountHeader, strconv.Itoa(p.total))
	if p.next != "" {
		w.Header().Set("Link", "<"+p.next+`>; rel="next"`)
	}
}

// pageOf reads limit and offset (DefaultPageSize when no limit is given).
func pageOf(q url.Values) (limit, offset int, err error) {
	limit, offset = api.DefaultPageSize, 0
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > api.MaxPageSize {
			return 0, 0, model.FieldError("limit", "limit must be a number from 1 to %d", api.MaxPageSize)
		}
	}
	if v := q.Get("offset"); v != "" {
		if offset, err = strconv.Atoi(v); err != nil || offset < 0 {
			return 0, 0, model.FieldError("offset", "offset must be a number from 0 on")
		}
	}
	return limit, offset, nil
}

// nextPage is the path of the page after [offset, offset+n) of total, or
// empty if there is none.
func nextPage(r *http.Request, offset, n, total int) string {
	if n == 0 || offset+n >= total {
		return ""
	}
	q := r.URL.Query()
	q.Set("offset", strconv.Itoa(offset+n))
	return r.URL.Path + "?" + q.Encode()
}
