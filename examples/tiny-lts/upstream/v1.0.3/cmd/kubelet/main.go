package main

import (
	"fmt"
	"os"

	"tinykube/pkg/auth"
	"tinykube/pkg/volume"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Println("usage: kubelet REPO")
		os.Exit(2)
	}
	if err := auth.Check(os.Getenv("TOKEN")); err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	if err := volume.CloneGitRepo(os.Args[1], "/var/lib/kubelet/vol"); err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
}
