// Package lint runs the repository's static checks as a Go test, so that the
// README's test command — the one .ci/run calls — fails on them:
//
//   - staticcheck on ./..., at the version pinned in .ci/setup.sh
//     (STATICCHECK_VERSION) and configured by staticcheck.conf (whose one
//     exception lets siren dot-import GoMLX's graph DSL), with no finding;
//   - go vet on ./... and gofmt on every package directory, clean;
//   - go mod tidy -diff, empty (go.mod and go.sum tidy);
//   - go build -tags xla ./... (the XLA path must keep building);
//   - no main package links the testing package (test helpers such as
//     neuralem/internal/shared are imported by tests only).
//
// The package itself only holds the helpers the test uses to find the tools
// and read their output.
package lint

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
)

// Findings returns the lines of a checker's output that report something:
// blank lines and the "# package" headers go vet prints before its
// findings are dropped.
func Findings(output string) []string {
	var out []string
	for _, l := range strings.Split(output, "\n") {
		l = strings.TrimRight(l, "\r")
		if strings.TrimSpace(l) == "" || strings.HasPrefix(l, "# ") {
			continue
		}
		out = append(out, l)
	}
	return out
}

var pinRE = regexp.MustCompile(`^STATICCHECK_VERSION=([0-9][0-9.]*)\s*$`)

// PinnedStaticcheck returns the staticcheck version pinned in
// root/.ci/setup.sh (the line STATICCHECK_VERSION=x.y.z), the one place it
// is defined.
func PinnedStaticcheck(root string) (string, error) {
	path := filepath.Join(root, ".ci", "setup.sh")
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if m := pinRE.FindStringSubmatch(strings.TrimSpace(sc.Text())); m != nil {
			return m[1], nil
		}
	}
	if err := sc.Err(); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	return "", fmt.Errorf("%s: no STATICCHECK_VERSION=x.y.z line", path)
}

// Staticcheck returns the path of a staticcheck binary of the given version:
// the one in $GOBIN or $GOPATH/bin (where go install puts it), else the one
// on $PATH. The error says how to install it.
func Staticcheck(version string) (string, error) {
	var candidates []string
	for _, v := range []string{"GOBIN", "GOPATH"} {
		out, err := exec.Command("go", "env", v).Output()
		if d := strings.TrimSpace(string(out)); err == nil && d != "" {
			if v == "GOPATH" {
				d = filepath.Join(filepath.SplitList(d)[0], "bin")
			}
			candidates = append(candidates, filepath.Join(d, "staticcheck"))
		}
	}
	if p, err := exec.LookPath("staticcheck"); err == nil {
		candidates = append(candidates, p)
	}
	install := fmt.Sprintf("install it with: go install honnef.co/go/tools/cmd/staticcheck@v%s (bash .ci/setup.sh does)", version)
	var seen []string
	for _, p := range candidates {
		out, err := exec.Command(p, "-version").Output()
		if err != nil {
			continue
		}
		v := strings.TrimSpace(string(out))
		if strings.Contains(v, "("+version+")") {
			return p, nil
		}
		seen = append(seen, fmt.Sprintf("%s is %q", p, v))
	}
	if len(seen) > 0 {
		return "", fmt.Errorf("staticcheck %s not found (%s); %s", version, strings.Join(seen, "; "), install)
	}
	return "", fmt.Errorf("staticcheck not found in $GOBIN, $GOPATH/bin or $PATH; %s", install)
}
