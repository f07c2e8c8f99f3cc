package volume

import (
	"fmt"
	"os/exec"
)

// CloneGitRepo clones repository into dir.
func CloneGitRepo(repository, dir string) error {
	if repository == "" {
		return fmt.Errorf("empty repository")
	}
	args := []string{"clone", "--", repository, dir}
	return exec.Command("git", args...).Run()
}

// Revision returns the checked-out revision of dir.
func Revision(dir string) (string, error) {
	out, err := exec.Command("git", "-C", dir, "rev-parse", "HEAD").Output()
	if err != nil {
		return "", err
	}
	return string(out), nil
}
