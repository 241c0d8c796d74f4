// Package docker tests the container and cluster files in docker/ without
// Docker: the Dockerfiles against the project's lint rules (and hadolint when
// installed), every shell script in docker/ and kernels/ with shellcheck, the
// entrypoint and health check run directly on the CPU, and the Kubernetes
// manifests' commands run locally with JOB_COMPLETION_INDEX set.
//
// shellcheck (Debian 'shellcheck') and PyYAML (Debian 'python3-yaml', under
// /usr/bin/python3) are required when $CI is set; otherwise the tests that
// need them skip with a message.
package docker

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/neuralem/neuralem/neuralem/neuralmap"
)

var (
	tmpRoot  string
	buildMu  sync.Mutex
	binPath  string
	buildErr error
)

func TestMain(m *testing.M) {
	var err error
	if tmpRoot, err = os.MkdirTemp("", "neuralem-docker-test-"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(tmpRoot)
	os.Exit(code)
}

// repoRoot is the directory of the main module's go.mod above docker/.
func repoRoot(t testing.TB) string {
	t.Helper()
	dir, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err != nil || !bytes.Contains(b, []byte("module github.com/neuralem/neuralem\n")) {
		t.Fatalf("%s is not the neuralem repository root (go.mod: %v)", dir, err)
	}
	return dir
}

func defaultMap(t testing.TB) string {
	return filepath.Join(repoRoot(t), "neuralem", "testdata", "default", "emd20026_crop.mrc.gz")
}

// neuralem builds the CPU neuralem binary once, as docker/cpu/Dockerfile does.
func neuralem(t testing.TB) string {
	t.Helper()
	buildMu.Lock()
	defer buildMu.Unlock()
	if binPath == "" && buildErr == nil {
		p := filepath.Join(tmpRoot, "bin", "neuralem")
		cmd := exec.Command("go", "build", "-o", p, "./neuralem/cmd/neuralem")
		cmd.Dir = repoRoot(t)
		cmd.Env = append(os.Environ(), "GOEXPERIMENT=simd", "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build ./neuralem/cmd/neuralem: %v\n%s", err, out)
		} else {
			binPath = p
		}
	}
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// run runs a program with extra environment and returns stdout, stderr and
// the exit code (-1 if it could not start).
func run(t testing.TB, env []string, dir, name string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	code = cmd.ProcessState.ExitCode()
	if err != nil && code == 0 {
		t.Fatalf("%s: %v", name, err)
	}
	return o.String(), e.String(), code
}

// requireTool fails under CI, or skips, if a program is missing.
func requireTool(t *testing.T, path, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(path)
	if err == nil {
		return p
	}
	msg := fmt.Sprintf("%s not found (Debian package %s)", path, pkg)
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// ---- Dockerfiles ----

var dockerfiles = []string{"cpu/Dockerfile", "cuda/Dockerfile"}

func TestDockerfilesLint(t *testing.T) {
	repo := repoRoot(t)
	for _, f := range dockerfiles {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if probs := lintDockerfile(f, string(b), repo, readIgnore(f)); len(probs) > 0 {
			t.Errorf("%s:\n  %s", f, strings.Join(probs, "\n  "))
		}
	}
	if h, err := exec.LookPath("hadolint"); err == nil {
		for _, f := range dockerfiles {
			if out, code := runCombined(h, f); code != 0 {
				t.Errorf("hadolint %s:\n%s", f, out)
			}
		}
	} else {
		t.Log("hadolint not installed; the Go rules above ran instead")
	}
}

func runCombined(name string, args ...string) (string, int) {
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return string(out), ee.ExitCode()
		}
		return err.Error(), -1
	}
	return string(out), 0
}

