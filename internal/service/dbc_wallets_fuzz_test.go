package service

import (
	"testing"

	"github.com/kumo-cloud/kumo/internal/model"
)

// FuzzParseWallet checks that any wallet string is a 32-byte key or
// refused as a bad argument, and that SS58 addresses round-trip.
func FuzzParseWallet(f *testing.F) {
	for _, seed := range []string{"5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY", "0x1234", "", "1111", "0OIl",
		"d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, wallet string) {
		key, err := ParseWallet(wallet)
		if err != nil {
			if model.CodeOf(err) != model.CodeInvalidArgument {
				t.Fatalf("%q: %v", wallet, err)
			}
			return
		}
		if len(key) != 32 {
			t.Fatalf("%q: key of %d bytes", wallet, len(key))
		}
		if again, err := ParseWallet(SS58Address(key)); err != nil || string(again) != string(key) {
			t.Fatalf("%q: SS58 round trip: %x, %v", wallet, again, err)
		}
	})
}
