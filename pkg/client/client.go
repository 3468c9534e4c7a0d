// Package client is a typed client of Kumo's native API (/v1).
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kumo-cloud/kumo/pkg/api"
)

// Client talks to one Kumo server.
type Client struct {
	BaseURL string // e.g. http://127.0.0.1:8080
	Token   string
	HTTP    *http.Client
}

// New returns a client for baseURL using token (may be empty before Login).
func New(baseURL, token string) *Client {
	return &Client{BaseURL: strings.TrimRight(baseURL, "/"), Token: token, HTTP: &http.Client{}}
}

// Error is a failed API call.
type Error struct {
	Status int
	api.ErrorDetail
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s (HTTP %d, %s)", e.Message, e.Status, e.Code)
}

// do sends a JSON request and decodes a JSON reply into out.
func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	_, err := c.send(ctx, method, path, body, "application/json", -1, out)
	return err
}

// send makes a request and decodes a JSON reply into out; it returns the
// reply's headers (list pages put their totals there).
func (c *Client) send(ctx context.Context, method, path string, body io.Reader, contentType string, length int64, out any) (http.Header, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.BaseURL+path, body)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", contentType)
		if length >= 0 {
			req.ContentLength = length
		}
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		return resp.Header, errorOf(resp)
	}
	if out == nil {
		return resp.Header, nil
	}
	return resp.Header, json.NewDecoder(resp.Body).Decode(out)
}

// Login opens a session and keeps its token in the client.
func (c *Client) Login(ctx context.Context, user, password string) (api.Session, error) {
	var s api.Session
	err := c.do(ctx, http.MethodPost, "/v1/login", api.LoginRequest{Username: user, Password: password}, &s)
	if err == nil {
		c.Token = s.Token
	}
	return s, err
}

// Session returns the current session.
func (c *Client) Session(ctx context.Context) (s api.Session, err error) {
	return s, c.do(ctx, http.MethodGet, "/v1/session", nil, &s)
}

// RenewSession extends the current session.
func (c *Client) RenewSession(ctx context.Context) (s api.Session, err error) {
	return s, c.do(ctx, http.MethodPost, "/v1/session/renew", nil, &s)
}

// Logout ends the current session.
func (c *Client) Logout(ctx context.Context) error {
	return c.do(ctx, http.MethodPost, "/v1/logout", nil, nil)
}

// Pools lists pools.
func (c *Client) Pools(ctx context.Context) (out []api.Pool, err error) {
	return out, c.do(ctx, http.MethodGet, "/v1/pools", nil, &out)
}

// CreatePool creates a pool.
func (c *Client) CreatePool(ctx context.Context, req api.PoolsPost) (out api.Pool, err error) {
	return out, c.do(ctx, http.MethodPost, "/v1/pools", req, &out)
}

// Pool shows one pool.
func (c *Client) Pool(ctx context.Context, id string) (out api.Pool, err error) {
	return out, c.do(ctx, http.MethodGet, "/v1/pools/"+url.PathEscape(id), nil, &out)
}

// DeletePool deletes a pool.
func (c *Client) DeletePool(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodDelete, "/v1/pools/"+url.PathEscape(id), nil, nil)
}

// Hosts lists hosts.
func (c *Client) Hosts(ctx context.Context) (out []api.Host, err error) {
	return out, c.do(ctx, http.MethodGet, "/v1/hosts", nil, &out)
}

// Host shows one host.
func (c *Client) Host(ctx context.Context, id string) (out api.Host, err error) {
	return out, c.do(ctx, http.MethodGet, "/v1/hosts/"+url.PathEscape(id), nil, &out)
}

// RemoveHost removes an offline host that holds no VMs.
func (c *Client) RemoveHost(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodDelete, "/v1/hosts/"+url.PathEscape(id), nil, nil)
}

// SetHostMaintenance puts a host into maintenance or takes it out.
func (c *Client) SetHostMaintenance(ctx context.Context, id string, on bool) (out api.Host, err error) {
	return out, c.do(ctx, http.MethodPut, "/v1/hosts/"+url.PathEscape(id)+"/maintenance", api.HostMaintenancePut{Enabled: on}, &out)
}

// EvacuateHost puts a host into maintenance and moves its running VMs
// away; the parent task's children are the migrations.
func (c *Client) EvacuateHost(ctx context.Context, id string) (out api.Task, err error) {
	return out, c.do(ctx, http.MethodPost, "/v1/hosts/"+url.PathEscape(id)+"/evacuate", nil, &out)
}