// TestLintRules checks that each rule of lintDockerfile fires on a Dockerfile
// breaking it, and only there.
func TestLintRules(t *testing.T) {
	repo := repoRoot(t)
	const good = `# syntax=docker/dockerfile:1.7
ARG BASE=debian:12.8-slim
FROM golang:1.26.8-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go build ./...
FROM ${BASE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/x /x
USER app
HEALTHCHECK CMD ["/x", "--help"]
ENTRYPOINT ["/x"]
CMD ["--help"]
`
	if probs := lintDockerfile("good", good, repo, ""); len(probs) > 0 {
		t.Fatalf("clean Dockerfile flagged:\n%s", strings.Join(probs, "\n"))
	}
	cases := []struct{ name, from, to, want string }{
		{"untagged base", "FROM golang:1.26.8-bookworm AS build", "FROM golang AS build", "has no tag"},
		{"latest tag", "FROM golang:1.26.8-bookworm AS build", "FROM golang:latest AS build", "latest"},
		{"floating tag", "ARG BASE=debian:12.8-slim", "ARG BASE=debian:bookworm", "not a pinned version"},
		{"unresolved ARG", "FROM ${BASE}", "FROM ${NOPE}", "does not resolve"},
		{"recommends", "install -y --no-install-recommends", "install -y", "--no-install-recommends"},
		{"no -y", "install -y --no-install-recommends", "install --no-install-recommends", "without -y"},
		{"no cleanup", " \\\n && rm -rf /var/lib/apt/lists/*", "", "/var/lib/apt/lists"},
		{"update alone", "RUN go build ./...", "RUN apt-get update", "update without install"},
		{"upgrade", "RUN go build ./...", "RUN apt-get update && apt-get upgrade -y && apt-get install -y --no-install-recommends x && rm -rf /var/lib/apt/lists/*", "upgrade"},
		{"root", "USER app\n", "", "runs as root"},
		{"root by name", "USER app", "USER root", "runs as root"},
		{"no healthcheck", "HEALTHCHECK CMD [\"/x\", \"--help\"]\n", "", "no HEALTHCHECK"},
		{"no entrypoint", "ENTRYPOINT [\"/x\"]\n", "", "no ENTRYPOINT"},
		{"shell-form entrypoint", `ENTRYPOINT ["/x"]`, "ENTRYPOINT /x", "JSON"},
		{"ADD", "COPY go.mod go.sum ./", "ADD https://example.org/x.tgz /x", "use COPY"},
		{"curl | sh", "RUN go build ./...", "RUN curl -fsSL https://example.org/i.sh | sh", "pipes a download"},
		{"cd", "RUN go build ./...", "RUN cd /src && go build ./...", "WORKDIR"},
		{"missing source", "COPY go.mod go.sum ./", "COPY no-such-file ./", "does not exist"},
		{"unknown stage", "--from=build", "--from=builder", "not an earlier stage"},
		{"relative workdir", "WORKDIR /src", "WORKDIR src", "relative WORKDIR"},
		{"sudo", "RUN go build ./...", "RUN sudo go build ./...", "sudo"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(good, tc.from) {
				t.Fatalf("test case: %q not in the clean Dockerfile", tc.from)
			}
			probs := lintDockerfile("bad", strings.Replace(good, tc.from, tc.to, 1), repo, "")
			if len(probs) == 0 || !strings.Contains(strings.Join(probs, "\n"), tc.want) {
				t.Errorf("want a problem containing %q, got %q", tc.want, probs)
			}
		})
	}
	// .dockerignore: a COPY source the ignore file excludes is reported.
	probs := lintDockerfile("bad", good, repo, "*\n!go.mod\n")
	if len(probs) != 1 || !strings.Contains(probs[0], `"go.sum" is excluded`) {
		t.Errorf("go.sum excluded by the .dockerignore: got %q", probs)
	}
}

