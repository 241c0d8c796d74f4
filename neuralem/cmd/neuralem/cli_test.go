package main

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/neuralem/neuralem/neuralem/densgraph"
	"github.com/neuralem/neuralem/neuralem/geom"
	"github.com/neuralem/neuralem/neuralem/internal/shared"
	"github.com/neuralem/neuralem/neuralem/mrc"
	"github.com/neuralem/neuralem/neuralem/neuralmap"
)

// cli runs the command in-process and returns its exit code, stdout and stderr.
func cli(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func defaultPaths(t *testing.T) (string, string) {
	return shared.TestdataPath(t, "default/emd20026_crop.mrc.gz"), shared.TestdataPath(t, "default/emd20026_crop.pdb")
}

func TestCLIErrors(t *testing.T) {
	mapPath, modelPath := defaultPaths(t)
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.mrc")
	if err := os.WriteFile(bad, []byte("this is not a map, it is far too short"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		args []string
		code int
		want []string // substrings of stderr
	}{
		{[]string{"frobnicate"}, 2, []string{`unknown command "frobnicate"`}},
		{[]string{"info"}, 2, []string{"want at least 1 argument"}},
		{[]string{"info", filepath.Join(dir, "missing.mrc")}, 1, []string{"missing.mrc"}},
		{[]string{"info", bad}, 1, []string{"bad.mrc"}},
		{[]string{"fit", mapPath}, 1, []string{"-o OUT.nem is required"}},
		{[]string{"fit", mapPath, "-o", filepath.Join(dir, "x.nem"), "--preset", "gpu-huge"}, 1, []string{`unknown preset "gpu-huge"`}},
		{[]string{"fit", mapPath, "-o", filepath.Join(dir, "x.nem"), "--shard", "3/2"}, 1, []string{"--shard", "3/2"}},
		{[]string{"simulate", modelPath, "-o", filepath.Join(dir, "s.mrc"), "--resolution", "-1"}, 1, []string{"esolution"}},
		{[]string{"graph", mapPath, "-o", filepath.Join(dir, "g"), "--cutoff", "-2"}, 1, []string{"cutoff"}},
		{[]string{"query", mapPath, "--at", "0,0,0"}, 1, []string{"outside"}},
		{[]string{"query", mapPath, "--at", "1,2"}, 1, []string{"want x,y,z"}},
		{[]string{"eval", modelPath}, 2, []string{"want 2 argument"}},
		{[]string{"fit", mapPath, "--dry-run", "--workers", "-1"}, 1, []string{"--workers -1"}},
		{[]string{"fit", mapPath, "--dry-run", "--stack", "0"}, 1, []string{"--stack 0"}},
		{[]string{"experiment", "interp", "-o", filepath.Join(dir, "e"), "--models", "1CRN,nosuch"}, 1, []string{`--models: unknown name "nosuch"`, "1CRN"}},
		{[]string{"experiment", "graph", "-o", filepath.Join(dir, "e"), "--pairs", "EMD-0"}, 1, []string{`--pairs: unknown name "EMD-0"`, "EMD-2566"}},
		{[]string{"experiment", "sweep", "-o", filepath.Join(dir, "e")}, 1, []string{`unknown experiment "sweep"`}},
		{[]string{"fit", mapPath, "--dry-run", "--preset", "paper", "--init", "learned"}, 1, []string{"no learned initialisation", "paper", "GPU job"}},
		{[]string{"fit", mapPath, "--dry-run", "--width", "32"}, 1, []string{"Width 64", "Width 32", "--init random"}},
		{[]string{"fit", mapPath, "--dry-run", "--seed", "5"}, 1, []string{"--seed 5", "--init random"}},
		{[]string{"fit", mapPath, "--dry-run", "--region-size", "24"}, 1, []string{"16-voxel regions", "--region-size 24", "--init random"}},
		{[]string{"fit", mapPath, "--dry-run", "--init", "nosuch"}, 1, []string{`--init nosuch`, "learned, random or the path"}},
		{[]string{"fit", mapPath, "--dry-run", "--init", filepath.Join(dir, "missing.nemi")}, 1, []string{"missing.nemi"}},
		{[]string{"fit", mapPath, "--dry-run", "--init", mapPath}, 1, []string{"not a neuralem initialisation file"}},
		{[]string{"meta-train"}, 1, []string{"-o INIT.nemi is required"}},
		{[]string{"meta-train", "-o", filepath.Join(dir, "m.nemi"), "--preset", "paper"}, 1, []string{"GPU job"}},
		{[]string{"meta-train", "-o", filepath.Join(dir, "m.nemi"), "--steps", "0"}, 1, []string{"OuterSteps = 0"}},
	}
	for _, c := range cases {
		code, _, stderr := cli(t, c.args...)
		if code != c.code {
			t.Errorf("neuralem %s: exit %d, want %d (stderr %q)", strings.Join(c.args, " "), code, c.code, stderr)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(stderr, w) {
				t.Errorf("neuralem %s: stderr %q lacks %q", strings.Join(c.args, " "), stderr, w)
			}
		}
	}
}

func TestInfoJSON(t *testing.T) {
	mapPath, modelPath := defaultPaths(t)
	code, out, stderr := cli(t, "info", "--json", mapPath, modelPath)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var v []map[string]any
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("info --json is not JSON: %v\n%s", err, out)
	}
	if got := v[0]["shape_xyz"]; !jsonEq(got, []any{27.0, 35.0, 40.0}) {
		t.Errorf("map shape %v, want [27 35 40]", got)
	}
	if v[1]["atoms"] != 355.0 || v[1]["resolution_A"] != 1.75 {
		t.Errorf("model info atoms %v resolution %v, want 355 and 1.75", v[1]["atoms"], v[1]["resolution_A"])
	}
}

// TestFitDryRun checks the plan of a fit of the shipped default with each
// preset: regions from the preset's tiling, parameters per region, and no
// output file.
func TestFitDryRun(t *testing.T) {
	mapPath, _ := defaultPaths(t)
	out := filepath.Join(t.TempDir(), "never.nem")
	for _, c := range []struct {
		preset          string
		regions, params float64
		regionShape     []any
	}{
		{"cpu", 18, 8641, []any{16.0, 16.0, 16.0}},    // 2×3×3 regions of 16³; 3·64+64 + 2·(64·64+64) + 65
		{"paper", 1, 264449, []any{27.0, 35.0, 40.0}}, // the whole map is one region ≤ 64
	} {
		code, stdout, stderr := cli(t, "fit", "--dry-run", "--json", "--preset", c.preset, mapPath, "-o", out)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", c.preset, code, stderr)
		}
		var plan map[string]any
		if err := json.Unmarshal([]byte(stdout), &plan); err != nil {
			t.Fatalf("%s: --dry-run --json: %v\n%s", c.preset, err, stdout)
		}
		if plan["regions"] != c.regions || plan["params_per_region"] != c.params || !jsonEq(plan["region_shape"], c.regionShape) {
			t.Errorf("%s: plan %v, want %v regions of %v with %v parameters", c.preset, plan, c.regions, c.regionShape, c.params)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Errorf("--dry-run wrote %s", out)
	}
	if code, stdout, stderr := cli(t, "fit", "--dry-run", mapPath); code != 0 || !strings.Contains(stdout, "18 regions") {
		t.Errorf("--dry-run without -o: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

func jsonEq(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

// TestShardsMergeEqualsWhole fits the default map in two shards and merges
// them; the merged map must sample exactly like an unsharded fit (region r is
// trained with the same seed and data wherever it is fitted).
func TestShardsMergeEqualsWhole(t *testing.T) {
	mapPath, _ := defaultPaths(t)
	dir := t.TempDir()
	tiny := []string{"--region-size", "24", "--width", "16", "--hidden-layers", "1", "--max-steps", "5", "--init", "random"}
	fit := func(out string, extra ...string) {
		args := append([]string{"fit", mapPath, "-o", filepath.Join(dir, out)}, append(tiny, extra...)...)
		if code, _, stderr := cli(t, args...); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
	}
	fit("whole.nem")
	fit("s1.nem", "--shard", "1/2")
	fit("s2.nem", "--shard", "2/2")
	// A shard alone does not merge into a complete map.
	code, _, stderr := cli(t, "merge", filepath.Join(dir, "s1.nem"), "-o", filepath.Join(dir, "bad.nem"))
	if code != 1 || !strings.Contains(stderr, "lack regions [1 3 5 7]") {
		t.Errorf("merging one shard: exit %d, stderr %q; want the missing regions 1 3 5 7 named", code, stderr)
	}
	if code, _, stderr := cli(t, "merge", filepath.Join(dir, "s1.nem"), filepath.Join(dir, "s2.nem"), "-o", filepath.Join(dir, "merged.nem")); code != 0 {
		t.Fatalf("merge: exit %d: %s", code, stderr)
	}
	whole, err := neuralmap.Load(filepath.Join(dir, "whole.nem"))
	if err != nil {
		t.Fatal(err)
	}
	merged, err := neuralmap.Load(filepath.Join(dir, "merged.nem"))
	if err != nil {
		t.Fatal(err)
	}
	for r := range whole.Regions {
		a, b := whole.Regions[r].Net, merged.Regions[r].Net
		for l := range a.Layers {
			if !equalF32(a.Layers[l].W, b.Layers[l].W) || !equalF32(a.Layers[l].B, b.Layers[l].B) {
				t.Fatalf("region %d layer %d: merged weights differ from the unsharded fit", r, l)
			}
		}
	}
}

func equalF32(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestDemoEndToEnd runs the main job on the shipped default exactly as a
// new user does (the cpu preset, no overrides; ≈ 100 s on 2 cores), then
// checks that every produced file loads and the metrics are in
// ranges justified below.
func TestDemoEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end fit skipped in -short mode")
	}
	mapPath, modelPath := defaultPaths(t)
	dir := t.TempDir()
	code, out, stderr := cli(t, "demo", "-o", dir, "--map", mapPath, "--model", modelPath, "--json")
	if code != 0 {
		t.Fatalf("demo: exit %d: %s", code, stderr)
	}
	var sum struct {
		Fit struct {
			Regions int     `json:"regions"`
			RMSE01  float64 `json:"rmse01"`
		} `json:"fit"`
		Graphs []struct {
			Field   string         `json:"field"`
			Files   []string       `json:"files"`
			Graph   map[string]any `json:"graph"`
			Metrics struct {
				Nodes       int     `json:"nodes"`
				Sensitivity float64 `json:"sensitivity"`
				Specificity float64 `json:"specificity"`
				RMSD        float64 `json:"rmsd_A"`
				CA          struct {
					Coverage float64 `json:"coverage"`
				} `json:"ca"`
			} `json:"metrics"`
		} `json:"graphs"`
	}
	if err := json.Unmarshal([]byte(out), &sum); err != nil {
		t.Fatalf("demo --json: %v\n%s", err, out)
	}
	if sum.Fit.Regions != 18 {
		t.Errorf("the 27×35×40 default tiled into %d regions of ≤ 16 voxels, want 2×3×3 = 18", sum.Fit.Regions)
	}
	// The paper's fit criterion, MSE < 4e-4 on the networks' [−1, 1] scale,
	// is RMSE < 0.01 on [0, 1] (measured 0.0047: every region stops below
	// MSE 1e-4); a broken fit or a frame mix-up gives ≥ 0.1 (the map's own
	// σ on [0, 1] is 0.117).
	t.Logf("fit RMSE on [0,1]: %.4g", sum.Fit.RMSE01)
	if !(sum.Fit.RMSE01 < 0.01) {
		t.Errorf("fit RMSE on [0,1] = %g, want < 0.01 (the paper's MSE < 4e-4)", sum.Fit.RMSE01)
	}
	nm, err := neuralmap.Load(filepath.Join(dir, "map.nem"))
	if err != nil {
		t.Fatal(err)
	}
	exp, _, err := mrc.ReadGrid(filepath.Join(dir, "neural.mrc"))
	if err != nil {
		t.Fatal(err)
	}
	if exp.Frame != nm.Frame {
		t.Errorf("exported MRC frame %+v differs from the input map's %+v", exp.Frame, nm.Frame)
	}
	if len(sum.Graphs) != 2 {
		t.Fatalf("want graphs from the neural and bspline fields, got %d", len(sum.Graphs))
	}
	for _, g := range sum.Graphs {
		for _, f := range g.Files {
			if strings.HasSuffix(f, "_edges.csv") {
				continue
			}
			gr, err := densgraph.ReadFile(f)
			if err != nil {
				t.Errorf("%s: %v", f, err)
				continue
			}
			if len(gr.Nodes) != g.Metrics.Nodes {
				t.Errorf("%s: %d nodes, the report says %d", f, len(gr.Nodes), g.Metrics.Nodes)
			}
		}
		m := g.Metrics
		t.Logf("%s graph: %+v", g.Field, m)
		switch g.Field {
		case "bspline":
			// Deterministic (no training). Measured: 208 nodes, sensitivity
			// 0.496, specificity 0.846, RMSD 0.407 Å, Cα coverage 1.0. At
			// 1.75 Å half the atoms are not separate peaks, so sensitivity
			// well below the paper's atomic-resolution 85 % is expected.
			if m.CA.Coverage < 0.95 || m.Sensitivity < 0.4 || m.Sensitivity > 0.6 || m.Specificity < 0.75 || m.RMSD > 0.5 {
				t.Errorf("bspline graph metrics out of range: %+v", m)
			}
		case "neural":
			// Measured: 315 nodes, sensitivity 0.631 (more atoms found than
			// the B-spline's 0.496), specificity 0.711, RMSD 0.416 Å, Cα
			// coverage 1.0. Ranges leave room for float differences
			// between CPUs (matmul kernels) in training.
			if m.CA.Coverage < 0.95 || m.Sensitivity < 0.5 || m.Sensitivity > 0.75 || m.Specificity < 0.6 || m.RMSD > 0.5 {
				t.Errorf("neural graph metrics out of range: %+v", m)
			}
		default:
			t.Errorf("unexpected field %q", g.Field)
		}
	}

	// Query the neural map at a model atom: inside, finite, with a gradient per Å.
	code, out, stderr = cli(t, "query", filepath.Join(dir, "map.nem"), "--at", "146.0,92.0,152.0", "--json")
	if code != 0 {
		t.Fatalf("query: exit %d: %s", code, stderr)
	}
	var q []queryResult
	if err := json.Unmarshal([]byte(out), &q); err != nil || len(q) != 1 {
		t.Fatalf("query --json: %v %s", err, out)
	}
	if math.IsNaN(q[0].Density) || geom.Vec3(q[0].Gradient).Norm() == 0 {
		t.Errorf("query result %+v", q[0])
	}
	// Export at 0.5 Å keeps the first voxel centre.
	half := filepath.Join(dir, "half.mrc")
	if code, _, stderr := cli(t, "export", filepath.Join(dir, "map.nem"), "-o", half, "--spacing", "0.5"); code != 0 {
		t.Fatalf("export: exit %d: %s", code, stderr)
	}
	hg, _, err := mrc.ReadGrid(half)
	if err != nil {
		t.Fatal(err)
	}
	if hg.Origin != nm.Frame.Origin || hg.Spacing != (geom.Vec3{0.5, 0.5, 0.5}) {
		t.Errorf("0.5 Å export frame %+v, want origin %v and spacing 0.5", hg.Frame, nm.Frame.Origin)
	}
	// eval on a written graph file agrees with the demo's own numbers.
	code, out, stderr = cli(t, "eval", filepath.Join(dir, "graph_bspline.cif"), modelPath, "--json")
	if code != 0 {
		t.Fatalf("eval: exit %d: %s", code, stderr)
	}
	var ev map[string]any
	if err := json.Unmarshal([]byte(out), &ev); err != nil {
		t.Fatal(err)
	}
	for _, g := range sum.Graphs {
		if g.Field == "bspline" && math.Abs(ev["sensitivity"].(float64)-g.Metrics.Sensitivity) > 1e-12 {
			t.Errorf("eval of the written mmCIF gives sensitivity %v, the demo %v", ev["sensitivity"], g.Metrics.Sensitivity)
		}
	}
}

// TestInitFlagAndMetaTrain meta-trains a (tiny) initialisation with the CLI,
// fits the default from it and from the shipped one, and checks what the
// files record: the .nem names its initialisation and checksum, info shows
// both, and a resumed fit refuses another initialisation.
func TestInitFlagAndMetaTrain(t *testing.T) {
	mapPath, _ := defaultPaths(t)
	dir := t.TempDir()
	nemi := filepath.Join(dir, "tiny.nemi")
	code, out, stderr := cli(t, "meta-train", "-o", nemi, "--maps", shared.Path(t, "maps/emd2566_3j6b_chain9.mrc"),
		"--models", shared.Path(t, "models/sim/1CRN.cif"), "--resolutions", "2", "--regions-per-map", "3", "--regions-per-sim", "2",
		"--steps", "3", "--batch", "2", "--inner-steps", "1", "--json")
	if code != 0 {
		t.Fatalf("meta-train: exit %d: %s", code, stderr)
	}
	// 1CRN at 2 Å on grids of R/3 = 0.667 Å and the real maps' 0.57 and
	// 0.94 Å (0.65 is within 0.02 of R/3; 1.34 is coarser than R/2).
	for _, w := range []string{"training set: 4 sources", "emd2566_3j6b_chain9.mrc", "1CRN.cif ×3", "held out (never trained on): EMD-20026"} {
		if !strings.Contains(stderr, w) {
			t.Errorf("meta-train did not print %q in the split:\n%s", w, stderr)
		}
	}
	if strings.Contains(stderr[strings.Index(stderr, "held out"):], "EMD-2566") {
		t.Errorf("EMD-2566 was trained on but is listed as held out:\n%s", stderr)
	}
	var mt map[string]any
	if err := json.Unmarshal([]byte(out), &mt); err != nil || mt["outer_steps"] != 3.0 {
		t.Fatalf("meta-train --json: %v %s", err, out)
	}
	code, out, stderr = cli(t, "info", nemi)
	if code != 0 || !strings.Contains(out, "initialisation for the cpu preset") || !strings.Contains(out, "3 of 3 outer steps") || !strings.Contains(out, mt["sha256"].(string)) {
		t.Errorf("info on the .nemi: exit %d\n%s%s", code, out, stderr)
	}

	fit := func(out string, extra ...string) (int, map[string]any, string) {
		args := append([]string{"fit", mapPath, "-o", filepath.Join(dir, out), "--regions", "0,1", "--max-steps", "3", "--json"}, extra...)
		code, stdout, stderr := cli(t, args...)
		var sum map[string]any
		if code == 0 {
			if err := json.Unmarshal([]byte(stdout), &sum); err != nil {
				t.Fatalf("%v: %v %s", args, err, stdout)
			}
		}
		return code, sum, stderr
	}
	for _, c := range []struct {
		out, init, kind string
	}{{"a.nem", nemi, "learned"}, {"b.nem", "", "learned"}, {"c.nem", "random", "random"}} {
		var extra []string
		if c.init != "" {
			extra = []string{"--init", c.init}
		}
		code, sum, stderr := fit(c.out, extra...)
		if code != 0 {
			t.Fatalf("fit --init %q: exit %d: %s", c.init, code, stderr)
		}
		rec, _ := sum["init"].(map[string]any)
		if steps, _ := sum["steps"].(float64); rec["kind"] != c.kind || steps < 2 || steps > 6 {
			t.Errorf("fit --init %q: init %v, steps %v; want kind %s and 2 regions of 1–3 steps", c.init, sum["init"], sum["steps"], c.kind)
		}
		if c.init == nemi && rec["sha256"] != mt["sha256"] {
			t.Errorf("fit --init %s records sha256 %v, the file's is %v", nemi, rec["sha256"], mt["sha256"])
		}
		if c.init == "" && rec["name"] != "cpu (built in)" {
			t.Errorf("default fit records init %v, want the built-in cpu one", rec)
		}
		code, info, _ := cli(t, "info", filepath.Join(dir, c.out))
		if code != 0 || !strings.Contains(info, "initialisation: "+c.kind) {
			t.Errorf("info %s: exit %d, want the initialisation shown:\n%s", c.out, code, info)
		}
	}
	// Resuming a.nem (made from tiny.nemi) with the built-in init is refused.
	code, _, stderr = fit("a.nem")
	if code != 1 || !strings.Contains(stderr, "initialisation learned tiny.nemi") || !strings.Contains(stderr, "this fit learned cpu (built in)") {
		t.Errorf("resume with another init: exit %d, stderr %q", code, stderr)
	}
}
