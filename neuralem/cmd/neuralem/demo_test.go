package main

import (
	"encoding/json"
	"math"
	"testing"
)

// TestDemoBSplineNumbersUnchanged runs the demo with a short fit and checks
// the B-spline graph's numbers against those the demo printed before its
// steps moved into package pipeline (the B-spline graph does not depend on
// the fit; float64 throughout). pipeline's TestRunEqualsTheDemoSteps checks
// the neural map's side against the demo's former steps.
func TestDemoBSplineNumbersUnchanged(t *testing.T) {
	if testing.Short() {
		t.Skip("demo with a fit skipped in -short mode")
	}
	mapPath, modelPath := defaultPaths(t)
	code, out, stderr := cli(t, "demo", "-o", t.TempDir(), "--map", mapPath, "--model", modelPath, "--max-steps", "20", "--json")
	if code != 0 {
		t.Fatalf("demo: exit %d: %s", code, stderr)
	}
	var sum struct {
		Fit    map[string]any `json:"fit"`
		Graphs []struct {
			Field   string         `json:"field"`
			Graph   map[string]any `json:"graph"`
			Metrics map[string]any `json:"metrics"`
		} `json:"graphs"`
	}
	if err := json.Unmarshal([]byte(out), &sum); err != nil {
		t.Fatalf("demo --json: %v\n%s", err, out)
	}
	for _, k := range []string{"rmse01", "mae01", "max_abs_error01"} {
		if v, ok := sum.Fit[k].(float64); !ok || !(v > 0 && v < 1) {
			t.Errorf("fit %s = %v, want a number in (0, 1)", k, sum.Fit[k])
		}
	}
	if len(sum.Graphs) != 2 || sum.Graphs[0].Field != "neural" || sum.Graphs[1].Field != "bspline" {
		t.Fatalf("graphs %+v, want neural then bspline", sum.Graphs)
	}
	// Printed by the demo before (commit cc74975), every run.
	want := map[string]float64{"seeds_kept": 2362, "peaks": 2188, "dropped": 174, "walk_steps": 158, "samples": 43435, "nodes": 208, "edges": 539, "cutoff_A": 3.5}
	wantEval := map[string]float64{"nodes": 208, "atoms": 355, "matched": 176, "sensitivity": 0.49577464788732395, "specificity": 0.8461538461538461, "rmsd_A": 0.40740428313147126}
	bs := sum.Graphs[1]
	for k, v := range want {
		if got, _ := bs.Graph[k].(float64); got != v {
			t.Errorf("bspline graph %s = %v, was %v", k, bs.Graph[k], v)
		}
	}
	for k, v := range wantEval {
		if got, _ := bs.Metrics[k].(float64); math.Abs(got-v) > 1e-12*math.Max(1, v) {
			t.Errorf("bspline %s = %v, was %v", k, bs.Metrics[k], v)
		}
	}
}
