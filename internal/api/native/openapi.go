package native

import (
	"net/http"

	"github.com/swaggest/openapi-go"
	"github.com/swaggest/openapi-go/openapi3"

	"github.com/kumo-cloud/kumo/pkg/api"
)

// openAPIDocument describes the routes as an OpenAPI 3 document.
func openAPIDocument(routes []route) ([]byte, error) {
	r := openapi3.Reflector{}
	r.Spec = &openapi3.Spec{Openapi: "3.0.3"}
	r.Spec.Info.WithTitle("Kumo native API").WithVersion("1").
		WithDescription("Send the token from POST /v1/login as 'Authorization: Bearer <token>'. " +
			"Long operations answer 202 with a task; poll GET /v1/tasks/{id} or wait on /v1/tasks/{id}/wait.")
	for _, rt := range routes {
		oc, err := r.NewOperationContext(rt.method, rt.path)
		if err != nil {
			return nil, err
		}
		oc.SetSummary(rt.summary)
		if rt.params != nil {
			oc.AddReqStructure(rt.params)
		}
		if rt.body != nil {
			oc.AddReqStructure(rt.body)
		}
		if rt.reply != nil {
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
	}
	return r.Spec.MarshalJSON()
}
