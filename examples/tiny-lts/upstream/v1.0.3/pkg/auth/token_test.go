package auth

import "testing"

func TestCheck(t *testing.T) {
	if err := Check(""); err == nil {
		t.Error("an empty token was accepted")
	}
	if err := Check("short"); err == nil {
		t.Error("a short token was accepted")
	}
	if err := Check("long-enough-token"); err != nil {
		t.Errorf("a valid token was refused: %v", err)
	}
}
