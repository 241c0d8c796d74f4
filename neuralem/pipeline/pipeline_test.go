package pipeline

import (
	"context"
	"math"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/neuralem/neuralem/neuralem/densgraph"
	"github.com/neuralem/neuralem/neuralem/eval"
	"github.com/neuralem/neuralem/neuralem/geom"
	"github.com/neuralem/neuralem/neuralem/grid"
	"github.com/neuralem/neuralem/neuralem/model"
	"github.com/neuralem/neuralem/neuralem/mrc"
	"github.com/neuralem/neuralem/neuralem/neuralmap"
	"github.com/neuralem/neuralem/neuralem/region"
)

var (
	defaultMap   = filepath.Join("..", "testdata", "default", "emd20026_crop.mrc.gz")
	defaultModel = filepath.Join("..", "testdata", "default", "emd20026_crop.pdb")
)

func readDefault(t *testing.T) (*grid.Grid, *model.Model) {
	t.Helper()
	g, _, err := mrc.ReadGrid(defaultMap)
	if err != nil {
		t.Fatal(err)
	}
	m, err := model.ReadFile(defaultModel)
	if err != nil {
		t.Fatal(err)
	}
	return g, m
}

// quickJob is a job that runs in seconds: a 20³ crop of the shipped default,
// 8 regions of 12³, the cpu network trained for a few steps (a poor fit is
// fine for comparing two ways of composing the same steps).
func quickJob(t *testing.T, dir string) Job {
	t.Helper()
	g, m := readDefault(t)
	crop, err := grid.Crop(g, geom.Index{4, 8, 10}, geom.Index{24, 28, 30})
	if err != nil {
		t.Fatal(err)
	}
	fo, err := neuralmap.PresetNetwork("cpu") // random initial weights: the learned ones are for 16-voxel regions
	if err != nil {
		t.Fatal(err)
	}
	fo.Tiling = region.Options{Size: 12, Overlap: 4}
	fo.Config.MaxSteps = 60
	fo.Checkpoint = filepath.Join(dir, "quick.nem")
	return Job{Map: crop, Model: m, Fit: fo, Eval: eval.Options{Atoms: model.Heavy}}
}

// TestRunEqualsTheDemoSteps checks Run against the steps `neuralem demo`
// composed itself before Run existed (kept here as the reference): the
// accuracy loop over the resampled map, a B-spline field of the map
// normalised the same way, graphs with the paper's settings, scores.
// Every number must be the same.
func TestRunEqualsTheDemoSteps(t *testing.T) {
	job := quickJob(t, t.TempDir())
	res, err := Run(context.Background(), job)
	if err != nil {
		t.Fatal(err)
	}
	if res.Resolution != 1.75 {
		t.Errorf("resolution %g Å, want the model's 1.75", res.Resolution)
	}
	nm := res.Map
	// Accuracy, as the demo computed it.
	rec, err := nm.Resample(job.Map.Frame, neuralmap.Units01)
	if err != nil {
		t.Fatal(err)
	}
	norm01 := nm.Norm.Apply01(job.Map)
	var sq, maxAbs float64
	for i, v := range rec.Data {
		d := float64(v) - float64(norm01.Data[i])
		sq += d * d
		maxAbs = math.Max(maxAbs, math.Abs(d))
	}
	if rmse := math.Sqrt(sq / float64(len(rec.Data))); res.Accuracy.RMSE != rmse || res.Accuracy.Max != maxAbs || res.Accuracy.N != len(rec.Data) {
		t.Errorf("accuracy %+v; the demo's loop: RMSE %g, max %g over %d voxels", res.Accuracy, rmse, maxAbs, len(rec.Data))
	}
	// Graphs, as the demo built them: its classicalField and its flags'
	// defaults turned into densgraph.Options.
	norm, err := grid.FitNormalization(job.Map)
	if err != nil {
		t.Fatal(err)
	}
	bs, err := grid.NewInterpolator(norm.Apply01(job.Map), grid.MethodBSpline)
	if err != nil {
		t.Fatal(err)
	}
	fields := []struct {
		kind      string
		f         grid.Field
		mu, sigma float64
	}{{"neural", nm, nm.Mu, nm.Sigma}, {"bspline", bs, norm.Mean01, norm.Std01}}
	if len(res.Graphs) != len(fields) {
		t.Fatalf("%d graphs, want neural and bspline", len(res.Graphs))
	}
	for i, f := range fields {
		var o densgraph.Options
		o.Seeds.Threshold = densgraph.Sigma(f.mu, f.sigma, densgraph.DefaultSigmaK)
		o.Seeds.Spacing = densgraph.DefaultSpacing(job.Map.Spacing)
		o.Cluster.Eps = densgraph.DefaultEps
		o.Edges.Resolution = 1.75
		o.Walk.MaxSteps = densgraph.DefaultMaxSteps
		g, rep, err := densgraph.Build(f.f, o)
		if err != nil {
			t.Fatal(err)
		}
		ev, err := eval.EvaluateGraph(g, job.Model, job.Eval)
		if err != nil {
			t.Fatal(err)
		}
		got := res.Graphs[i]
		if got.Source.Kind != f.kind {
			t.Errorf("graph %d is %s, want %s", i, got.Source.Kind, f.kind)
		}
		if !reflect.DeepEqual(got.Graph, g) {
			t.Errorf("%s: graph of %d nodes, %d edges; the demo's steps give %d, %d", f.kind, len(got.Graph.Nodes), len(got.Graph.Edges), len(g.Nodes), len(g.Edges))
		}
		got.Report.Times, rep.Times = struct{ Seed, Walk, Cluster, Edges time.Duration }{}, struct{ Seed, Walk, Cluster, Edges time.Duration }{}
		if !reflect.DeepEqual(got.Report, rep) {
			t.Errorf("%s: report %+v, the demo's %+v", f.kind, got.Report, rep)
		}
		if !reflect.DeepEqual(got.Eval, ev) {
			t.Errorf("%s: scores %+v, the demo's %+v", f.kind, got.Eval, ev)
		}
		t.Logf("%s: %d seeds, %d steps, %d nodes, %d edges; sensitivity %.3f, specificity %.3f", f.kind, rep.Seeds.Kept, rep.Walk.Steps, rep.Nodes, rep.Edges, ev.Sensitivity, ev.Specificity)
	}
}

