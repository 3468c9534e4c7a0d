package api

// Error is the body of every failed native API call.
type Error struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail says what failed. Code is stable and machine-readable
// (invalid_argument, not_found, conflict, unauthenticated,
// permission_denied, insufficient_capacity, unavailable, internal).
type ErrorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}