// CreateJoinToken makes a join token for a new agent.
func (c *Client) CreateJoinToken(ctx context.Context, req api.JoinTokensPost) (out api.JoinToken, err error) {
	return out, c.do(ctx, http.MethodPost, "/v1/hosts/join-tokens", req, &out)
}

// Images lists images.
func (c *Client) Images(ctx context.Context) (out []api.Image, err error) {
	return out, c.do(ctx, http.MethodGet, "/v1/images", nil, &out)
}

// Image shows one image.
func (c *Client) Image(ctx context.Context, id string) (out api.Image, err error) {
	return out, c.do(ctx, http.MethodGet, "/v1/images/"+url.PathEscape(id), nil, &out)
}

// UploadImage streams content as a new image; size may be -1 if unknown.
func (c *Client) UploadImage(ctx context.Context, name, format string, content io.Reader, size int64) (out api.Image, err error) {
	q := url.Values{"name": {name}}
	if format != "" {
		q.Set("format", format)
	}
	_, err = c.send(ctx, http.MethodPost, "/v1/images?"+q.Encode(), content, "application/octet-stream", size, &out)
	return out, err
}

// ShareImage shares an image with tenants, or with all.
func (c *Client) ShareImage(ctx context.Context, id string, req api.SharesPost) error {
	return c.do(ctx, http.MethodPost, "/v1/images/"+url.PathEscape(id)+"/shares", req, nil)
}

// DeleteImage deletes an unused image.
func (c *Client) DeleteImage(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodDelete, "/v1/images/"+url.PathEscape(id), nil, nil)
}

// VMs lists all VMs the caller sees, a page at a time.
func (c *Client) VMs(ctx context.Context) ([]api.VM, error) {
	return c.VMsWhere(ctx, api.VMsFilter{})
}

// VMsWhere lists every VM a filter selects, a page at a time, from
// f.Offset on; f.Limit, if set, caps how many.
func (c *Client) VMsWhere(ctx context.Context, f api.VMsFilter) ([]api.VM, error) {
	return allPages(f.Limit, f.Offset, func(offset int) ([]api.VM, int, error) {
		f.Limit, f.Offset = api.MaxPageSize, offset
		return c.VMsPage(ctx, f)
	})
}

// VMsPage lists one page of the VMs a filter selects, and how many it
// selects in all.
func (c *Client) VMsPage(ctx context.Context, f api.VMsFilter) ([]api.VM, int, error) {
	return getPage[api.VM](ctx, c, "VMs", listPath("/v1/vms", map[string]string{"filter": f.Filter, "sort": f.Sort}, f.Limit, f.Offset))
}

// VM shows one VM.
func (c *Client) VM(ctx context.Context, id string) (out api.VM, err error) {
	return out, c.do(ctx, http.MethodGet, "/v1/vms/"+url.PathEscape(id), nil, &out)
}

// CreateVM creates a VM; the returned task makes its disk.
func (c *Client) CreateVM(ctx context.Context, req api.VMsPost) (out api.VMCreated, err error) {
	return out, c.do(ctx, http.MethodPost, "/v1/vms", req, &out)
}

// UpdateVM changes a VM.
func (c *Client) UpdateVM(ctx context.Context, id string, req api.VMPatch) (out api.VM, err error) {
	return out, c.do(ctx, http.MethodPatch, "/v1/vms/"+url.PathEscape(id), req, &out)
}

// ChangeVMState applies a power action.
func (c *Client) ChangeVMState(ctx context.Context, id string, req api.VMStatePut) (out api.Task, err error) {
	return out, c.do(ctx, http.MethodPut, "/v1/vms/"+url.PathEscape(id)+"/state", req, &out)
}

// MigrateVM moves a running VM live to another host.
func (c *Client) MigrateVM(ctx context.Context, id string, req api.VMMigratePost) (out api.Task, err error) {
	return out, c.do(ctx, http.MethodPost, "/v1/vms/"+url.PathEscape(id)+"/migrate", req, &out)
}

// DeleteVM deletes a VM.
func (c *Client) DeleteVM(ctx context.Context, id string) (out api.Task, err error) {
	return out, c.do(ctx, http.MethodDelete, "/v1/vms/"+url.PathEscape(id), nil, &out)
}

// Tasks lists tasks.
func (c *Client) Tasks(ctx context.Context) (out []api.Task, err error) {
	return c.TasksWhere(ctx, api.TasksFilter{})
}

