package neuralmap

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/neuralem/neuralem/neuralem/densgraph"
	"github.com/neuralem/neuralem/neuralem/geom"
	"github.com/neuralem/neuralem/neuralem/grid"
	"github.com/neuralem/neuralem/neuralem/internal/shared"
	"github.com/neuralem/neuralem/neuralem/mrc"
	"github.com/neuralem/neuralem/neuralem/siren"
)

// beforeField is the neural map's Sample (Units01) as it was before regions
// were evaluated concurrently and region batches were cut to fit the
// evaluator's buckets: one evaluator, regions one after another, each
// region's batch padded to a power of two of at least 1024 points (the
// evaluator's bucket floor then). Kept to show the walk did not change and
// to measure the speed-up.
type beforeField struct {
	m  *NeuralMap
	ev NetEvaluator
}

func (f *beforeField) Domain() geom.Box { return f.m.Domain() }

func (f *beforeField) Sample(pts []geom.Point, val []float64, grad []geom.Vec3) error {
	m := f.m
	b, err := m.buildBlender()
	if err != nil {
		return err
	}
	vox := make([]geom.VoxelCoord, len(pts))
	for i, p := range pts {
		v := m.Frame.ToVoxel(p)
		for a := 0; a < 3; a++ {
			v[a] = math.Min(math.Max(v[a], 0), float64(m.Frame.Shape[a]-1))
		}
		vox[i] = v
	}
	var vg []VoxelVec
	if grad != nil {
		vg = make([]VoxelVec, len(pts))
	}
	eval := func(r int, pts []geom.VoxelCoord, val []float64, grad []VoxelVec) error {
		rf := &m.Regions[r]
		lo, ext := regionAffine(rf.Region)
		for c := 0; c < len(pts); c += siren.MaxBucket {
			n := min(len(pts)-c, siren.MaxBucket)
			padded := 1024
			for padded < n {
				padded *= 2
			}
			x := make([]float32, 3*padded)
			v := make([]float32, padded)
			var g []float32
			if grad != nil {
				g = make([]float32, 3*padded)
			}
			for i, p := range pts[c : c+n] {
				for a := 0; a < 3; a++ {
					x[3*i+a] = float32(-1 + 2*(p[a]-lo[a])/ext[a])
				}
			}
			if err := f.ev.Eval(rf.Net, x, v, g); err != nil {
				return err
			}
			for i := 0; i < n; i++ {
				val[c+i] = float64(v[i])
				if grad != nil {
					for a := 0; a < 3; a++ {
						grad[c+i][a] = float64(g[3*i+a]) * 2 / ext[a]
					}
				}
			}
		}
		return nil
	}
	if err := b.Blend(vox, eval, val, vg); err != nil {
		return err
	}
	for i := range val {
		val[i] = 0.5*val[i] + 0.5
		if grad != nil {
			for a := 0; a < 3; a++ {
				grad[i][a] = 0.5 * vg[i][a] / m.Frame.Spacing[a]
			}
		}
	}
	return nil
}

// peaksBySeed maps each seed that reached a peak to its peak.
func peaksBySeed(w *densgraph.WalkResult) map[int]geom.Point {
	out := make(map[int]geom.Point, len(w.Peaks))
	for i, s := range w.Seed {
		out[s] = w.Peaks[i]
	}
	return out
}

