package neuralmap

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/neuralem/neuralem/neuralem/geom"
	"github.com/neuralem/neuralem/neuralem/grid"
	"github.com/neuralem/neuralem/neuralem/metainit"
	"github.com/neuralem/neuralem/neuralem/region"
	"github.com/neuralem/neuralem/neuralem/siren"
)

// synthMap is a 20³ map (0.8 Å voxels, off-zero origin) of three Gaussian
// blobs on a slightly negative background, so the clamp of the
// normalisation is exercised.
func synthMap() *grid.Grid {
	g := grid.New(grid.Frame{Shape: [3]int{20, 20, 20}, Spacing: geom.Vec3{0.8, 0.8, 0.8}, Origin: geom.Point{5, -3, 10}})
	centres := []geom.Point{{10, 3, 17}, {15, 5, 22}, {12, 9, 14}}
	for k := 0; k < 20; k++ {
		for j := 0; j < 20; j++ {
			for i := 0; i < 20; i++ {
				p := g.PointOf(geom.Index{i, j, k})
				v := -0.05
				for c, q := range centres {
					v += (1 + 0.3*float64(c)) * math.Exp(-p.Dist2(q)/(2*2.2*2.2))
				}
				g.Set(i, j, k, float32(v))
			}
		}
	}
	return g
}

// tinyConfig is a network small enough for unit tests.
func tinyConfig() siren.Config {
	c, _ := siren.Preset("cpu")
	// Chosen by a sweep on one region of synthMap (width 16/32, ω0 5/10/30,
	// lr 1e-3/3e-3/1e-2, both inits): best loss ≈ 1e-4 in 150 steps.
	c.Width, c.HiddenLayers, c.Omega0, c.Init = 16, 1, 10, siren.InitSitzmann
	c.LearningRate = 1e-2
	c.MaxSteps, c.MaxTime = 150, 0
	return c
}

var tinyTiling = region.Options{Size: 12, Overlap: 4}

type fitFixture struct {
	m        *NeuralMap
	path     string
	first    *NeuralMap // the partial map of the interrupted run
	resumed  []int      // regions reported Resumed by the second run
	trained  []int      // regions trained by the second run
	stopErr  error
	firstIDs []int
	err      error
}

var (
	fixOnce sync.Once
	fix     fitFixture
)

// fitted fits synthMap in two runs: the first fits regions {6, 1, 0}
// (selection, sorted 0, 1, 6) and is stopped by its progress callback after
// two regions; the second resumes from the checkpoint file and fits the
// rest. Shared by the tests below.
func fitted(t *testing.T) *fitFixture {
	t.Helper()
	fixOnce.Do(func() {
		dir, err := os.MkdirTemp("", "neuralmap-test-")
		if err != nil {
			fix.err = err
			return
		}
		fix.path = filepath.Join(dir, "synth"+FileExt)
		g := synthMap()
		opts := FitOptions{Tiling: tinyTiling, Config: tinyConfig(), Resolution: 3, Regions: []int{6, 1, 0}, Checkpoint: fix.path}
		done := 0
		stop := errors.New("simulated interruption")
		_, fix.stopErr = Fit(context.Background(), g, opts, func(p FitProgress) error {
			if p.Done {
				fix.firstIDs = append(fix.firstIDs, p.Region.ID)
				if done++; done == 2 {
					return stop
				}
			}
			return nil
		})
		if fix.first, err = Load(fix.path); err != nil {
			fix.err = err
			return
		}
		opts.Regions = nil
		fix.m, fix.err = Fit(context.Background(), g, opts, func(p FitProgress) error {
			if p.Done {
				if p.Resumed {
					fix.resumed = append(fix.resumed, p.Region.ID)
				} else {
					fix.trained = append(fix.trained, p.Region.ID)
				}
			}
			return nil
		})
	})
	if fix.err != nil {
		t.Fatal(fix.err)
	}
	return &fix
}

