// Package shared is for tests only: it locates the project's shared test data
// (../shared/data beside the repository, or $NEURALEM_SHARED_DATA; see
// internal/datadir) and the shipped default, failing the test (never
// skipping it) when a file is missing: CI always has them. Only _test.go
// files import it, so no binary links the testing package (checked by
// internal/lint).
package shared

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/neuralem/neuralem/internal/datadir"
)

// Path returns the path of a file under the shared data directory, failing the
// test (not skipping it) if the directory or the file is missing.
func Path(tb testing.TB, rel string) string {
	tb.Helper()
	d := datadir.Shared()
	if d == "" {
		tb.Fatalf("shared data directory not found: expected ../shared/data beside the repository (or set %s)", datadir.EnvVar)
	}
	p := filepath.Join(d, rel)
	if _, err := os.Stat(p); err != nil {
		tb.Fatalf("shared data file missing: %v", err)
	}
	return p
}

// TestdataPath returns the path of a file under the repository's shipped
// default data (neuralem/testdata), failing the test if it is missing.
func TestdataPath(tb testing.TB, rel string) string {
	tb.Helper()
	p := filepath.Join(datadir.RepoRoot(), "neuralem", "testdata", rel)
	if _, err := os.Stat(p); err != nil {
		tb.Fatalf("shipped test data missing: %v", err)
	}
	return p
}
