package qemu

import (
	"os"
	"testing"
)

// The readers of /proc work on this test's own process, which has used
// some CPU and holds some memory.
func TestProcessCounters(t *testing.T) {
	x := 0
	for i := range 50_000_000 {
		x += i
	}
	_ = x
	cpu, err := processCPUSeconds(os.Getpid())
	if err != nil || cpu <= 0 {
		t.Fatalf("CPU seconds = %v, %v", cpu, err)
	}
	rss, err := processRSS(os.Getpid())
	if err != nil || rss < 1<<20 {
		t.Fatalf("RSS = %d, %v", rss, err)
	}
}
