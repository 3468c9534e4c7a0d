package api

import "time"

// ConsoleParams are the query parameters of GET /v1/vms/{id}/console,
// which upgrades to a websocket carrying the console both ways (binary
// messages from the server; binary or text ones from the client).
type ConsoleParams struct {
	// ID is the VM's id or name.
	ID string `path:"id" description:"VM id or name" example:"web-1"`
	// Type is which console: vnc (RFB, for noVNC or a VNC viewer) or
	// serial (the guest's ttyS0).
	Type string `query:"type" enum:"vnc,serial" default:"vnc" description:"vnc (RFB, for noVNC) or serial (the guest's ttyS0)" example:"serial"`
	// Ticket stands in for the Authorization header, which browsers
	// cannot send on a websocket: from POST /v1/vms/{id}/console,
	// single-use, valid for a minute.
	Ticket string `query:"ticket" description:"single-use ticket from POST /v1/vms/{id}/console, for clients that cannot send an Authorization header" example:"o1Hq3kV0Qm2oXb7y9c8d-TzUeN4fLrPwA5sJgKhIlMn"`
}

// ConsoleTicketsPost is the body of POST /v1/vms/{id}/console.
type ConsoleTicketsPost struct {
	// Type is which console the ticket opens: vnc or serial.
	Type string `json:"type" enum:"vnc,serial" default:"vnc" example:"vnc"`
}

// ConsoleTicket lets a client without an Authorization header (a
// browser) open a VM's console once.
type ConsoleTicket struct {
	// Type is which console the ticket opens.
	Type string `json:"type" enum:"vnc,serial" example:"vnc"`
	// Ticket is the single-use credential.
	Ticket string `json:"ticket" example:"o1Hq3kV0Qm2oXb7y9c8d-TzUeN4fLrPwA5sJgKhIlMn"`
	// Path is the websocket path to open (ticket included), relative to
	// the server.
	Path string `json:"path" example:"/v1/vms/5b0c3f0e-2f4a-4d0b-9a77-1c2d3e4f5a6b/console?type=vnc&ticket=o1Hq3kV0Qm2oXb7y9c8d-TzUeN4fLrPwA5sJgKhIlMn"`
	// ExpiresAt is when the ticket stops working if it was not used.
	ExpiresAt time.Time `json:"expires_at" example:"2026-12-04T18:31:02Z"`
}
