package lint_test

import (
	"fmt"

	"github.com/neuralem/neuralem/internal/lint"
)

func ExampleFindings() {
	vet := "# github.com/x/y\n# [github.com/x/y]\ny/a.go:3:2: fmt.Printf format %d has arg s of wrong type string\n\n"
	for _, f := range lint.Findings(vet) {
		fmt.Println(f)
	}
	fmt.Println(len(lint.Findings("")), "findings in empty output")
	// Output:
	// y/a.go:3:2: fmt.Printf format %d has arg s of wrong type string
	// 0 findings in empty output
}
