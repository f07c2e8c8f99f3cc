package main

import (
	"testing"

	"tinykube/pkg/auth"
)

func TestTokenFromEnvironmentIsChecked(t *testing.T) {
	t.Setenv("TOKEN", "")
	if auth.Check("") == nil {
		t.Fatal("main would start without a token")
	}
}
