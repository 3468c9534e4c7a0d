package agent

import (
	"strings"
	"testing"

	"github.com/kumo-cloud/kumo/internal/hostlink"
)

func TestSerialExcerpt(t *testing.T) {
	log := "one\ntwo\nthree\nfour\n"
	long := strings.Repeat("x", 2000) + "\nend\n"
	for _, c := range []struct {
		name      string
		data      string
		req       hostlink.SerialRequest
		want      string
		truncated bool
	}{
		{"head 2", log, hostlink.SerialRequest{FromHead: true, Lines: 2, MaxBytes: 1024}, "one\ntwo\n", false},
		{"tail 2", log, hostlink.SerialRequest{Lines: 2, MaxBytes: 1024}, "three\nfour\n", false},
		{"more lines than the log", log, hostlink.SerialRequest{Lines: 10, MaxBytes: 1024}, log, false},
		{"zero lines", log, hostlink.SerialRequest{Lines: 0, MaxBytes: 1024}, "", false},
		{"no final newline", "a\nb", hostlink.SerialRequest{Lines: 1, MaxBytes: 1024}, "b", false},
		{"head capped", long, hostlink.SerialRequest{FromHead: true, Lines: 1, MaxBytes: 1024}, strings.Repeat("x", 1024), true},
		{"tail capped", long[len(long)-1025:], hostlink.SerialRequest{Lines: 2, MaxBytes: 1024}, strings.Repeat("x", 1019) + "\nend\n", true},
	} {
		got, truncated := serialExcerpt([]byte(c.data), c.req)
		if string(got) != c.want || truncated != c.truncated {
			t.Errorf("%s: got %q (truncated %v), want %q (truncated %v)", c.name, got, truncated, c.want, c.truncated)
		}
	}
}