// TestDockerfilesProject checks what the images must do for neuralem.
func TestDockerfilesProject(t *testing.T) {
	read := func(f string) (string, []instruction) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		return string(b), parseDockerfile(string(b))
	}
	find := func(ins []instruction, cmd, sub string) *instruction {
		for i := range ins {
			if ins[i].Cmd == cmd && strings.Contains(ins[i].Args, sub) {
				return &ins[i]
			}
		}
		return nil
	}
	for _, f := range dockerfiles {
		text, ins := read(f)
		if !regexp.MustCompile(`ARG GO_IMAGE=golang:1\.26\.\d+-bookworm\n`).MatchString(text) {
			t.Errorf("%s: the Go image must be golang:1.26.x-bookworm", f)
		}
		b := find(ins, "RUN", "go build")
		if b == nil || !strings.Contains(b.Args, "GOEXPERIMENT=simd") || !strings.Contains(b.Args, "./neuralem/cmd/neuralem") {
			t.Errorf("%s: neuralem must be built with GOEXPERIMENT=simd (got %+v)", f, b)
		}
		for _, want := range []string{"GOEXPERIMENT=simd", "NEURALEM_REPO=/opt/neuralem"} {
			if find(ins, "ENV", want) == nil {
				t.Errorf("%s: no ENV %s", f, want)
			}
		}
		if find(ins, "RUN", "bash kernels/setup.sh") == nil {
			t.Errorf("%s: GoNB/Jupyter must be set up with kernels/setup.sh", f)
		}
		if e := find(ins, "ENTRYPOINT", ""); e == nil || e.Args != `["/opt/neuralem/docker/entrypoint.sh"]` {
			t.Errorf("%s: ENTRYPOINT must be the shared docker/entrypoint.sh (got %+v)", f, e)
		}
		if find(ins, "COPY", "docker/entrypoint.sh") == nil {
			t.Errorf("%s: docker/entrypoint.sh is not copied into the image", f)
		}
		if find(ins, "STOPSIGNAL", "SIGINT") == nil {
			t.Errorf("%s: STOPSIGNAL SIGINT (neuralem fit stops cleanly on SIGINT)", f)
		}
		switch f {
		case "cpu/Dockerfile":
			if strings.Contains(b.Args, "-tags") || !strings.Contains(b.Args, "CGO_ENABLED=0") {
				t.Errorf("%s: the CPU build links the Go backend only (no -tags, CGO_ENABLED=0): %s", f, b.Args)
			}
			if find(ins, "ENV", "GOMLX_BACKEND=go:ops_sequential") == nil {
				t.Errorf("%s: want ENV GOMLX_BACKEND=go:ops_sequential (siren.DefaultBackendConfig: the parallel op scheduler can deadlock)", f)
			}
		case "cuda/Dockerfile":
			if !strings.Contains(b.Args, "-tags xla") {
				t.Errorf("%s: the CUDA build needs -tags xla (neuralem/siren/backend_xla.go): %s", f, b.Args)
			}
			if !regexp.MustCompile(`ARG CUDA_IMAGE=nvidia/cuda:\d+\.\d+\.\d+-cudnn-runtime-`).MatchString(text) {
				t.Errorf("%s: base must be a pinned nvidia/cuda:*-cudnn-runtime image", f)
			}
			for _, want := range []string{"GOMLX_BACKEND=xla:cuda", "GOMLX_NO_AUTO_INSTALL=1", "PJRT_PLUGIN_LIBRARY_PATH=", "GOFLAGS=-tags=xla"} {
				if find(ins, "ENV", want) == nil {
					t.Errorf("%s: no ENV %s", f, want)
				}
			}
			p := find(ins, "RUN", "/tmp/pjrt-install")
			if p == nil || !strings.Contains(p.Args, `-version "${JAX_PJRT_VERSION}"`) {
				t.Errorf("%s: the CUDA PJRT plugin must be installed at build time with a pinned version (got %+v)", f, p)
			}
			if !regexp.MustCompile(`ARG JAX_PJRT_VERSION=\d+\.\d+\.\d+\n`).MatchString(text) {
				t.Errorf("%s: JAX_PJRT_VERSION must default to a pinned x.y.z", f)
			}
		}
	}
	// The nested installer module must stay out of the main module.
	if _, err := os.Stat("pjrt-install/go.mod"); err != nil {
		t.Errorf("docker/pjrt-install must be its own module: %v", err)
	}
}

// ---- shell scripts ----

