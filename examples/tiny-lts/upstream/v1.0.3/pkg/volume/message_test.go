package volume

import "testing"

// The message names the volume type from v1.1.1 on; older lines tolerate this
// failure (test_failures_tolerated in the example's releases.yml).
func TestEmptyRepositoryMessage(t *testing.T) {
	err := CloneGitRepo("", t.TempDir())
	if err == nil || err.Error() != "gitRepo volume: empty repository" {
		t.Fatalf("got %v, want the gitRepo volume message", err)
	}
}
