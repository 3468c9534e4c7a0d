// Package api holds the objects of Kumo's native REST API (/v1), one object
// per file. The typed client (pkg/client), the CLI and the web UI use them;
// the OpenAPI document at /v1/openapi.json is generated from them.
package api
