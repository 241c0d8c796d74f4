package lint

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/neuralem/neuralem/internal/datadir"
)

// root returns the repository root, where every check runs on ./... .
func root(t *testing.T) string {
	t.Helper()
	r := datadir.RepoRoot()
	if r == "" {
		t.Fatal("repository root (go.mod) not found above the working directory")
	}
	return r
}

// run runs a command in the repository root and returns its combined output;
// a failure to start or a non-zero exit fails the test, showing the output.
func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = root(t)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// clean fails the test listing the findings, if any.
func clean(t *testing.T, what, output string) {
	t.Helper()
	if f := Findings(output); len(f) > 0 {
		t.Errorf("%s: %d findings:\n%s", what, len(f), strings.Join(f, "\n"))
	}
}

func TestStaticcheck(t *testing.T) {
	version, err := PinnedStaticcheck(root(t))
	if err != nil {
		t.Fatal(err)
	}
	sc, err := Staticcheck(version)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(sc, "./...")
	cmd.Dir = root(t)
	out, err := cmd.CombinedOutput() // exit status 1 with findings: reported below
	if _, isExit := err.(*exec.ExitError); err != nil && !isExit {
		t.Fatalf("%s: %v", sc, err)
	}
	clean(t, "staticcheck ./... (staticcheck.conf)", string(out))
	if err != nil && len(Findings(string(out))) == 0 {
		t.Errorf("staticcheck failed without findings: %v\n%s", err, out)
	}
}

func TestVet(t *testing.T) {
	cmd := exec.Command("go", "vet", "./...")
	cmd.Dir = root(t)
	out, err := cmd.CombinedOutput()
	clean(t, "go vet ./...", string(out))
	if err != nil && len(Findings(string(out))) == 0 {
		t.Errorf("go vet failed without findings: %v\n%s", err, out)
	}
}

func TestGofmt(t *testing.T) {
	var files []string
	for _, dir := range strings.Fields(run(t, "go", "list", "-f", "{{.Dir}}", "./...")) {
		m, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) == 0 {
		t.Fatal("no Go files found")
	}
	clean(t, "gofmt -l", run(t, "gofmt", append([]string{"-l"}, files...)...))
}

func TestModTidy(t *testing.T) {
	clean(t, "go mod tidy -diff (run go mod tidy)", run(t, "go", "mod", "tidy", "-diff"))
}

func TestXLABuilds(t *testing.T) {
	run(t, "go", "build", "-tags", "xla", "./...")
}

// TestBinariesDoNotLinkTesting: no main package depends on the testing
// package (a test helper imported by non-test code would pull it in).
func TestBinariesDoNotLinkTesting(t *testing.T) {
	mains := strings.Fields(run(t, "go", "list", "-f", `{{if eq .Name "main"}}{{.ImportPath}}{{end}}`, "./..."))
	if len(mains) == 0 {
		t.Fatal("no main packages found")
	}
	for _, m := range mains {
		for _, dep := range strings.Fields(run(t, "go", "list", "-deps", m)) {
			if dep == "testing" {
				t.Errorf("%s links the testing package (go list -deps %s)", m, m)
			}
		}
	}
}

func TestPinnedStaticcheck(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, ".ci"), 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(s string) {
		if err := os.WriteFile(filepath.Join(dir, ".ci", "setup.sh"), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("#!/bin/sh\n  STATICCHECK_VERSION=1.2.3  \n")
	if v, err := PinnedStaticcheck(dir); err != nil || v != "1.2.3" {
		t.Errorf("PinnedStaticcheck = %q, %v; want 1.2.3", v, err)
	}
	write("echo STATICCHECK_VERSION=1.2.3\n")
	if _, err := PinnedStaticcheck(dir); err == nil || !strings.Contains(err.Error(), "setup.sh") {
		t.Errorf("no pin line: error %v, want one naming setup.sh", err)
	}
}
