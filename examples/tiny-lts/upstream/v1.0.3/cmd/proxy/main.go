// Command proxy prints the language the environment asks for.
package main

import (
	"fmt"
	"os"

	"tinykube/pkg/i18n"
)

func main() {
	fmt.Println(i18n.Preferred(os.Getenv("LANG")))
}
