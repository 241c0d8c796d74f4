// Package notebooks holds neuralem's Jupyter notebooks (GoNB kernel) and the
// test that runs them end to end like code: every notebook is executed
// headless with nbconvert, its outputs are scanned for errors the kernel did
// not flag, it is converted to HTML and headless Chromium checks that its
// charts actually draw.
//
// The test needs the kernel set up by `bash kernels/setup.sh` (Jupyter from
// Debian, the gonb kernelspec, the ECharts bundles) and Debian's chromium.
// Without them it fails when $CI is set and skips otherwise, naming the
// command to run. It needs the shared data (../shared/data beside the
// repository, or $NEURALEM_SHARED_DATA) and fails without it.
//
// It takes several minutes (four notebooks, neural fits included): run it
// with a longer timeout, e.g. `GOEXPERIMENT=simd go test -timeout 60m ./notebooks/`.
package notebooks

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/neuralem/neuralem/internal/datadir"
)

const python = "/usr/bin/python3" // Debian's, which has Jupyter (not the first python3 on PATH)

// notebook is one notebook and the number of charts it must draw.
type notebook struct {
	file   string
	charts int // ECharts instances the executed notebook must draw
}

// The notebooks in run order: 02–04 reuse the neural map 01 fits (shared cache).
var notebooksToRun = []notebook{
	{"01-neural-map.ipynb", 5},          // normalisation slices, loss (region 9, both inits), loss (all), 2 slice views
	{"02-density-graph.ipynb", 4},       // walk paths, graph slab, 3-D graph vs model, distance histogram
	{"03-reproduce-the-paper.ipynb", 7}, // notebook size: Fig. 5, error vs noise, Cα (Fig. 6); full size: Fig. 5, white and band noise, Cα
	{"04-parameter-sweeps.ipynb", 7},    // lr × init (steps, MSE), width × ω0 (MSE, time), k × eps (sens, spec, nodes)
}

// need fails the test under CI and skips it otherwise.
func need(t *testing.T, ok bool, format string, args ...any) {
	t.Helper()
	if ok {
		return
	}
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CI") != "" {
		t.Fatalf("%s (CI is set, so this is a failure; CI must run: bash kernels/setup.sh)", msg)
	}
	t.Skipf("%s; set it up with: bash kernels/setup.sh (and apt-get install -y chromium)", msg)
}

func checkTools(t *testing.T) (chromium string) {
	t.Helper()
	_, err := os.Stat(python)
	need(t, err == nil, "%s not found (Jupyter runs under Debian's python)", python)
	out, err := exec.Command(python, "-m", "jupyter", "nbconvert", "--version").CombinedOutput()
	need(t, err == nil, "jupyter nbconvert is not installed: %v: %s", err, bytes.TrimSpace(out))
	out, err = exec.Command(python, "-m", "jupyter", "kernelspec", "list").CombinedOutput()
	need(t, err == nil && regexp.MustCompile(`(?m)^\s*gonb\s`).Match(out), "the gonb Jupyter kernel is not registered (jupyter kernelspec list: %s)", bytes.TrimSpace(out))
	chromium = "/usr/bin/chromium"
	_, err = os.Stat(chromium)
	need(t, err == nil, "headless chromium not found at %s", chromium)
	return chromium
}

func sharedDataDir(t *testing.T) string {
	t.Helper()
	d := datadir.Shared()
	if _, err := os.Stat(filepath.Join(d, "SOURCES.md")); err != nil {
		t.Fatalf("shared data not found (notebook 03 reads it): %v; expected ../shared/data beside the repository or $NEURALEM_SHARED_DATA", err)
	}
	abs, err := filepath.Abs(d)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

func TestNotebooks(t *testing.T) {
	chromium := checkTools(t)
	data := sharedDataDir(t)
	cache := t.TempDir() // fresh: every run fits, shared by the notebooks of this run
	out := t.TempDir()
	var total time.Duration
	for _, nb := range notebooksToRun {
		ok := t.Run(strings.TrimSuffix(nb.file, ".ipynb"), func(t *testing.T) {
			start := time.Now()
			executed := execute(t, nb.file, out, cache, data)
			d := time.Since(start)
			total += d
			t.Logf("%s executed in %v", nb.file, d.Round(time.Second))
			scanOutputs(t, executed, nb.charts)
			checkChartsDraw(t, chromium, executed, nb.charts)
		})
		if !ok && nb.file == notebooksToRun[0].file {
			t.Fatalf("%s failed; the others need its neural map", nb.file)
		}
	}
	t.Logf("all notebooks executed in %v", total.Round(time.Second))
}

// execute runs the notebook in place (the kernel's working directory is
// notebooks/, which the notebooks' setup cell relies on) and writes the
// executed copy into out. It returns the executed copy's path.
func execute(t *testing.T, file, out, cache, data string) string {
	t.Helper()
	// 30 minutes: notebook 01 fits the crop twice (learned and random
	// initialisation) and region 9 three times; on a shared 2-core machine with
	// bench-quiet pauses a 15-minute budget ran out mid-fit.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
		"--ExecutePreprocessor.kernel_name=gonb", "--ExecutePreprocessor.timeout=900",
		file, "--output-dir", out)
	cmd.Env = append(os.Environ(), "NEURALEM_NB_CACHE="+cache, datadir.EnvVar+"="+data, "GOEXPERIMENT=simd")
	// On the deadline nbconvert is killed, but the kernel it started keeps
	// the output pipe open: without WaitDelay cmd.Run waited for it forever.
	cmd.WaitDelay = 30 * time.Second
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	if err := cmd.Run(); err != nil {
		t.Fatalf("nbconvert --execute %s: %v\n%s", file, err, tail(buf.String(), 6000))
	}
	p := filepath.Join(out, file)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("nbconvert did not write %s: %v\n%s", p, err, tail(buf.String(), 3000))
	}
	return p
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