func TestRunRejects(t *testing.T) {
	job := quickJob(t, t.TempDir())
	noRes := *job.Model
	noRes.Resolution = 0
	job.Model = &noRes
	if _, err := Run(context.Background(), job); err == nil || !strings.Contains(err.Error(), "set Job.Resolution") {
		t.Errorf("no resolution: %v", err)
	}
	if _, err := Run(context.Background(), Job{}); err == nil {
		t.Error("empty job: no error")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	job = quickJob(t, t.TempDir())
	if _, err := Run(ctx, job); err == nil || !strings.Contains(err.Error(), "context canceled") {
		t.Errorf("cancelled: %v", err)
	}
}

func TestPaperOptionsAndSettings(t *testing.T) {
	g, _ := readDefault(t)
	src, err := Interpolated(g, grid.MethodBSpline, 1.75)
	if err != nil {
		t.Fatal(err)
	}
	norm, _ := grid.FitNormalization(g)
	if src.Kind != "bspline" || src.Mu != norm.Mean01 || src.Sigma != norm.Std01 || src.Voxel != g.Spacing || src.Map != nil {
		t.Errorf("source %+v", src)
	}
	o := PaperOptions(src)
	level, _ := o.Seeds.Threshold.Level()
	// The paper (§2.4): 0.5 Å seeds (the 0.65 Å voxels are coarser), μ + 3σ,
	// 0.05 Å steps, DBSCAN eps 0.2 Å with minPts 1, edges under 2 × 1.75 Å.
	if o.Seeds.Spacing != 0.5 || level != norm.Mean01+3*norm.Std01 || o.Walk.Step != 0.05 || o.Cluster.Eps != 0.2 || o.Cluster.MinPts != 1 || o.Edges.Resolution != 1.75 || o.Edges.Cutoff != 0 {
		t.Errorf("paper options %+v (level %g)", o, level)
	}
	same, err := GraphSettings{}.Options(src)
	if err != nil || !reflect.DeepEqual(same, o) {
		t.Errorf("zero settings: %+v, %v; want the paper's", same, err)
	}
	lv, ct := 0.4, 0.5
	s := GraphSettings{SigmaK: 2, Contour: &ct, SeedSpacing: 0.3, Eps: 0.4, Resolution: 3, MaxSteps: 10, Prune: densgraph.PruneKNN, K: 3}
	o, err = s.Options(src)
	if err != nil {
		t.Fatal(err)
	}
	if l, _ := o.Seeds.Threshold.Level(); l != norm.To01(0.5) || o.Seeds.Spacing != 0.3 || o.Cluster.Eps != 0.4 || o.Edges.Resolution != 3 || o.Walk.MaxSteps != 10 || o.Edges.Prune != densgraph.PruneKNN || o.Edges.K != 3 {
		t.Errorf("contour 0.5 settings: %+v", o)
	}
	s.Level = &lv
	if o, _ = s.Options(src); o.Seeds.Threshold != densgraph.Absolute(0.4) {
		t.Errorf("Level beats Contour: threshold %v", o.Seeds.Threshold)
	}
	s = GraphSettings{SigmaK: 4}
	if o, _ = s.Options(src); o.Seeds.Threshold != src.Threshold(4) {
		t.Errorf("SigmaK 4: threshold %v", o.Seeds.Threshold)
	}
	unknown := *src
	unknown.Resolution = 0
	if _, err := (GraphSettings{}).Options(&unknown); err == nil || !strings.Contains(err.Error(), "resolution is unknown") {
		t.Errorf("unknown resolution: %v", err)
	}
	if o, err := (GraphSettings{Cutoff: 4}).Options(&unknown); err != nil || o.Edges.Cutoff != 4 {
		t.Errorf("unknown resolution with a cutoff: %v", err)
	}
	for _, bad := range []GraphSettings{{SeedSpacing: -1}, {Eps: -0.2}, {Cutoff: -1}, {Resolution: math.NaN()}, {MaxSteps: -5}} {
		if _, err := bad.Options(src); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
}

func TestOpen(t *testing.T) {
	src, err := Open(defaultMap, grid.MethodTrilinear)
	if err != nil {
		t.Fatal(err)
	}
	if src.Kind != "trilinear" || src.Resolution != 0 {
		t.Errorf("map opened as %s at %g Å", src.Kind, src.Resolution)
	}
	if _, err := Open(defaultModel, grid.MethodBSpline); err == nil || !strings.Contains(err.Error(), "is a model") {
		t.Errorf("a model: %v", err)
	}
	dir := t.TempDir()
	job := quickJob(t, dir)
	nm, err := neuralmap.Fit(context.Background(), job.Map, job.Fit, nil)
	if err != nil {
		t.Fatal(err)
	}
	src, err = Open(job.Fit.Checkpoint, grid.MethodBSpline)
	if err != nil {
		t.Fatal(err)
	}
	if src.Kind != "neural" || src.Map == nil || src.Mu != nm.Mu || src.Sigma != nm.Sigma || src.Voxel != nm.Frame.Spacing {
		t.Errorf("neural map opened as %+v", src)
	}
	part := filepath.Join(dir, "part.nem")
	fo := job.Fit
	fo.Checkpoint, fo.Regions = part, []int{0}
	if _, err := neuralmap.Fit(context.Background(), job.Map, fo, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(part, grid.MethodBSpline); err == nil || !strings.Contains(err.Error(), "incomplete") {
		t.Errorf("a partial neural map: %v", err)
	}
}

// TestSweepEqualsGraphs checks every row of a sweep against the graph built
// from scratch with that threshold and eps.
func TestSweepEqualsGraphs(t *testing.T) {
	g, m := readDefault(t)
	src, err := Interpolated(g, grid.MethodBSpline, 1.75)
	if err != nil {
		t.Fatal(err)
	}
	opts := PaperOptions(src)
	ks, epss := []float64{3, 2}, []float64{0.2, 0.4}
	eo := eval.Options{Atoms: model.Heavy}
	rows, err := Sweep(src, opts, ks, epss, m, eo)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 || rows[0].K != 3 || rows[1].Eps != 0.4 || rows[2].K != 2 {
		t.Fatalf("rows in the wrong order: %d rows", len(rows))
	}
	for _, r := range rows {
		o := opts
		o.Seeds.Threshold = src.Threshold(r.K)
		o.Cluster.Eps = r.Eps
		want, _, err := src.Graph(o)
		if err != nil {
			t.Fatal(err)
		}
		ev, err := eval.EvaluateGraph(want, m, eo)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(r.Graph, want) || !reflect.DeepEqual(r.Eval, ev) {
			t.Errorf("k %g, eps %g: sweep row differs from the graph built from scratch", r.K, r.Eps)
		}
		t.Logf("k %g (level %.3f), eps %g: %d nodes, sensitivity %.3f", r.K, r.Level, r.Eps, len(r.Graph.Nodes), r.Eval.Sensitivity)
	}
	if _, err := Sweep(src, opts, nil, epss, nil, eo); err == nil {
		t.Error("no thresholds: no error")
	}
}
