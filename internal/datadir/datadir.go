// Package datadir locates what neuralem reads from outside a package: the
// repository root (for the shipped default under neuralem/testdata) and the
// shared data directory (real maps and models, ../shared/data beside the
// repository, or $NEURALEM_SHARED_DATA). It does not import testing, so the
// CLI and the library use it; the test helpers that fail a test when data
// are missing live in neuralem/internal/shared, which only tests import.
// It sits at the module root so that the notebooks' test can use it too.
package datadir

import (
	"os"
	"path/filepath"
)

// EnvVar names the environment variable that sets the shared data
// directory. The CLI's --data flag defaults to it.
const EnvVar = "NEURALEM_SHARED_DATA"

// RepoRoot returns the repository root (the directory holding go.mod), found
// by walking up from the working directory. It returns "" if there is none.
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

// Shared returns the shared data directory: $NEURALEM_SHARED_DATA as given
// if it is set (callers report it when a file is not found there), otherwise
// ../shared/data beside the repository root if that is a directory,
// otherwise "".
func Shared() string {
	if d := os.Getenv(EnvVar); d != "" {
		return d
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
