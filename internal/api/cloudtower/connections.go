package cloudtower

import (
	"net/http"
	"reflect"
)

// connection is the SDK's <Thing>Connection, the reply of the
// /get-<things>-connection calls: how many resources the where selects.
type connection struct {
	Aggregate struct {
		Count int `json:"count"`
	} `json:"aggregate"`
}

// connectionOf answers /get-<things>-connection with the list call it
// counts: the same where, first, skip and orderBy, the same filter.
func connectionOf(listing func(r *http.Request, body []byte) (any, error)) func(r *http.Request, body []byte) (any, error) {
	return func(r *http.Request, body []byte) (any, error) {
		out, err := listing(r, body)
		if err != nil {
			return nil, err
		}
		var c connection
		c.Aggregate.Count = reflect.ValueOf(out).Len()
		return c, nil
	}
}
