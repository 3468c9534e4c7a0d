package cloudtower

import (
	"encoding/json"
	"testing"

	"github.com/kumo-cloud/kumo/internal/model"
)

func intp(n int) *int { return &n }

func TestCores(t *testing.T) {
	for _, tc := range []struct {
		vcpu, coresPer, sockets *int
		want                    int
		ok                      bool
	}{
		{intp(4), nil, nil, 4, true},
		{intp(4), intp(2), intp(2), 4, true},
		{intp(4), intp(4), nil, 4, true},
		{intp(4), intp(3), intp(1), 0, false},
		{intp(0), nil, nil, 0, false},
		{intp(2), intp(0), intp(2), 0, false},
	} {
		got, err := cores(tc.vcpu, tc.coresPer, tc.sockets, true)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("cores(%v, %v, %v) = %d, %v", deref(tc.vcpu), deref(tc.coresPer), deref(tc.sockets), got, err)
		}
	}
	if _, err := cores(nil, nil, nil, true); err == nil {
		t.Error("a missing required vcpu is accepted")
	}
	if n, err := cores(nil, nil, nil, false); err != nil || n != 0 {
		t.Errorf("an optional missing vcpu: %d, %v", n, err)
	}
}

func deref(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}

func TestMemoryMiB(t *testing.T) {
	for _, tc := range []struct {
		bytes float64
		want  int
	}{
		{1 << 30, 1024}, {128 << 20, 128}, {8589934592, 8192},
		{0, -1}, {-1 << 20, -1}, {1000, -1}, {1.5 * (1 << 20), -1},
	} {
		got, err := memoryMiB("memory", tc.bytes)
		if tc.want < 0 {
			if err == nil {
				t.Errorf("memoryMiB(%v) accepted as %d", tc.bytes, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("memoryMiB(%v) = %d, %v; want %d", tc.bytes, got, err, tc.want)
		}
	}
}

func TestDecodeBatch(t *testing.T) {
	for _, tc := range []struct {
		body  string
		n     int
		field string // of the error, "" for none or a whole-body error
		ok    bool
	}{
		{`{"name": "a"}`, 1, "", true},
		{`[{"name": "a"}, {"name": "b"}]`, 2, "", true},
		{`[]`, 0, "", false},
		{``, 0, "", false},
		{`{"name": 1}`, 0, "name", false},
		{`[{"nmae": "a"}]`, 0, "nmae", false},
		{`{"name": "a"} {}`, 0, "", false},
		{`"a"`, 0, "", false},
		{`{"vm_disks": {"mount_cd_roms": [{"elf_image_id": 7}]}}`, 0, "vm_disks.mount_cd_roms.elf_image_id", false},
	} {
		got, err := decodeBatch[vmCreation]([]byte(tc.body))
		if (err == nil) != tc.ok || len(got) != tc.n {
			t.Errorf("%s: %d items, %v", tc.body, len(got), err)
			continue
		}
		if err != nil {
			me, _ := err.(*model.Error)
			if me == nil || me.Code != model.CodeInvalidArgument || me.Field != tc.field {
				t.Errorf("%s: error %#v, want invalid_argument on %q", tc.body, err, tc.field)
			}
		}
	}
}

// FuzzDecodeBatch: no body may panic the decoder, and what it accepts
// re-encodes to JSON it accepts again.
func FuzzDecodeBatch(f *testing.F) {
	for _, s := range []string{`{"name": "a", "vcpu": 2}`, `[{"template_id": "x", "is_full_copy": true}]`,
		`{"vm_disks": {"mount_new_create_disks": [{"vm_volume": {"size": 1}}]}}`, `[]`, `{`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		items, err := decodeBatch[vmCreation]([]byte(body))
		if err != nil {
			if model.CodeOf(err) != model.CodeInvalidArgument {
				t.Fatalf("%q: %v is not invalid_argument", body, err)
			}
			return
		}
		again, _ := json.Marshal(items)
		if _, err := decodeBatch[vmCreation](again); err != nil {
			t.Fatalf("%q re-encoded as %s: %v", body, again, err)
		}
	})
}