// The saved notebook format (only what the test reads).
type nbFile struct {
	Cells []struct {
		CellType       string          `json:"cell_type"`
		Source         json.RawMessage `json:"source"`
		ExecutionCount *int            `json:"execution_count"`
		Outputs        []struct {
			OutputType string                     `json:"output_type"`
			Name       string                     `json:"name"`
			Text       json.RawMessage            `json:"text"`
			Data       map[string]json.RawMessage `json:"data"`
			EName      string                     `json:"ename"`
			EValue     string                     `json:"evalue"`
		} `json:"outputs"`
	} `json:"cells"`
}

// multiline decodes a notebook string field, stored as a string or a list of lines.
func multiline(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var lines []string
	if json.Unmarshal(raw, &lines) == nil {
		return strings.Join(lines, "")
	}
	return string(raw)
}

// errorText matches error reports in text outputs (stdout, stderr, text/plain,
// text/markdown; never in the inlined ECharts JavaScript of HTML outputs):
// Go panics and tracebacks, GoNB's "ERROR:" lines for failed builds and
// commands, compiler diagnostics (file.go:line:col: …), go command failures.
// Words like "error" in ordinary prose ("max |error|", "MAE") do not match.
var errorText = regexp.MustCompile(`(?m)^panic: |^goroutine \d+ \[|^ERROR:|^Error:|\berror: |\.go:\d+:\d+: |^go: .*(cannot|not found|no required module|missing)|exit status [1-9]|^fatal error: |cannot find (module|package)|undefined: `)

// maxDigits is the number of significant digits from which a printed
// number counts as a raw float dump (0.6499999717429832, not 0.65 Å).
const maxDigits = 10

// numberRe matches a decimal number with an optional exponent.
var numberRe = regexp.MustCompile(`\d*\.?\d+(?:[eE][-+]?\d+)?`)

// rawFloats returns the numbers in s written with maxDigits or more
// significant digits. Digits that are part of a word (an identifier, a
// temporary directory name, a module pseudo-version, a hash) are not
// numbers: a match touching a letter, a digit, '_', '.', '-' or '/' before it
// or a letter or '_' after it is skipped, except for a sign or a space.
func rawFloats(s string) []string {
	var out []string
	for _, loc := range numberRe.FindAllStringIndex(s, -1) {
		if loc[0] > 0 {
			switch c := s[loc[0]-1]; {
			case c == '_' || c == '/' || c == '.' || isAlnum(c):
				continue
			case c == '-' && loc[0] > 1 && (isAlnum(s[loc[0]-2]) || s[loc[0]-2] == '.'):
				continue // v0.0.0-20250106191152-…, a pseudo-version
			}
		}
		if loc[1] < len(s) {
			if c := s[loc[1]]; c == '_' || isLetter(c) {
				continue
			}
		}
		if n := sigDigits(s[loc[0]:loc[1]]); n >= maxDigits {
			out = append(out, s[loc[0]:loc[1]])
		}
	}
	return out
}

