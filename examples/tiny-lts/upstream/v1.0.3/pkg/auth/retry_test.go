package auth

import (
	"os"
	"testing"
)

// TestFlakyOnce fails the first time it runs while TINYKUBE_FLAKE_MARKER names
// a file that does not exist yet (it creates it), and passes afterwards: a
// flaky test for longhaul check's retries. Without the variable it passes.
func TestFlakyOnce(t *testing.T) {
	marker := os.Getenv("TINYKUBE_FLAKE_MARKER")
	if marker == "" {
		return
	}
	if _, err := os.Stat(marker); err == nil {
		return
	}
	if err := os.WriteFile(marker, []byte("ran\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Fatal("first run fails (flaky on purpose)")
}
