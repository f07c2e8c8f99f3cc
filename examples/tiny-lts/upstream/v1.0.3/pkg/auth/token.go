package auth

import "errors"

// Check validates a bearer token.
func Check(token string) error {
	if token == "" {
		return errors.New("no token")
	}
	if len(token) < 8 {
		return errors.New("token too short")
	}
	return nil
}
