package dbc

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"

	"github.com/kumo-cloud/kumo/internal/model"
)

// Image servers are DBC's image centres, from which nodes download images
// and to which they upload them. In Kumo an image server is an HTTP
// server (Options.ImageServers): GET URL/ lists its files (a directory
// listing: every relative link is a file), GET URL/FILE downloads one,
// PUT URL/FILE uploads one. A download becomes an image of Kumo owned by
// the wallet, so every host can start VMs from it; a wallet uploads only
// its own images.

// imageServer returns the base URL of an image server.
func (s *Server) imageServer(id string) (string, error) {
	if id == "" {
		return "", model.FieldError("additional.image_server", "is required")
	}
	base, ok := s.opts.ImageServers[id]
	if !ok {
		return "", model.Errorf(model.CodeNotFound, "no image server %q (this node has %d: see /images/servers)", id, len(s.opts.ImageServers))
	}
	return strings.TrimSuffix(base, "/"), nil
}

func (s *Server) listImageServers(c *call) (any, error) {
	if err := c.additional(&struct{}{}); err != nil {
		return nil, err
	}
	ids := []string{}
	for id := range s.opts.ImageServers {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids, nil
}

// listingLink finds the links of a directory listing.
var listingLink = regexp.MustCompile(`(?i)href="([^"]+)"`)

// serverImages lists the files of an image server.
func (s *Server) serverImages(ctx context.Context, id string) ([]image, error) {
	base, err := s.imageServer(id)
	if err != nil {
		return nil, err
	}
	body, err := s.get(ctx, base+"/")
	if err != nil {
		return nil, err
	}
	defer body.Close()
	page, err := io.ReadAll(io.LimitReader(body, 4<<20))
	if err != nil {
		return nil, model.Errorf(model.CodeUnavailable, "list image server %s: %v", id, err)
	}
	out := []image{}
	seen := map[string]bool{}
	for _, m := range listingLink.FindAllStringSubmatch(string(page), -1) {
		name, err := url.PathUnescape(m[1])
		if err != nil || name == "" || strings.ContainsAny(name, "/?#:") || strings.HasPrefix(name, ".") || seen[name] {
			continue // parent and sub-directories, sorting links, other sites
		}
		seen[name] = true
		out = append(out, image{ImageName: name})
	}
	return out, nil
}

func (s *Server) get(ctx context.Context, u string) (io.ReadCloser, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, model.Errorf(model.CodeInvalidArgument, "image server URL %s: %v", u, err)
	}
	resp, err := s.opts.HTTPClient.Do(req)
	if err != nil {
		return nil, model.Errorf(model.CodeUnavailable, "GET %s: %v", u, err)
	}
	if resp.StatusCode == http.StatusNotFound {
		resp.Body.Close()
		return nil, model.Errorf(model.CodeNotFound, "GET %s: the image server has no such file", u)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, model.Errorf(model.CodeUnavailable, "GET %s: HTTP %d", u, resp.StatusCode)
	}
	return &sizedBody{resp.Body, resp.ContentLength}, nil
}

// sizedBody is a download with its announced length (-1 if unknown).
type sizedBody struct {
	io.ReadCloser
	size int64
}
