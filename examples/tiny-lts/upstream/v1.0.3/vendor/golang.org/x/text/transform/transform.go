// Package transform stands in for golang.org/x/text/transform at v0.3.2 in
// longhaul's example (this is not the real package).
package transform

// Transformer changes bytes.
type Transformer interface {
	Transform(dst, src []byte, atEOF bool) (nDst, nSrc int, err error)
}

// String applies t to s.
func String(t Transformer, s string) (string, int, error) {
	dst := make([]byte, 2*len(s))
	n, m, err := t.Transform(dst, []byte(s), true)
	return string(dst[:n]), m, err
}
