// Package language stands in for golang.org/x/text/language at v0.3.2 in
// longhaul's example: the functions its vulnerability records name, written
// for the example (this is not the real package).
package language

import "strings"

// Tag is a language tag such as en-us.
type Tag struct{ s string }

// String returns the tag as written.
func (t Tag) String() string { return t.s }

// Parse reads a language tag.
func Parse(s string) (Tag, error) {
	return Tag{strings.ToLower(strings.TrimSpace(s))}, nil
}

// MatchStrings returns the first supported tag among the accepted ones.
func MatchStrings(supported []Tag, accepted ...string) (Tag, int) {
	for _, a := range accepted {
		for i, t := range supported {
			if t.s == strings.ToLower(a) {
				return t, i
			}
		}
	}
	return Tag{}, -1
}