func TestFitResumesAfterInterruption(t *testing.T) {
	f := fitted(t)
	if !errors.Is(f.stopErr, ErrStopped) || !strings.Contains(f.stopErr.Error(), "simulated interruption") {
		t.Errorf("interrupted fit returned %v, want ErrStopped wrapping the callback's error", f.stopErr)
	}
	// Workers train regions concurrently: the order they finish in varies.
	slices.Sort(f.firstIDs)
	slices.Sort(f.resumed)
	slices.Sort(f.trained)
	if !slices.Equal(f.firstIDs, []int{0, 1}) || !slices.Equal(f.first.Fitted(), []int{0, 1}) {
		t.Fatalf("first run finished %v, checkpoint holds %v; want [0 1] for both", f.firstIDs, f.first.Fitted())
	}
	if !slices.Equal(f.resumed, []int{0, 1}) || !slices.Equal(f.trained, []int{2, 3, 4, 5, 6, 7}) {
		t.Errorf("resumed run: resumed %v, trained %v; want [0 1] and [2 … 7]", f.resumed, f.trained)
	}
	for _, id := range []int{0, 1} {
		a, b := f.first.Regions[id], f.m.Regions[id]
		if a.Report != b.Report || !equalF32(a.Net.Layers[0].W, b.Net.Layers[0].W) {
			t.Errorf("region %d changed when resuming", id)
		}
	}
	if !f.m.Complete() {
		t.Fatalf("map not complete: %v", f.m.Fitted())
	}
	onDisk, err := Load(f.path)
	if err != nil {
		t.Fatal(err)
	}
	if !onDisk.Complete() {
		t.Errorf("checkpoint file holds %v after the resumed run", onDisk.Fitted())
	}
	t.Log(f.m.FitSummary())
	// Resuming a complete map trains nothing.
	var trained int
	_, err = Fit(context.Background(), synthMap(), FitOptions{Tiling: tinyTiling, Config: tinyConfig(), Checkpoint: f.path}, func(p FitProgress) error {
		if !p.Resumed {
			trained++
		}
		return nil
	})
	if err != nil || trained != 0 {
		t.Errorf("resuming a complete checkpoint: err %v, %d progress calls for training", err, trained)
	}
}

// TestFitWorkersAndStackAgree fits the same map one region at a time, with
// two workers and in stacks of three: every region must come out the same
// (the workers' results do not depend on scheduling; the stack follows each
// network's own trajectory up to float32 summation order).
func TestFitWorkersAndStackAgree(t *testing.T) {
	g := synthMap()
	cfg := tinyConfig()
	cfg.MaxSteps = 40
	var maps []*NeuralMap
	for _, o := range []struct{ workers, stack int }{{1, 1}, {2, 1}, {1, 3}, {2, 3}} {
		m, err := Fit(context.Background(), g, FitOptions{Tiling: tinyTiling, Config: cfg, Workers: o.workers, Stack: o.stack}, nil)
		if err != nil {
			t.Fatalf("workers %d, stack %d: %v", o.workers, o.stack, err)
		}
		if !m.Complete() {
			t.Fatalf("workers %d, stack %d: fitted %v", o.workers, o.stack, m.Fitted())
		}
		maps = append(maps, m)
	}
	for i, m := range maps[1:] {
		for id, r := range m.Regions {
			ref := maps[0].Regions[id]
			if r.Report.Steps != ref.Report.Steps || r.Report.BestStep != ref.Report.BestStep {
				t.Errorf("run %d region %d: %d steps (best %d), one at a time %d (best %d)", i+1, id, r.Report.Steps, r.Report.BestStep, ref.Report.Steps, ref.Report.BestStep)
			}
			if d := math.Abs(r.Report.BestLoss - ref.Report.BestLoss); d > 1e-4*ref.Report.BestLoss {
				t.Errorf("run %d region %d: best loss %g, one at a time %g", i+1, id, r.Report.BestLoss, ref.Report.BestLoss)
			}
		}
	}
}