// sigDigits counts the significant digits of a decimal number's mantissa:
// its digits without leading zeros.
func sigDigits(num string) int {
	m, _, _ := strings.Cut(strings.ToLower(num), "e")
	m = strings.Replace(m, ".", "", 1)
	return len(strings.TrimLeft(m, "0"))
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isAlnum(c byte) bool  { return isLetter(c) || c >= '0' && c <= '9' }

// scanOutputs fails on error outputs, on error text the kernel did not flag,
// on cells that did not run, and on fewer charts than expected.
func scanOutputs(t *testing.T, path string, wantCharts int) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var nb nbFile
	if err := json.Unmarshal(raw, &nb); err != nil {
		t.Fatalf("%s: not a notebook: %v", path, err)
	}
	charts := 0
	for i, c := range nb.Cells {
		if c.CellType != "code" {
			continue
		}
		src := multiline(c.Source)
		first, _, _ := strings.Cut(src, "\n")
		if c.ExecutionCount == nil && strings.TrimSpace(src) != "" {
			t.Errorf("cell %d (%q) was not executed", i, first)
		}
		for _, o := range c.Outputs {
			var texts []string
			switch o.OutputType {
			case "error":
				t.Errorf("cell %d (%q): error output %s: %s", i, first, o.EName, o.EValue)
			case "stream":
				texts = append(texts, multiline(o.Text))
			case "display_data", "execute_result", "update_display_data":
				for _, mime := range []string{"text/plain", "text/markdown"} {
					texts = append(texts, multiline(o.Data[mime]))
				}
				if h := multiline(o.Data["text/html"]); strings.Contains(h, "echarts.init(") {
					charts++
				}
			}
			for _, s := range texts {
				if loc := errorText.FindStringIndex(s); loc != nil {
					lo, hi := max(0, loc[0]-200), min(len(s), loc[1]+300)
					t.Errorf("cell %d (%q): error text in output: …%s…", i, first, s[lo:hi])
				}
				if raw := rawFloats(s); len(raw) > 0 {
					t.Errorf("cell %d (%q): numbers printed with ≥ %d significant digits (round them, with units): %q",
						i, first, maxDigits, raw)
				}
				if strings.Contains(s, "go: added ") {
					t.Errorf("cell %d (%q): the go command's \"go: added\" lines are shown (the setup cell hides them)", i, first)
				}
			}
		}
	}
	if charts < wantCharts {
		t.Errorf("%s: %d chart outputs, want %d", path, charts, wantCharts)
	}
}

// checkChartsDraw converts the executed notebook to HTML, loads it in
// headless Chromium with virtual time (so the scripts run to completion) and
// checks the console and the rendered DOM: no JavaScript error, and ECharts
// marks every initialised chart's element with an _echarts_instance_
// attribute and draws into a canvas inside it, so each chart must have the
// attribute and a canvas of non-zero size.
func checkChartsDraw(t *testing.T, chromium, executed string, wantCharts int) {
	t.Helper()
	dir := filepath.Dir(executed)
	cmd := exec.Command(python, "-m", "jupyter", "nbconvert", "--to", "html", executed, "--output-dir", dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("nbconvert --to html: %v\n%s", err, tail(string(out), 3000))
	}
	page := strings.TrimSuffix(executed, ".ipynb") + ".html"
	abs, err := filepath.Abs(page)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd = exec.CommandContext(ctx, chromium, "--headless", "--no-sandbox", "--disable-gpu", "--enable-unsafe-swiftshader",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
		"--disable-quic", "--user-data-dir="+t.TempDir(), "--window-size=1200,2600",
		"--virtual-time-budget=20000", "--enable-logging=stderr", "--v=0", "--dump-dom", "file://"+abs)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium --dump-dom %s: %v\n%s", page, err, tail(stderr.String(), 3000))
	}
	// A chart option ECharts cannot draw throws in the page, and the chart
	// then shows little or nothing while still having a canvas.
	for _, line := range strings.Split(stderr.String(), "\n") {
		if consoleError.MatchString(line) {
			t.Errorf("%s: JavaScript error in the page: %s", filepath.Base(page), strings.TrimSpace(line))
		}
	}
	n, blank := countDrawnCharts(stdout.String())
	t.Logf("%s: %d charts drawn, %d without a sized canvas", filepath.Base(page), n, blank)
	if n < wantCharts {
		t.Errorf("%s: %d ECharts instances in the rendered page, want %d (charts did not draw)", page, n, wantCharts)
	}
	if blank > 0 {
		t.Errorf("%s: %d charts have no canvas of non-zero size", page, blank)
	}
}

// consoleError matches an uncaught JavaScript error or an error logged to
// the console, as headless Chromium prints them with --enable-logging.
var consoleError = regexp.MustCompile(`CONSOLE.*(Uncaught|Error)`)

var (
	instanceRe = regexp.MustCompile(`_echarts_instance_="[^"]+"`)
	canvasRe   = regexp.MustCompile(`<canvas\b[^>]*>`)
	attrRe     = regexp.MustCompile(`\b(width|height)="(\d+)"`)
)

// countDrawnCharts returns the number of ECharts instances in a rendered DOM
// and how many of them have no canvas with non-zero width and height before
// the next instance starts.
func countDrawnCharts(dom string) (n, blank int) {
	locs := instanceRe.FindAllStringIndex(dom, -1)
	for i, loc := range locs {
		end := len(dom)
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		drawn := false
		for _, c := range canvasRe.FindAllString(dom[loc[1]:end], -1) {
			w, h := 0, 0
			for _, m := range attrRe.FindAllStringSubmatch(c, -1) {
				v, _ := strconv.Atoi(m[2])
				if m[1] == "width" {
					w = v
				} else {
					h = v
				}
			}
			if w > 0 && h > 0 {
				drawn = true
				break
			}
		}
		if !drawn {
			blank++
		}
	}
	return len(locs), blank
}
