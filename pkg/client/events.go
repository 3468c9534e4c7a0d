package client

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/kumo-cloud/kumo/pkg/api"
)

// Events reads GET /v1/events, calling fn with each event, until ctx
// ends (it then returns ctx's error) or the server ends the stream.
func (c *Client) Events(ctx context.Context, fn func(api.Event)) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.BaseURL+"/v1/events", nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "text/event-stream")
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		return errorOf(resp)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	var name, data string
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if name == "end" {
				var e api.Error
				json.Unmarshal([]byte(data), &e)
				return &Error{Status: http.StatusUnauthorized, ErrorDetail: e.Error}
			}
			if data != "" {
				var ev api.Event
				if err := json.Unmarshal([]byte(data), &ev); err != nil {
					return fmt.Errorf("event stream: %w", err)
				}
				fn(ev)
			}
			name, data = "", ""
		case strings.HasPrefix(line, "event:"):
			name = strings.TrimSpace(strings.TrimPrefix(line, "event:"))
		case strings.HasPrefix(line, "data:"):
			data += strings.TrimSpace(strings.TrimPrefix(line, "data:"))
		}
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return sc.Err()
}