// TestFittedMapQuality checks the fit reproduces the voxels, and that
// Save/Load gives identical samples through the GoMLX evaluator.
func TestFittedMapQuality(t *testing.T) {
	f := fitted(t)
	m := f.m
	g := synthMap()
	normed, _, err := grid.Normalize(g)
	if err != nil {
		t.Fatal(err)
	}
	pts := make([]geom.Point, 0, g.Len())
	for k := 0; k < 20; k++ {
		for j := 0; j < 20; j++ {
			for i := 0; i < 20; i++ {
				pts = append(pts, g.PointOf(geom.Index{i, j, k}))
			}
		}
	}
	val := make([]float64, len(pts))
	if err := m.SampleUnits(pts, val, nil, UnitsSigned); err != nil {
		t.Fatal(err)
	}
	var mse, variance, mean float64
	for _, v := range normed.Data {
		mean += float64(v) / float64(len(normed.Data))
	}
	for i, v := range normed.Data {
		mse += (val[i] - float64(v)) * (val[i] - float64(v)) / float64(len(val))
		variance += (float64(v) - mean) * (float64(v) - mean) / float64(len(val))
	}
	worst := 0.0
	for _, r := range m.Regions {
		worst = math.Max(worst, r.Report.BestLoss)
	}
	t.Logf("blended MSE on voxels %.3g (variance %.3g); worst region best loss %.3g", mse, variance, worst)
	// The blend at a voxel is a convex combination of region fits, so its
	// error is bounded by the regions' errors there; allow for float32.
	if mse > 1.05*worst+1e-7 || mse > 0.01*variance {
		t.Errorf("blended MSE %.3g: regions' worst %.3g, map variance %.3g", mse, worst, variance)
	}

	loaded, err := Load(f.path)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(8, 8))
	q := randomPointsIn(rng, m.Domain(), 500)
	v1, v2 := make([]float64, len(q)), make([]float64, len(q))
	g1, g2 := make([]geom.Vec3, len(q)), make([]geom.Vec3, len(q))
	if err := m.Sample(q, v1, g1); err != nil {
		t.Fatal(err)
	}
	if err := loaded.Sample(q, v2, g2); err != nil {
		t.Fatal(err)
	}
	for i := range q {
		if v1[i] != v2[i] || g1[i] != g2[i] {
			t.Fatalf("point %v: %g %v before save, %g %v after load", q[i], v1[i], g1[i], v2[i], g2[i])
		}
	}
}

// TestFittedGradientsAndContinuity checks, with real fitted networks and the
// GoMLX evaluator: values against the float64 reference, gradients per Å
// against central differences of the reference at random off-grid points,
// and continuity along lines through the overlaps.
func TestFittedGradientsAndContinuity(t *testing.T) {
	m := fitted(t).m
	rng := rand.New(rand.NewPCG(21, 22))
	dom := m.Domain()
	const h = 1e-5
	inner := geom.Box{Min: dom.Min.Add(geom.Vec3{h, h, h}), Max: dom.Max.Add(geom.Vec3{-h, -h, -h})}
	pts := randomPointsIn(rng, inner, 150)
	val := make([]float64, len(pts))
	grad := make([]geom.Vec3, len(pts))
	if err := m.SampleUnits(pts, val, grad, UnitsSigned); err != nil {
		t.Fatal(err)
	}
	b, _ := m.buildBlender()
	kn := kinks(b)
	maxV, maxG, maxAbsG := 0.0, 0.0, 0.0
	for i, p := range pts {
		maxV = math.Max(maxV, math.Abs(val[i]-refSample(t, m, p)))
		v := m.Frame.ToVoxel(p)
		skip := false
		for a := 0; a < 3; a++ {
			for _, k := range kn[a] {
				skip = skip || math.Abs(v[a]-k) < 1e-3
			}
		}
		if skip {
			continue
		}
		for a := 0; a < 3; a++ {
			p1, p2 := p, p
			p1[a] += h
			p2[a] -= h
			fd := (refSample(t, m, p1) - refSample(t, m, p2)) / (2 * h)
			maxG = math.Max(maxG, math.Abs(fd-grad[i][a]))
			maxAbsG = math.Max(maxAbsG, math.Abs(fd))
		}
	}
	t.Logf("GoMLX vs float64 reference: max |Δval| %.2g; max |grad − FD| %.2g per Å (max |grad| %.3g per Å)", maxV, maxG, maxAbsG)
	if maxV > 1e-4 {
		t.Errorf("values differ from the float64 reference by %.3g", maxV)
	}
	if maxG > 1e-3*maxAbsG {
		t.Errorf("gradients differ from central differences by %.3g per Å (max gradient %.3g)", maxG, maxAbsG)
	}

	// Continuity: lines through the overlap corner, edges and faces
	// (overlap voxels 8..11 on each axis).
	const step = 1e-3 // Å
	for _, vc := range []geom.VoxelCoord{{8, 8, 8}, {11, 11, 11}, {9.5, 8, 11}, {8, 3, 15}, {2, 11, 9.7}} {
		p0 := m.Frame.ToPoint(vc)
		d := geom.Vec3{rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()}
		d = d.Scale(1 / d.Norm())
		var line []geom.Point
		for s := -1.0; s <= 1; s += step {
			line = append(line, p0.Add(d.Scale(s)))
		}
		lv := make([]float64, len(line))
		lg := make([]geom.Vec3, len(line))
		if err := m.SampleUnits(line, lv, lg, UnitsSigned); err != nil {
			t.Fatal(err)
		}
		slope := 0.0
		for _, g := range lg {
			slope = math.Max(slope, math.Abs(g.Dot(d)))
		}
		for i := 1; i < len(line); i++ {
			if dv := math.Abs(lv[i] - lv[i-1]); dv > 1.05*slope*step+2e-6 {
				t.Fatalf("line through voxel %v: value steps by %.3g at %v (bound %.3g)", vc, dv, line[i], slope*step)
			}
		}
	}
}

