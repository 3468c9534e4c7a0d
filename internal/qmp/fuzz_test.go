package qmp

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzDecode feeds arbitrary bytes to the message reader: it must never
// panic, must stop at a size limit, and what it accepts must classify
// consistently.
func FuzzDecode(f *testing.F) {
	for _, seed := range []string{
		greeting + "\r\n",
		`{"return": {}, "id": 1}` + "\r\n",
		`{"return": {"running": true, "status": "running"}, "id": 18446744073709551615}` + "\n",
		`{"error": {"class": "GenericError", "desc": "x"}, "id": 2}` + "\r\n",
		`{"event": "STOP", "timestamp": {"seconds": 1, "microseconds": 2}}` + "\r\n" + `{"return": [], "id": 3}` + "\r\n",
		`{"event": "X", "data": null, "timestamp": {"seconds": -1, "microseconds": -1}}`,
		"\r\n\n  \n" + `{"id": -1}`,
		`{"return": {}, "id": "str"}`,
		`[]`, `{`, `null`, "{\"return\":\"\xff\"}",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		const limit = 4 << 10
		r := newReader(bytes.NewReader(b), limit)
		for range len(b) + 1 {
			m, err := r.next()
			if err != nil {
				if errors.Is(err, errMessageTooLong) && len(b) <= limit {
					t.Fatalf("size limit hit with %d bytes of input", len(b))
				}
				return
			}
			switch m.kind() {
			case kindEvent:
				if ev := m.event(); ev.Name == "" {
					t.Fatal("event without a name")
				}
			case kindReply:
				if m.Error != nil && m.Error.Error() == "" {
					t.Fatal("error reply without text")
				}
				m.id()
			}
		}
		t.Fatal("reader returned more messages than the input has bytes")
	})
}
