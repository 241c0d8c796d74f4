//go:build tools

// Package tools pins the versions of the command-line tools the Jupyter kernel
// needs (GoNB and goimports). The module proxy refuses GoNB's version list, so
// `go install pkg@version` fails; installing from inside this module works.
package tools

import (
	_ "github.com/janpfeifer/gonb"
	_ "golang.org/x/tools/cmd/goimports"
)
