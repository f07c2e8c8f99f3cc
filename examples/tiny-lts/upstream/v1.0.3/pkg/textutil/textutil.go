// Package textutil holds text helpers that no binary uses yet.
package textutil

import "golang.org/x/text/transform"

// Apply runs t over s.
func Apply(t transform.Transformer, s string) string {
	out, _, err := transform.String(t, s)
	if err != nil {
		return s
	}
	return out
}
