package densgraph_test

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/neuralem/neuralem/neuralem/densgraph"
	"github.com/neuralem/neuralem/neuralem/grid"
	"github.com/neuralem/neuralem/neuralem/mrc"
)

// TestWalkedGraphEqualsBuild walks the shipped default's B-spline field once
// from seeds above μ + 1σ and checks that the graph at each higher threshold
// and each eps is exactly the graph Build makes from scratch with those
// settings: same nodes, edges and statistics.
func TestWalkedGraphEqualsBuild(t *testing.T) {
	g, _, err := mrc.ReadGrid(filepath.Join("..", "testdata", "default", "emd20026_crop.mrc.gz"))
	if err != nil {
		t.Fatal(err)
	}
	norm, err := grid.FitNormalization(g)
	if err != nil {
		t.Fatal(err)
	}
	f, err := grid.NewInterpolator(norm.Apply01(g), grid.MethodBSpline)
	if err != nil {
		t.Fatal(err)
	}
	seeds := densgraph.SeedOptions{Spacing: 0.5, Threshold: densgraph.Sigma(norm.Mean01, norm.Std01, 1)}
	walk := densgraph.WalkOptions{TracePaths: 50}
	w, err := densgraph.SeedAndWalk(f, seeds, walk)
	if err != nil {
		t.Fatal(err)
	}
	if st := w.Walk.Stats(nil); st != (densgraph.WalkStats{Peaks: len(w.Walk.Peaks), Dropped: w.Walk.Dropped, Capped: w.Walk.Capped,
		AtPeak: w.Walk.AtPeak, Steps: w.Walk.Steps, Samples: w.Walk.Samples, Calls: w.Walk.Calls}) {
		t.Errorf("Stats(nil) = %+v differs from the walk's own counts %+v", st, w.Walk)
	}
	edges := densgraph.EdgeOptions{Resolution: 1.75}
	for _, k := range []float64{1, 3, 4.5} {
		for _, eps := range []float64{0.2, 0.5} {
			th := densgraph.Sigma(norm.Mean01, norm.Std01, k)
			got, grep, err := w.Graph(th, densgraph.ClusterOptions{Eps: eps}, edges)
			if err != nil {
				t.Fatal(err)
			}
			o := densgraph.Options{Seeds: seeds, Cluster: densgraph.ClusterOptions{Eps: eps}, Edges: edges}
			o.Seeds.Threshold = th
			if k == 1 {
				// Traced paths are chosen among the walked seeds: only the
				// walk at the seeding threshold traces the same ones.
				o.Walk = walk
			}
			want, wrep, err := densgraph.Build(f, o)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("k %g, eps %g: %d nodes, %d edges from the kept walk; Build: %d nodes, %d edges", k, eps, len(got.Nodes), len(got.Edges), len(want.Nodes), len(want.Edges))
			}
			grep.Times, wrep.Times = struct{ Seed, Walk, Cluster, Edges time.Duration }{}, struct{ Seed, Walk, Cluster, Edges time.Duration }{}
			if k != 1 {
				grep.Paths, grep.PathSeed = nil, nil
			}
			if !reflect.DeepEqual(grep, wrep) {
				t.Errorf("k %g, eps %g: report\n%+v\nBuild's\n%+v", k, eps, grep, wrep)
			}
			t.Logf("k %g, eps %g: %d seeds, %d peaks, %d nodes, %d edges", k, eps, grep.Seeds.Kept, grep.Walk.Peaks, grep.Nodes, grep.Edges)
		}
	}
	if _, _, err := w.Graph(densgraph.Sigma(norm.Mean01, norm.Std01, 0.5), densgraph.ClusterOptions{}, edges); err == nil || !strings.Contains(err.Error(), "below the level") {
		t.Errorf("threshold below the seeds' level: %v", err)
	}
	if _, _, err := w.Graph(densgraph.Absolute(10), densgraph.ClusterOptions{}, edges); err == nil || !strings.Contains(err.Error(), "no seeds") {
		t.Errorf("threshold above every seed: %v", err)
	}
}