// shellScripts lists the files under dir that are shell scripts: *.sh,
// *.sbatch, or a shell shebang.
func shellScripts(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == "node_modules" || d.Name() == "testdata" {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(p, ".sh") || strings.HasSuffix(p, ".sbatch") {
			out = append(out, p)
			return nil
		}
		if strings.HasSuffix(p, ".go") || strings.Contains(d.Name(), ".") && !strings.HasSuffix(p, ".bash") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err == nil && regexp.MustCompile(`^#!\S*(/|env )(ba|da|k)?sh\b`).Match(b) {
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func shellcheck(t *testing.T, files []string) {
	t.Helper()
	sc := requireTool(t, "shellcheck", "shellcheck")
	if len(files) == 0 {
		t.Fatal("no shell scripts found")
	}
	out, code := runCombined(sc, append([]string{"--external-sources", "--shell=bash"}, files...)...)
	if code != 0 {
		t.Errorf("shellcheck %s:\n%s", strings.Join(files, " "), out)
	}
}

func TestShellcheckDocker(t *testing.T) {
	files := shellScripts(t, ".")
	for _, want := range []string{"entrypoint.sh", "healthcheck.sh", "slurm/submit.sh", "slurm/fit-array.sbatch", "slurm/merge.sbatch"} {
		if !slices.Contains(files, want) {
			t.Errorf("%s not among the scripts found: %v", want, files)
		}
	}
	// The bash programs embedded in the Kubernetes manifests, too.
	for _, m := range k8sManifests(t) {
		p := filepath.Join(t.TempDir(), m.file+"-"+m.container+".sh")
		if err := os.WriteFile(p, []byte("#!/usr/bin/env bash\n"+m.script), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, p)
	}
	shellcheck(t, files)
}

func TestShellcheckKernels(t *testing.T) {
	shellcheck(t, shellScripts(t, filepath.Join(repoRoot(t), "kernels")))
}

// ---- entrypoint and health check, run on the CPU outside Docker ----

func TestEntrypointCPU(t *testing.T) {
	bin := neuralem(t)
	env := []string{"NEURALEM_BIN=" + bin, "GOMLX_BACKEND=go"}
	dir := t.TempDir()
	m := defaultMap(t)
	ep := mustAbs(t, "entrypoint.sh") // run from another directory, as in the image

	// A command without the 'neuralem' prefix, and with it, print what neuralem prints.
	want, _, code := run(t, nil, dir, bin, "info", "--json", m)
	if code != 0 {
		t.Fatalf("neuralem info failed")
	}
	for _, args := range [][]string{{"info", "--json", m}, {"neuralem", "info", "--json", m}} {
		got, stderr, code := run(t, env, dir, ep, args...)
		if code != 0 || got != want {
			t.Errorf("entrypoint.sh %v: exit %d, stderr %q, stdout differs from neuralem's: %v", args, code, stderr, got != want)
		}
	}
	// A fit through the entrypoint writes a neural map (one region, two steps).
	out := filepath.Join(dir, "one.nem")
	if _, stderr, code := run(t, env, dir, ep, "fit", m, "-o", out, "--regions", "0",
		"--region-size", "24", "--max-steps", "2", "--width", "8", "--hidden-layers", "1", "--init", "random"); code != 0 {
		t.Fatalf("entrypoint.sh fit: exit %d\n%s", code, stderr)
	}
	nm, err := neuralmap.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	if got := nm.Fitted(); !slices.Equal(got, []int{0}) {
		t.Errorf("entrypoint.sh fit --regions 0: fitted %v", got)
	}

	// No arguments, 'neuralem' alone and 'help': neuralem's usage, exit 0.
	for _, args := range [][]string{nil, {"neuralem"}, {"help"}} {
		stdout, stderr, code := run(t, env, dir, ep, args...)
		if code != 0 || !strings.Contains(stdout+stderr, "Commands:") {
			t.Errorf("entrypoint.sh %v: exit %d, no usage:\n%s%s", args, code, stdout, stderr)
		}
	}

	// The entrypoint's list of neuralem commands matches 'neuralem --help'.
	help, helpErr, _ := run(t, nil, dir, bin, "--help")
	cli := helpCommands(help + helpErr)
	src, err := os.ReadFile("entrypoint.sh")
	if err != nil {
		t.Fatal(err)
	}
	mm := regexp.MustCompile(`(?m)^commands=\(([^)]*)\)`).FindSubmatch(src)
	if mm == nil {
		t.Fatal("entrypoint.sh: no commands=(...) list")
	}
	listed := strings.Fields(string(mm[1]))
	if len(cli) == 0 || !slices.Equal(listed, cli) {
		t.Errorf("entrypoint.sh commands %v, 'neuralem --help' lists %v: update the list", listed, cli)
	}

	// Anything else runs as a program.
	if stdout, _, code := run(t, env, dir, ep, "echo", "passed", "through"); code != 0 || stdout != "passed through\n" {
		t.Errorf("entrypoint.sh echo: exit %d, %q", code, stdout)
	}

	// A missing binary: exit 127 naming it.
	_, stderr, code := run(t, []string{"NEURALEM_BIN=/nonexistent/neuralem"}, dir, ep, "info", m)
	if code != 127 || !strings.Contains(stderr, "'/nonexistent/neuralem' not found") {
		t.Errorf("missing binary: exit %d, stderr %q", code, stderr)
	}

	// GOMLX_BACKEND=xla:cuda without a GPU: a warning naming --gpus all (the command still runs).
	_, stderr, code = run(t, []string{"NEURALEM_BIN=" + bin, "GOMLX_BACKEND=xla:cuda"}, dir, ep, "info", m)
	_, gpuErr := os.Stat("/dev/nvidia0")
	if code != 0 || (gpuErr != nil) != strings.Contains(stderr, "--gpus all") {
		t.Errorf("GOMLX_BACKEND=xla:cuda (GPU present: %v): exit %d, stderr %q", gpuErr == nil, code, stderr)
	}
}

// helpCommands returns the command names under "Commands:" in neuralem's usage.
func helpCommands(help string) []string {
	var cmds []string
	_, rest, ok := strings.Cut(help, "Commands:\n")
	if !ok {
		return nil
	}
	for _, line := range strings.Split(rest, "\n") {
		if !strings.HasPrefix(line, "  ") {
			break
		}
		cmds = append(cmds, strings.Fields(line)[0])
	}
	return cmds
}

// TestEntrypointNotebook checks the notebook path with a stand-in
// kernels/notebook.sh that prints its arguments (Jupyter itself is tested by
// kernels/ and the notebooks).
func TestEntrypointNotebook(t *testing.T) {
	fake := t.TempDir()
	if err := os.MkdirAll(filepath.Join(fake, "kernels"), 0o755); err != nil {
		t.Fatal(err)
	}
	script := "#!/usr/bin/env bash\necho \"notebook.sh GOEXPERIMENT=${GOEXPERIMENT} $*\"\n"
	if err := os.WriteFile(filepath.Join(fake, "kernels", "notebook.sh"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	env := []string{"NEURALEM_REPO=" + fake, "NEURALEM_NOTEBOOK_PORT=9999", "GOEXPERIMENT=", "GOMLX_BACKEND=go"}
	stdout, stderr, code := run(t, env, t.TempDir(), mustAbs(t, "entrypoint.sh"), "notebook", "--NotebookApp.token=x")
	if want := "notebook.sh GOEXPERIMENT=simd --ip=0.0.0.0 --port=9999 --NotebookApp.token=x\n"; code != 0 || stdout != want {
		t.Errorf("entrypoint.sh notebook: exit %d, stdout %q, want %q; stderr %q", code, stdout, want, stderr)
	}
	// Without the kernels directory: exit 127 naming the file.
	_, stderr, code = run(t, []string{"NEURALEM_REPO=" + t.TempDir()}, t.TempDir(), mustAbs(t, "entrypoint.sh"), "notebook")
	if code != 127 || !strings.Contains(stderr, "kernels/notebook.sh not found") {
		t.Errorf("entrypoint.sh notebook without kernels/: exit %d, stderr %q", code, stderr)
	}
}

func mustAbs(t testing.TB, p string) string {
	t.Helper()
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestHealthcheck(t *testing.T) {
	bin := neuralem(t)
	hc := mustAbs(t, "healthcheck.sh")
	if _, stderr, code := run(t, []string{"NEURALEM_BIN=" + bin, "GOMLX_BACKEND=go"}, t.TempDir(), hc); code != 0 {
		t.Errorf("healthcheck with a working binary: exit %d, %s", code, stderr)
	}
	if _, stderr, code := run(t, []string{"NEURALEM_BIN=/nonexistent/neuralem", "GOMLX_BACKEND=go"}, t.TempDir(), hc); code != 1 || !strings.Contains(stderr, "failed") {
		t.Errorf("healthcheck with a missing binary: exit %d, %q", code, stderr)
	}
	if _, err := os.Stat("/dev/nvidia0"); err != nil {
		_, stderr, code := run(t, []string{"NEURALEM_BIN=" + bin, "GOMLX_BACKEND=xla:cuda"}, t.TempDir(), hc)
		if code != 1 || !strings.Contains(stderr, "no /dev/nvidia0") {
			t.Errorf("healthcheck, xla:cuda without a GPU: exit %d, %q", code, stderr)
		}
	}
}

// ---- Kubernetes manifests ----

// k8sContainer is one container of a Job manifest, as the tests use it.
type k8sContainer struct {
	file, container string
	job             map[string]any
	env             map[string]string
	script          string // the bash -c program
}

// k8sManifests parses docker/k8s/*.yaml with PyYAML (Go has no YAML parser in
// this module's dependencies) and returns each Job's container.
func k8sManifests(t *testing.T) []k8sContainer {
	t.Helper()
	py := requireTool(t, "/usr/bin/python3", "python3")
	if _, _, code := run(t, nil, ".", py, "-c", "import yaml"); code != 0 {
		msg := "PyYAML missing for /usr/bin/python3 (Debian package python3-yaml)"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	files, _ := filepath.Glob("k8s/*.yaml")
	if len(files) != 2 {
		t.Fatalf("k8s manifests: %v, want fit-indexed-job.yaml and merge-job.yaml", files)
	}
	var out []k8sContainer
	for _, f := range files {
		stdout, stderr, code := run(t, nil, ".", py, "-c",
			"import json, sys, yaml; print(json.dumps(list(yaml.safe_load_all(open(sys.argv[1])))))", f)
		if code != 0 {
			t.Fatalf("%s: YAML: %s", f, stderr)
		}
		var docs []map[string]any
		if err := json.Unmarshal([]byte(stdout), &docs); err != nil {
			t.Fatal(err)
		}
		for _, d := range docs {
			if d["apiVersion"] != "batch/v1" || d["kind"] != "Job" {
				t.Errorf("%s: %v/%v, want batch/v1 Job", f, d["apiVersion"], d["kind"])
				continue
			}
			pod := dig(d, "spec", "template", "spec")
			if pod["restartPolicy"] != "Never" {
				t.Errorf("%s: restartPolicy %v, want Never (retries are the Job's)", f, pod["restartPolicy"])
			}
			if sc := dig(pod, "securityContext"); sc["runAsNonRoot"] != true {
				t.Errorf("%s: pod securityContext.runAsNonRoot must be true", f)
			}
			for _, ci := range pod["containers"].([]any) {
				c := ci.(map[string]any)
				kc := k8sContainer{file: strings.TrimSuffix(filepath.Base(f), ".yaml"), container: c["name"].(string), job: d, env: map[string]string{}}
				for _, e := range c["env"].([]any) {
					em := e.(map[string]any)
					kc.env[em["name"].(string)] = fmt.Sprint(em["value"])
				}
				cmd, _ := c["command"].([]any)
				args, _ := c["args"].([]any)
				if len(cmd) != 2 || cmd[0] != "bash" || cmd[1] != "-c" || len(args) != 1 {
					t.Fatalf("%s: container %s: want command [bash, -c] and one args entry", f, kc.container)
				}
				kc.script = args[0].(string)
				if img, _ := c["image"].(string); !strings.Contains(img, "neuralem:") {
					t.Errorf("%s: image %q is not a neuralem image", f, img)
				}
				out = append(out, kc)
			}
		}
	}
	return out
}

func dig(m map[string]any, keys ...string) map[string]any {
	for _, k := range keys {
		next, _ := m[k].(map[string]any)
		if next == nil {
			return map[string]any{}
		}
		m = next
	}
	return m
}

// TestK8sJobs checks the Indexed Job's shape and runs both manifests'
// programs locally: each completion index fits its shard (JOB_COMPLETION_INDEX
// set as Kubernetes does, /data and the image paths mapped to a temporary
// directory and this checkout), then the merge Job's program merges them.
func TestK8sJobs(t *testing.T) {
	ms := k8sManifests(t)
	var fit, merge *k8sContainer
	for i := range ms {
		switch ms[i].file {
		case "fit-indexed-job":
			fit = &ms[i]
		case "merge-job":
			merge = &ms[i]
		}
	}
	if fit == nil || merge == nil {
		t.Fatalf("want the fit and merge Jobs, got %d containers", len(ms))
	}
	spec := dig(fit.job, "spec")
	if spec["completionMode"] != "Indexed" {
		t.Errorf("fit Job completionMode %v, want Indexed", spec["completionMode"])
	}
	if fmt.Sprint(spec["completions"]) != fit.env["SHARDS"] || fit.env["SHARDS"] != merge.env["SHARDS"] {
		t.Errorf("completions %v, fit SHARDS %q, merge SHARDS %q must agree", spec["completions"], fit.env["SHARDS"], merge.env["SHARDS"])
	}
	pod := dig(fit.job, "spec", "template", "spec")
	c0 := pod["containers"].([]any)[0].(map[string]any)
	if gpu := dig(c0, "resources", "limits")["nvidia.com/gpu"]; fmt.Sprint(gpu) != "1" {
		t.Errorf("fit container GPU limit %v, want nvidia.com/gpu: 1", gpu)
	}
	if !strings.Contains(fit.script, "JOB_COMPLETION_INDEX") {
		t.Error("fit program does not use JOB_COMPLETION_INDEX")
	}

	// Run the programs here: 2 shards of the default map, tiny networks.
	data := t.TempDir()
	repo := repoRoot(t)
	local := func(s string) string {
		s = strings.ReplaceAll(s, "/opt/neuralem/docker/entrypoint.sh", filepath.Join(repo, "docker", "entrypoint.sh"))
		return strings.ReplaceAll(s, "/data/", data+"/")
	}
	base := []string{"NEURALEM_BIN=" + neuralem(t), "GOMLX_BACKEND=go", "SHARDS=2",
		"MAP=" + defaultMap(t), "OUT=" + filepath.Join(data, "map.nem"),
		"FIT_ARGS=--region-size 24 --max-steps 2 --width 8 --hidden-layers 1 --init random"}
	for i := range 2 {
		env := append(slices.Clone(base), fmt.Sprintf("JOB_COMPLETION_INDEX=%d", i))
		if _, stderr, code := run(t, env, data, "bash", "-c", local(fit.script)); code != 0 {
			t.Fatalf("fit program, index %d: exit %d\n%s", i, code, stderr)
		}
	}
	if _, stderr, code := run(t, base, data, "bash", "-c", local(fit.script)); code == 0 || !strings.Contains(stderr, "not an Indexed Job pod") {
		t.Errorf("fit program without JOB_COMPLETION_INDEX: exit %d, %q", code, stderr)
	}
	if _, stderr, code := run(t, base, data, "bash", "-c", local(merge.script)); code != 0 {
		t.Fatalf("merge program: exit %d\n%s", code, stderr)
	}
	nm, err := neuralmap.Load(filepath.Join(data, "map.nem"))
	if err != nil {
		t.Fatal(err)
	}
	if !nm.Complete() || len(nm.Regions) != 8 {
		t.Errorf("merged map: %d regions, fitted %v; want all 8", len(nm.Regions), nm.Fitted())
	}
}

// TestPJRTInstall builds docker/pjrt-install (its own module, as the CUDA
// image does) and checks that it refuses unpinned or malformed requests
// before downloading anything. The download itself needs PyPI and is done
// only by 'docker build'.
func TestPJRTInstall(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "pjrt-install")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = "pjrt-install"
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=", "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build in docker/pjrt-install: %v\n%s", err, out)
	}
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"-plugin", "cuda13"}, `-version "": pin a Jax PJRT wheel version`},
		{[]string{"-version", "latest"}, `-version "latest": pin`},
		{[]string{"-plugin", "rocm", "-version", "0.8.0"}, `-plugin "rocm": want cuda12 or cuda13`},
		{[]string{"-version", "0.8.0", "-lib", "lib"}, `-lib "lib": want an absolute directory`},
		{[]string{"-version", "0.8.0", "extra"}, `unexpected arguments ["extra"]`},
	}
	for _, tc := range cases {
		_, stderr, code := run(t, nil, t.TempDir(), bin, tc.args...)
		if code != 1 || !strings.Contains(stderr, tc.want) {
			t.Errorf("pjrt-install %v: exit %d, stderr %q, want %q", tc.args, code, stderr, tc.want)
		}
	}
}
