package api

// Error is the body of every failed native API call.
type Error struct {
	// Error says what failed.
	Error ErrorDetail `json:"error"`
}

// ErrorDetail says what failed. Code is stable and machine-readable
// (invalid_argument, not_found, conflict, unauthenticated,
// permission_denied, insufficient_capacity, unavailable, internal).
type ErrorDetail struct {
	// Code is stable and machine-readable.
	Code string `json:"code" example:"not_found"`
	// Message says what failed, for people.
	Message string `json:"message" example:"VM web-1 not found"`
	// Field names the request field at fault, when one is.
	Field string `json:"field,omitempty" example:"memory_mib"`
}
