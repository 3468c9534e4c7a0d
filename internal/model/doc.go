// Package model holds the plain types of Kumo's domain. It does no I/O;
// every other layer speaks in these types.
package model