func TestExportMRC(t *testing.T) {
	m := fitted(t).m
	g, err := m.Resample(m.Frame, Units01)
	if err != nil {
		t.Fatal(err)
	}
	if g.Frame != m.Frame {
		t.Errorf("resampled frame %+v, want the map's %+v", g.Frame, m.Frame)
	}
	// Same values as Sample at the voxel centres.
	pts := []geom.Point{m.Frame.PointOf(geom.Index{0, 0, 0}), m.Frame.PointOf(geom.Index{9, 13, 19}), m.Frame.PointOf(geom.Index{19, 19, 19})}
	val := make([]float64, 3)
	if err := m.Sample(pts, val, nil); err != nil {
		t.Fatal(err)
	}
	for i, idx := range []geom.Index{{0, 0, 0}, {9, 13, 19}, {19, 19, 19}} {
		if math.Abs(float64(g.At(idx[0], idx[1], idx[2]))-val[i]) > 1e-6 {
			t.Errorf("voxel %v: resampled %g, Sample %g", idx, g.At(idx[0], idx[1], idx[2]), val[i])
		}
	}
	fine, err := m.FrameAt(0.2)
	if err != nil {
		t.Fatal(err)
	}
	// 19 voxel steps of 0.8 Å = 15.2 Å → 77 centres at 0.2 Å, the last on
	// the last original centre.
	if fine.Shape != [3]int{77, 77, 77} || fine.Origin != m.Frame.Origin {
		t.Errorf("0.2 Å frame %+v", fine)
	}
	if _, err := m.FrameAt(0); err == nil {
		t.Error("FrameAt(0): no error")
	}
	path := filepath.Join(t.TempDir(), "export.mrc")
	if err := m.WriteMRC(path, m.Frame, UnitsOriginal); err != nil {
		t.Fatal(err)
	}
	checkMRCWithMrcfile(t, path, m)
}

