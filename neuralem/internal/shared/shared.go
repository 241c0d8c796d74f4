// Package shared locates the project's shared test data (../shared/data beside
// the repository) for tests. Tests that need it fail, never skip, when it is
// missing: CI always has it.
package shared

import (
	"os"
	"path/filepath"
	"testing"
)

// RepoRoot returns the repository root (the directory holding go.mod), found by
// walking up from the working directory. It returns "" if there is none.
func RepoRoot() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// DataDir returns the shared data directory: $NEURALEM_SHARED_DATA if set,
// otherwise ../shared/data beside the repository root. It returns "" if the
// directory does not exist.
func DataDir() string {
	if d := os.Getenv("NEURALEM_SHARED_DATA"); d != "" {
		if st, err := os.Stat(d); err == nil && st.IsDir() {
			return d
		}
		return ""
	}
	root := RepoRoot()
	if root == "" {
		return ""
	}
	d := filepath.Join(root, "..", "shared", "data")
	if st, err := os.Stat(d); err == nil && st.IsDir() {
		return d
	}
	return ""
}

// Path returns the path of a file under the shared data directory, failing the
// test (not skipping it) if the directory or the file is missing.
func Path(tb testing.TB, rel string) string {
	tb.Helper()
	d := DataDir()
	if d == "" {
		tb.Fatalf("shared data directory not found: expected ../shared/data beside the repository (or set NEURALEM_SHARED_DATA)")
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
	p := filepath.Join(RepoRoot(), "neuralem", "testdata", rel)
	if _, err := os.Stat(p); err != nil {
		tb.Fatalf("shipped test data missing: %v", err)
	}
	return p
}
