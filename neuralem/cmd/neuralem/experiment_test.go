package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/neuralem/neuralem/internal/datadir"
)

// TestExperimentNoiseCLI runs `experiment noise` on a small crop without
// neural maps and checks its outputs, then the flag errors.
func TestExperimentNoiseCLI(t *testing.T) {
	data := datadir.Shared()
	if data == "" {
		t.Fatal("shared data directory not found (../shared/data or $NEURALEM_SHARED_DATA)")
	}
	dir := t.TempDir()
	prefix := filepath.Join(dir, "sub", "noise")
	code, stdout, stderr := cli(t, "experiment", "noise", "-o", prefix, "-data", data, "--models", "1CRN", "--crop", "8", "--no-neural",
		"--snrs", "2,inf", "--noise", "band", "--lowpass", "0.5,1")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	// 2 conditions × (trilinear, bspline, 2 low-pass).
	if !strings.Contains(stdout, "lowpass0.5-bspline") || !strings.Contains(stdout, "| band | 2 |") {
		t.Errorf("stdout:\n%s", stdout)
	}
	for _, ext := range []string{".csv", ".json", ".md", ".html"} {
		if st, err := os.Stat(prefix + ext); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", prefix+ext, err)
		}
	}
	b, err := os.ReadFile(prefix + ".json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Experiment string
		Options    struct {
			SNRs      []any
			Kinds     []string
			LowPass   []float64
			NoiseSeed uint64
			NoNeural  bool
		}
		Rows []map[string]any
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Experiment != "noise" || len(doc.Rows) != 8 || len(doc.Options.SNRs) != 2 || doc.Options.Kinds[0] != "band" ||
		len(doc.Options.LowPass) != 2 || doc.Options.NoiseSeed != 1 || !doc.Options.NoNeural {
		t.Errorf("JSON: %+v", doc)
	}
	if page, err := os.ReadFile(prefix + ".html"); err != nil || !strings.Contains(string(page), "peak/σ") || !strings.Contains(string(page), "lowpass0.5-bspline") {
		t.Errorf("chart page: %v", err)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "sub", ".*tmp*")); len(m) != 0 {
		t.Errorf("temporary files left: %v", m)
	}

	// The verdict from that output: noise rows measured (no neural rows:
	// "not measured" for the claims on neural fits), the others not.
	vprefix := filepath.Join(dir, "verdict")
	code, stdout, stderr = cli(t, "experiment", "verdict", "-o", vprefix, "--noise-json", prefix+".json")
	if code != 0 || !strings.Contains(stdout, "| claim | paper | ours | holds |") || !strings.Contains(stdout, "not measured (no interp results)") {
		t.Errorf("verdict: exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, ext := range []string{".csv", ".md"} {
		if _, err := os.Stat(vprefix + ext); err != nil {
			t.Error(err)
		}
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "give at least one of"},
		{[]string{"--interp-json", prefix + ".json"}, `the output of a "noise" run, want "interp"`},
		{[]string{"--graph-json", filepath.Join(dir, "missing.json")}, "--graph-json"},
	} {
		code, _, stderr := cli(t, append([]string{"experiment", "verdict", "-o", vprefix}, c.args...)...)
		if code != 1 || !strings.Contains(stderr, c.want) {
			t.Errorf("verdict %v: exit %d, stderr %q; want 1 and %q", c.args, code, stderr, c.want)
		}
	}

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--snrs", "0"}, `--snrs: "0"`},
		{[]string{"--snrs", "x"}, `--snrs: "x"`},
		{[]string{"--noise", "pink"}, `--noise: "pink"`},
		{[]string{"--noise", "none"}, `--noise: "none"`},
		{[]string{"--lowpass", "-1"}, `--lowpass: "-1"`},
		{[]string{"--noise-seed", "0"}, "--noise-seed 0"},
		{[]string{"--inits", "random," + filepath.Join(dir, "missing.nemi")}, `initialisation "` + filepath.Join(dir, "missing.nemi") + `"`},
		{[]string{"--inits", "learned", "--width", "32"}, `initialisation "learned"`},
		{[]string{"--normalization", "own"}, "Normalization"},
	} {
		args := append([]string{"experiment", "noise", "-o", prefix, "-data", data, "--models", "1CRN", "--crop", "8", "--preset", "cpu"}, c.args...)
		code, _, stderr := cli(t, args...)
		if code != 1 || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want 1 and %q", c.args, code, stderr, c.want)
		}
	}
}
