// Package i18n picks the language of messages.
package i18n

import "golang.org/x/text/language"

// Preferred returns the language tag a client asked for, or "en".
func Preferred(accept string) string {
	t, err := language.Parse(accept)
	if err != nil || t.String() == "" {
		return "en"
	}
	return t.String()
}
