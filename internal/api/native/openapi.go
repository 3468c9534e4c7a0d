package native

import (
	"net/http"
	"reflect"

	"github.com/swaggest/jsonschema-go"
	"github.com/swaggest/openapi-go"
	"github.com/swaggest/openapi-go/openapi3"

	"github.com/kumo-cloud/kumo/pkg/api"
)

// openAPIDocument describes the routes as an OpenAPI 3 document.
func openAPIDocument(routes []route) ([]byte, error) {
	r := openapi3.Reflector{}
	r.Spec = &openapi3.Spec{Openapi: "3.0.3"}
	// Field descriptions are the doc comments of pkg/api, written once.
	r.DefaultOptions = append(r.DefaultOptions, jsonschema.InterceptProp(describeFromDocs))
	r.Spec.Info.WithTitle("Kumo native API").WithVersion("1").
		WithDescription("Send the token from POST /v1/login as 'Authorization: Bearer <token>'. " +
			"Long operations answer 202 with a task; poll GET /v1/tasks/{id} or wait on /v1/tasks/{id}/wait.")
	// The address of the all-in-one default; clients use their server's.
	r.Spec.WithServers(openapi3.Server{URL: "http://127.0.0.1:8080", Description: strPtr("kumo server on this machine (--listen)")})
	r.Spec.SetHTTPBearerTokenSecurity(securityBearer, "opaque", "the token from POST /v1/login")
	r.Spec.SetAPIKeySecurity(securityTicket, "ticket", openapi.InQuery,
		"a single-use console ticket from POST /v1/vms/{id}/console, for browsers, which cannot send headers on a websocket")
	// Every operation needs the session unless it says otherwise.
	r.Spec.WithSecurity(map[string][]string{securityBearer: {}})
	for _, rt := range routes {
		oc, err := r.NewOperationContext(rt.method, rt.path)
		if err != nil {
			return nil, err
		}
		oc.SetID(rt.op)
		oc.SetSummary(rt.summary)
		if rt.params != nil {
			oc.AddReqStructure(rt.params)
		}
		if rt.body != nil {
			oc.AddReqStructure(rt.body)
		}
		if rt.reply != nil && rt.eventStream {
			oc.AddRespStructure(rt.reply, openapi.WithHTTPStatus(rt.status), openapi.WithContentType("text/event-stream"))
		} else if rt.reply != nil {
			oc.AddRespStructure(rt.reply, openapi.WithHTTPStatus(rt.status))
		} else {
			oc.AddRespStructure(nil, openapi.WithHTTPStatus(rt.status))
		}
		oc.AddRespStructure(api.Error{}, openapi.WithHTTPStatus(http.StatusBadRequest))
		if !rt.public {
			oc.AddRespStructure(api.Error{}, openapi.WithHTTPStatus(http.StatusUnauthorized))
		}
		if err := r.AddOperation(oc); err != nil {
			return nil, err
		}
		var security []map[string][]string
		switch {
		case rt.public:
			// An empty requirement: no credential needed.
			security = []map[string][]string{{}}
		case rt.ticket:
			security = []map[string][]string{{securityBearer: {}}, {securityTicket: {}}}
		}
		if security != nil {
			err := r.Spec.SetupOperation(rt.method, rt.path, func(op *openapi3.Operation) error {
				op.Security = security
				return nil
			})
			if err != nil {
				return nil, err
			}
		}
	}
	return r.Spec.MarshalJSON()
}

// The names of the security schemes in the document.
const (
	securityBearer = "bearerToken"
	securityTicket = "consoleTicket"
)

func strPtr(s string) *string { return &s }

// apiPackage is the import path of the API objects.
var apiPackage = reflect.TypeFor[api.VM]().PkgPath()

// describeFromDocs gives a property of an API object the doc comment of
// its Go field as its description, unless a description tag gave one.
func describeFromDocs(p jsonschema.InterceptPropParams) error {
	if !p.Processed || p.PropertySchema == nil || p.ParentSchema == nil || p.ParentSchema.ReflectType == nil ||
		p.PropertySchema.Description != nil {
		return nil
	}
	t := p.ParentSchema.ReflectType
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.PkgPath() != apiPackage {
		return nil
	}
	if d := api.FieldDoc(t.Name(), p.Field.Name); d != "" {
		p.PropertySchema.WithDescription(d)
	}
	return nil
}
