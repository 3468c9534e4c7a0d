package model

import "time"

// DBCSession is a session id a DBC renter's wallet was issued. The renter
// hands the id to its users together with the wallet's signature of it;
// the pair is their credential.
type DBCSession struct {
	ID        string    `json:"session_id"`
	Wallet    string    `json:"wallet"`
	CreatedAt time.Time `json:"created_at"`
}