// TestWalkUnchangedByFasterSampling walks the same seeds on a neural map
// (random networks of the cpu preset's architecture over 8 regions, on the
// GoMLX evaluator) through the sampling path as it was (beforeField) and
// as it is with 1 and 2 workers. The walk must end every seed the same way
// and at the same peak within its 0.05 Å step; 1 and 2 workers must agree
// exactly (the blend sums regions in a fixed order).
func TestWalkUnchangedByFasterSampling(t *testing.T) {
	m := randomNetMap(t, 64)
	one, err := NewEvaluators(1, nil)
	if err != nil {
		t.Fatal(err)
	}
	old := &beforeField{m: m, ev: one[0]}
	// Seeds: every other point of the top 20 % of a 0.5 Å grid, ~2,500
	// points, so that region batches span the evaluator's buckets (from a
	// few points to ~600).
	all, _, err := densgraph.Seed(old, densgraph.SeedOptions{Spacing: 0.5, Threshold: densgraph.Absolute(-1e9)})
	if err != nil {
		t.Fatal(err)
	}
	d := make([]float64, len(all))
	if err := old.Sample(all, d, nil); err != nil {
		t.Fatal(err)
	}
	sorted := slices.Clone(d)
	slices.Sort(sorted)
	level := sorted[len(sorted)*8/10]
	var seeds []geom.Point
	for i, p := range all {
		if d[i] > level && i%2 == 0 {
			seeds = append(seeds, p)
		}
	}
	before, err := densgraph.Walk(old, seeds, densgraph.WalkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := peaksBySeed(before)
	var byWorkers []map[int]geom.Point
	for _, workers := range []int{1, 2} {
		es, err := NewEvaluators(workers, nil)
		if err != nil {
			t.Fatal(err)
		}
		m.SetEvaluators(es...)
		w, err := densgraph.Walk(m, seeds, densgraph.WalkOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if w.Dropped != before.Dropped || w.Capped != before.Capped || len(w.Peaks) != len(before.Peaks) {
			t.Errorf("%d workers: %d peaks, %d dropped, %d capped; before: %d, %d, %d",
				workers, len(w.Peaks), w.Dropped, w.Capped, len(before.Peaks), before.Dropped, before.Capped)
		}
		got := peaksBySeed(w)
		maxD, moved := 0.0, 0
		for s, p := range want {
			q, ok := got[s]
			if !ok {
				t.Errorf("%d workers: seed %d reached a peak before, not now", workers, s)
				continue
			}
			maxD = math.Max(maxD, p.Dist(q))
			if p.Dist(q) > 1e-6 {
				moved++
			}
		}
		t.Logf("%d seeds, %d peaks, %d steps; %d workers: %d peaks moved, max shift %.6g Å", len(seeds), len(w.Peaks), w.Steps, workers, moved, maxD)
		// Batches of other sizes round differently (float32 matmul sums in
		// another order, ~1e-7 relative), and at a peak the density changes
		// over one 0.05 Å step by about as little, so a walk may stop one
		// step earlier or later: at most one step (the tolerance;
		// the paths themselves differ by ~1e-5 Å, measured max shift
		// 0.0500156 Å), for a minority of seeds (measured: 103 of 1,962).
		if maxD > densgraph.DefaultStep+1e-3 {
			t.Errorf("%d workers: a peak moved by %.3g Å, more than the walk's %g Å step", workers, maxD, densgraph.DefaultStep)
		}
		if moved > len(want)/10 {
			t.Errorf("%d workers: %d of %d peaks moved (want ≤ 10 %%)", workers, moved, len(want))
		}
		byWorkers = append(byWorkers, got)
	}
	for s, p := range byWorkers[0] {
		if q := byWorkers[1][s]; q != p {
			t.Fatalf("seed %d: peak %v with 1 worker, %v with 2: results depend on the number of workers", s, p, q)
		}
	}
}

// benchCacheDir is where the benchmarks keep fitted maps between runs:
// $NEURALEM_BENCH_CACHE, or neuralem/bench under the user's cache
// directory. Delete a file there to refit.
func benchCacheDir(b *testing.B) string {
	d := os.Getenv("NEURALEM_BENCH_CACHE")
	if d == "" {
		c, err := os.UserCacheDir()
		if err != nil {
			b.Fatalf("no cache directory for fitted maps (set NEURALEM_BENCH_CACHE): %v", err)
		}
		d = filepath.Join(c, "neuralem", "bench")
	}
	if err := os.MkdirAll(d, 0o755); err != nil {
		b.Fatal(err)
	}
	return d
}

// cpuFit returns the cpu-preset neural map of the map at path, fitted once
// and cached under benchCacheDir as name (a fit of EMD-2566's whole map
// takes a few minutes on 2 cores; the cache resumes an interrupted one).
func cpuFit(b *testing.B, path, name string, resolution float64) *NeuralMap {
	g, _, err := mrc.ReadGrid(path)
	if err != nil {
		b.Fatal(err)
	}
	opts, err := Preset("cpu")
	if err != nil {
		b.Fatal(err)
	}
	opts.Resolution = resolution
	opts.Checkpoint = filepath.Join(benchCacheDir(b), name)
	if _, err := os.Stat(opts.Checkpoint); err != nil {
		b.Logf("fitting %s with the cpu preset into %s (once)", path, opts.Checkpoint)
	}
	m, err := Fit(context.Background(), g, opts, nil)
	if err != nil {
		b.Fatal(err)
	}
	return m
}

// benchWalk walks the paper's seeds (0.5 Å grid, or the voxel size if
// smaller, above μ + 3σ) on m b.N times, after an untimed walk of a
// sixteenth of them that compiles the evaluator's graphs, and reports seeds
// walked per second. before selects the sampling path as it was
// (beforeField).
func benchWalk(b *testing.B, m *NeuralMap, before bool) {
	var f grid.Field = m
	if before {
		es, err := NewEvaluators(1, nil)
		if err != nil {
			b.Fatal(err)
		}
		f = &beforeField{m: m, ev: es[0]}
	}
	seeds, _, err := densgraph.Seed(f, densgraph.SeedOptions{
		Spacing:   densgraph.DefaultSpacing(m.Frame.Spacing),
		Threshold: densgraph.Sigma(m.Mu, m.Sigma, densgraph.DefaultSigmaK),
	})
	if err != nil {
		b.Fatal(err)
	}
	// Warm-up on every 16th seed: compiles the graphs of most buckets.
	var warm []geom.Point
	for i := 0; i < len(seeds); i += 16 {
		warm = append(warm, seeds[i])
	}
	if _, err := densgraph.Walk(f, warm, densgraph.WalkOptions{}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	var w *densgraph.WalkResult
	for range b.N {
		if w, err = densgraph.Walk(f, seeds, densgraph.WalkOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(seeds)*b.N)/b.Elapsed().Seconds(), "seeds/s")
	b.Logf("%d seeds, %d peaks, %d steps, %d samples", len(seeds), len(w.Peaks), w.Steps, w.Samples)
}

func demoFit(b *testing.B) *NeuralMap {
	return cpuFit(b, filepath.Join("..", "testdata", "default", "emd20026_crop.mrc.gz"), "demo_cpu.nem", 1.75)
}

func emd2566Fit(b *testing.B) *NeuralMap {
	return cpuFit(b, shared.Path(b, "maps/emd2566_3j6b_chain9.mrc"), "emd2566_cpu.nem", 3.2)
}

// The gradient walk (densgraph.Walk, Algorithm 1) on the cpu-preset neural
// maps of the demo (27×35×40 voxels, 18 regions) and of EMD-2566's whole
// map (35×52×47 voxels, 48 regions), as sampled now and as before
// (…Before: one evaluator, regions in turn, batches padded to ≥ 1024).
// Run with -benchtime 1x: one walk takes seconds.
func BenchmarkWalkDemo(b *testing.B)          { benchWalk(b, demoFit(b), false) }
func BenchmarkWalkDemoBefore(b *testing.B)    { benchWalk(b, demoFit(b), true) }
func BenchmarkWalkEMD2566(b *testing.B)       { benchWalk(b, emd2566Fit(b), false) }
func BenchmarkWalkEMD2566Before(b *testing.B) { benchWalk(b, emd2566Fit(b), true) }