func TestPreset(t *testing.T) {
	for _, name := range PresetNames {
		p, err := PresetNetwork(name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		cfg, _ := siren.Preset(name)
		if p.Config != cfg {
			t.Errorf("%s: config %+v, siren.Preset gives %+v", name, p.Config, cfg)
		}
		if err := p.Tiling.Validate(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if p.Init != nil {
			t.Errorf("%s: PresetNetwork sets an initialisation (%s)", name, p.Init.Name)
		}
	}
	if p, _ := PresetNetwork("paper"); p.Tiling != region.DefaultOptions {
		t.Errorf("paper tiling %+v, want the paper's %+v", p.Tiling, region.DefaultOptions)
	}
	if p, _ := PresetNetwork("cpu"); p.Tiling != (region.Options{Size: CPURegionSize, Overlap: 4}) {
		t.Errorf("cpu tiling %+v, want %d/4", p.Tiling, CPURegionSize)
	}
	for _, f := range []func(string) (FitOptions, error){Preset, PresetNetwork} {
		if _, err := f("gpu"); err == nil || !strings.Contains(err.Error(), `"gpu"`) {
			t.Errorf("unknown preset: err = %v, want one naming it", err)
		}
	}
	p, err := Preset("paper")
	if err != nil || p.Init != nil {
		t.Errorf("Preset(paper): %v, init %v; want random initial weights (no learned initialisation ships for it)", err, p.Init)
	}
}

// Preset("cpu") is PresetNetwork("cpu") with the shipped learned
// initialisation, which fits its network and region size. (Needs the
// finished learned/cpu.nemi: an unfinished checkpoint is an error here.)
func TestPresetCPUInit(t *testing.T) {
	p, err := Preset("cpu")
	if err != nil {
		t.Fatal(err)
	}
	n, _ := PresetNetwork("cpu")
	in, err := metainit.Learned("cpu")
	if err != nil {
		t.Fatal(err)
	}
	if p.Init == nil || p.Init.SHA256 != in.SHA256 || p.Config != n.Config || p.Tiling != n.Tiling {
		t.Fatalf("Preset(cpu) = %+v (init %v), want PresetNetwork(cpu) %+v with the shipped learned init", p.Config, p.Init, n.Config)
	}
	if err := checkInit(in, p.Config, p.Tiling); err != nil {
		t.Errorf("the shipped initialisation does not fit the cpu preset: %v", err)
	}
}

// TestFitConstantRegions fits a map that is exactly zero outside a corner
// (a masked map): the regions with no density are set exactly, not
// trained, the plan counts them, and the field there is exactly the map's
// zero with a zero gradient.
func TestFitConstantRegions(t *testing.T) {
	g := grid.New(grid.Frame{Shape: [3]int{20, 20, 20}, Spacing: geom.Vec3{0.8, 0.8, 0.8}})
	for k := range 8 {
		for j := range 8 {
			for i := range 8 {
				p := g.PointOf(geom.Index{i, j, k})
				g.Set(i, j, k, float32(math.Exp(-p.Dist2(geom.Point{2.4, 2.4, 2.4})/(2*1.5*1.5))))
			}
		}
	}
	opts := FitOptions{Tiling: tinyTiling, Config: tinyConfig(), Checkpoint: filepath.Join(t.TempDir(), "masked"+FileExt)}
	plan, err := PlanFit(g, opts)
	if err != nil {
		t.Fatal(err)
	}
	// Windows [0, 12) and [8, 20) per axis: only region 0 (all windows
	// [0, 12)) holds the density, which stops at voxel 7.
	if want := []int{1, 2, 3, 4, 5, 6, 7}; !slices.Equal(plan.Constant, want) || plan.Trained() != 1 {
		t.Fatalf("plan: constant %v, trained %d; want %v, 1", plan.Constant, plan.Trained(), want)
	}
	m, err := Fit(context.Background(), g, opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	for id, r := range m.Regions {
		constant := r.Report.StopReason == string(siren.StopConstant)
		if constant != (id != 0) || (constant && (r.Report.Steps != 0 || r.Report.BestLoss != 0)) {
			t.Errorf("region %d: %+v", id, r.Report)
		}
	}
	saved, err := Load(opts.Checkpoint)
	if err != nil {
		t.Fatal(err)
	}
	if !saved.Complete() {
		t.Fatalf("checkpoint holds regions %v", saved.Fitted())
	}
	// Far from region 0's blending ramp, only constant regions weigh.
	pts := []geom.Point{{12.4, 12.4, 12.4}, {14, 3, 13.5}, {2, 14.8, 2}}
	val := make([]float64, len(pts))
	grad := make([]geom.Vec3, len(pts))
	if err := saved.Sample(pts, val, grad); err != nil {
		t.Fatal(err)
	}
	for i, p := range pts {
		if math.Abs(val[i]) > 1e-6 || grad[i] != (geom.Vec3{}) {
			t.Errorf("at %v: value %g, gradient %v; want 0 (the map's zeros), 0", p, val[i], grad[i])
		}
	}
}

// PresetSteps gives the time estimate the median measured for the
// initialisation a fit starts from: the shipped learned one's for it, the
// random-weights median for random weights or any other initialisation,
// and nothing for a preset without a measurement.
func TestPresetSteps(t *testing.T) {
	shipped, err := metainit.Learned("cpu")
	if err != nil {
		t.Fatal(err)
	}
	other := *shipped
	other.SHA256 = strings.Repeat("0", 64)
	for _, c := range []struct {
		name   string
		in     *metainit.Init
		median int
		source string
		solve  bool
		opt    siren.Optimizer
	}{
		{"random", nil, 155, "bench/siren/README.md §1", false, ""},
		{"shipped", shipped, 50, "bench/meta/README.md", false, ""},
		{"other file", &other, 155, "likely needs fewer", false, siren.OptimizerAdam},
		{"random, output solved", nil, 45, "random weights with the output layer solved", true, ""},
		{"shipped, output solved", shipped, 50, "shipped initialisation with the output layer solved", true, ""},
		{"random, K-FAC", nil, 12, "random weights with K-FAC", true, siren.OptimizerKFAC},
		{"shipped, K-FAC", shipped, 22, "shipped initialisation with K-FAC", true, siren.OptimizerKFAC},
	} {
		rec, ok := PresetSteps("cpu", c.in, siren.Config{SolveOutput: c.solve, Optimizer: c.opt})
		if !ok || rec.Median != c.median || !strings.Contains(rec.Source, c.source) {
			t.Errorf("PresetSteps(cpu, %s) = %+v, %v; want median %d from %s", c.name, rec, ok, c.median, c.source)
		}
	}
	for _, solve := range []bool{false, true} {
		if rec, ok := PresetSteps("paper", nil, siren.Config{SolveOutput: solve}); ok {
			t.Errorf("PresetSteps(paper, solve %v) = %+v, want none measured", solve, rec)
		}
	}
}
