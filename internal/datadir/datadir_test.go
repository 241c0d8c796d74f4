package datadir

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

func TestRepoRootAndShared(t *testing.T) {
	root := RepoRoot()
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("RepoRoot() = %q holds no go.mod: %v", root, err)
	}
	if _, err := os.Stat(filepath.Join(root, "internal", "datadir", "datadir.go")); err != nil {
		t.Fatalf("RepoRoot() = %q is not this repository: %v", root, err)
	}
	t.Setenv(EnvVar, "/some/where")
	if d := Shared(); d != "/some/where" {
		t.Errorf("Shared() with $%s set = %q, want it as given", EnvVar, d)
	}
	t.Setenv(EnvVar, "")
	want := filepath.Join(root, "..", "shared", "data")
	if st, err := os.Stat(want); err != nil || !st.IsDir() {
		t.Fatalf("shared data missing beside the repository (%s): the tests need it", want)
	}
	if d := Shared(); d != want {
		t.Errorf("Shared() = %q, want %q", d, want)
	}
}

func Example() {
	// The CLI's --data flag defaults to $NEURALEM_SHARED_DATA; the
	// experiments fall back to Shared() when it is empty.
	fmt.Println("environment variable:", EnvVar)
	_, err := os.Stat(filepath.Join(RepoRoot(), "go.mod"))
	fmt.Println("repository root found:", err == nil)
	// Output:
	// environment variable: NEURALEM_SHARED_DATA
	// repository root found: true
}