// TasksWhere lists every task a filter selects (the children of a
// parent task, the tasks of an object), a page at a time, newest first,
// from f.Offset on; f.Limit, if set, caps how many.
func (c *Client) TasksWhere(ctx context.Context, f api.TasksFilter) ([]api.Task, error) {
	return allPages(f.Limit, f.Offset, func(offset int) ([]api.Task, int, error) {
		f.Limit, f.Offset = api.MaxPageSize, offset
		return c.TasksPage(ctx, f)
	})
}

// TasksPage lists one page of the tasks a filter selects, and how many it
// selects in all.
func (c *Client) TasksPage(ctx context.Context, f api.TasksFilter) ([]api.Task, int, error) {
	return getPage[api.Task](ctx, c, "tasks",
		listPath("/v1/tasks", map[string]string{"target": f.Target, "state": f.State, "parent": f.Parent, "kind": f.Kind}, f.Limit, f.Offset))
}

// AuditLog lists audit log entries, newest first.
func (c *Client) AuditLog(ctx context.Context, f api.AuditLogFilter) (out []api.AuditEntry, err error) {
	path := listPath("/v1/audit-log", map[string]string{"after": f.After, "before": f.Before}, f.Limit, f.Offset)
	return out, c.do(ctx, http.MethodGet, path, nil, &out)
}

// Task shows one task.
func (c *Client) Task(ctx context.Context, id string) (out api.Task, err error) {
	return out, c.do(ctx, http.MethodGet, "/v1/tasks/"+url.PathEscape(id), nil, &out)
}

// CancelTask cancels a task.
func (c *Client) CancelTask(ctx context.Context, id string) (out api.Task, err error) {
	return out, c.do(ctx, http.MethodDelete, "/v1/tasks/"+url.PathEscape(id), nil, &out)
}

// WaitTask waits until the task is final or ctx ends, calling progress
// (if not nil) whenever the task is seen. A failed task is returned with a
// nil error: the task says why it failed.
func (c *Client) WaitTask(ctx context.Context, id string, progress func(api.Task)) (api.Task, error) {
	for {
		var t api.Task
		// Long-poll in short slices, so progress can be shown meanwhile.
		if err := c.do(ctx, http.MethodGet, "/v1/tasks/"+url.PathEscape(id)+"/wait?timeout=1", nil, &t); err != nil {
			return t, err
		}
		if progress != nil {
			progress(t)
		}
		if t.Final() {
			return t, nil
		}
		select {
		case <-ctx.Done():
			return t, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// errorOf turns a failed reply into an *Error.
func errorOf(resp *http.Response) error {
	var e api.Error
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if json.Unmarshal(raw, &e) != nil || e.Error.Code == "" {
		return &Error{Status: resp.StatusCode, ErrorDetail: api.ErrorDetail{Code: "http", Message: strings.TrimSpace(string(raw))}}
	}
	return &Error{Status: resp.StatusCode, ErrorDetail: e.Error}
}

// listPath is a list's path with its non-empty query parameters, and
// limit and offset when positive.
func listPath(base string, params map[string]string, limit, offset int) string {
	q := url.Values{}
	for k, v := range params {
		if v != "" {
			q.Set(k, v)
		}
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	if offset > 0 {
		q.Set("offset", strconv.Itoa(offset))
	}
	if len(q) == 0 {
		return base
	}
	return base + "?" + q.Encode()
}

// VMUsage shows what a running VM uses, as its host last reported.
func (c *Client) VMUsage(ctx context.Context, id string) (out api.VMUsage, err error) {
	return out, c.do(ctx, http.MethodGet, "/v1/vms/"+url.PathEscape(id)+"/usage", nil, &out)
}

// getPage gets one page of a list and the total its X-Total-Count
// header gives.
func getPage[T any](ctx context.Context, c *Client, what, path string) ([]T, int, error) {
	var out []T
	h, err := c.send(ctx, http.MethodGet, path, nil, "", -1, &out)
	if err != nil {
		return nil, 0, err
	}
	total, err := strconv.Atoi(h.Get(api.TotalCountHeader))
	if err != nil {
		return nil, 0, fmt.Errorf("list %s: the reply has no %s header", what, api.TotalCountHeader)
	}
	return out, total, nil
}

// allPages collects the pages of a list from offset on, at most want
// items (0: all).
func allPages[T any](want, offset int, page func(offset int) ([]T, int, error)) ([]T, error) {
	out := []T{}
	for {
		items, total, err := page(offset)
		if err != nil {
			return nil, err
		}
		out = append(out, items...)
		if want > 0 && len(out) >= want {
			return out[:want], nil
		}
		offset += len(items)
		if len(items) == 0 || offset >= total {
			return out, nil
		}
	}
}
