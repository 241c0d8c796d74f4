package densgraph

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/neuralem/neuralem/neuralem/geom"
	"github.com/neuralem/neuralem/neuralem/spatial"
)

func TestGradientMatchesFiniteDifferences(t *testing.T) {
	// The analytic test field must itself be right before it judges Walk.
	f := testField()
	p := []geom.Point{{4.0, 3.0, 3.9}}
	v, g := make([]float64, 1), make([]geom.Vec3, 1)
	if err := f.Sample(p, v, g); err != nil {
		t.Fatal(err)
	}
	const h = 1e-5
	for a := 0; a < 3; a++ {
		pp, pm := p[0], p[0]
		pp[a] += h
		pm[a] -= h
		vv := make([]float64, 2)
		if err := f.Sample([]geom.Point{pp, pm}, vv, nil); err != nil {
			t.Fatal(err)
		}
		fd := (vv[0] - vv[1]) / (2 * h)
		if math.Abs(fd-g[0][a]) > 1e-8 {
			t.Errorf("axis %d: gradient %g, central difference %g", a, g[0][a], fd)
		}
	}
}

func TestSeedCountsAndThresholds(t *testing.T) {
	f := testField()
	seeds, rep, err := Seed(f, SeedOptions{Spacing: 0.5, Threshold: Absolute(0.3)})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Shape != [3]int{25, 25, 25} || rep.Made != 25*25*25 || rep.Sampled != rep.Made {
		t.Errorf("shape %v made %d sampled %d, want 25³", rep.Shape, rep.Made, rep.Sampled)
	}
	// Reference: count grid points above 0.3 directly.
	want := 0
	one := make([]float64, 1)
	for k := 0; k < 25; k++ {
		for j := 0; j < 25; j++ {
			for i := 0; i < 25; i++ {
				_ = f.Sample([]geom.Point{{0.5 * float64(i), 0.5 * float64(j), 0.5 * float64(k)}}, one, nil)
				if one[0] > 0.3 {
					want++
				}
			}
		}
	}
	if len(seeds) != want || rep.Kept != want || want == 0 {
		t.Errorf("kept %d (report %d), want %d", len(seeds), rep.Kept, want)
	}
	if rep.MaxSeen < 1.29 || rep.MinSeen > 1e-6 {
		t.Errorf("density range %g..%g", rep.MinSeen, rep.MaxSeen)
	}
	// Sigma threshold μ+kσ with k defaulting to 3.
	s2, rep2, err := Seed(f, SeedOptions{Threshold: Sigma(0.06, 0.08, 0), Batch: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(rep2.Level-0.3) > 1e-12 || len(s2) != want {
		t.Errorf("sigma level %g kept %d, want 0.3 and %d", rep2.Level, len(s2), want)
	}
	// Mask: only seeds within 1 Å of the first centre, no density threshold.
	c := f.centres[0]
	s3, rep3, err := Seed(f, SeedOptions{Threshold: Threshold{Kind: ThresholdNone},
		Mask: &Mask{Atoms: []geom.Point{c}, Margin: 1}})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range s3 {
		if p.Dist(c) > 1 {
			t.Errorf("masked seed %v is %g Å from the atom", p, p.Dist(c))
		}
	}
	if rep3.Masked+rep3.Kept != rep3.Made || rep3.Sampled != rep3.Kept || rep3.Kept < 20 {
		t.Errorf("mask report %+v", rep3)
	}
}

func TestSeedErrors(t *testing.T) {
	f := testField()
	_, _, err := Seed(f, SeedOptions{Threshold: Absolute(5)})
	if err == nil || !strings.Contains(err.Error(), "ranged") || !strings.Contains(err.Error(), "density > 5") {
		t.Errorf("empty seed set error = %v", err)
	}
	if _, _, err := Seed(f, SeedOptions{}); err == nil {
		t.Error("unset threshold accepted")
	}
	if _, _, err := Seed(f, SeedOptions{Threshold: Absolute(0.1), Spacing: -1}); err == nil || !strings.Contains(err.Error(), "Spacing") {
		t.Errorf("negative spacing: %v", err)
	}
	if _, _, err := Seed(f, SeedOptions{Threshold: Threshold{Kind: ThresholdNone}}); err == nil {
		t.Error("ThresholdNone without mask accepted")
	}
	if _, _, err := Seed(f, SeedOptions{Threshold: Sigma(0, -1, 3)}); err == nil || !strings.Contains(err.Error(), "Std") {
		t.Errorf("negative σ: %v", err)
	}
}

func TestDefaultSpacing(t *testing.T) {
	if s := DefaultSpacing(geom.Vec3{0.65, 0.65, 0.65}); s != 0.5 {
		t.Errorf("voxel 0.65: %g", s)
	}
	if s := DefaultSpacing(geom.Vec3{0.45, 0.39, 0.46}); s != 0.39 {
		t.Errorf("voxel 0.39: %g", s)
	}
}

func TestWalkReachesPeaks(t *testing.T) {
	f := testField()
	seeds, _, err := Seed(f, SeedOptions{Threshold: Absolute(0.3)})
	if err != nil {
		t.Fatal(err)
	}
	f.calls = 0
	var lastStep, progressCalls int
	w, err := Walk(f, seeds, WalkOptions{TracePaths: 3, Progress: func(step, live, done, dropped int) {
		progressCalls++
		if step != lastStep+1 || live+done+dropped != len(seeds) {
			t.Errorf("progress step %d live %d done %d dropped %d of %d", step, live, done, dropped, len(seeds))
		}
		lastStep = step
	}})
	if err != nil {
		t.Fatal(err)
	}
	// One batched Sample call per step (plus the initial one).
	if f.calls != w.Calls || w.Calls != w.Steps+1 || progressCalls != w.Calls {
		t.Errorf("Sample calls %d, reported %d, steps %d, progress calls %d", f.calls, w.Calls, w.Steps, progressCalls)
	}
	if len(w.Peaks)+w.Dropped+w.Capped != len(seeds) || w.Dropped != 0 || w.Capped != 0 {
		t.Errorf("peaks %d dropped %d capped %d of %d", len(w.Peaks), w.Dropped, w.Capped, len(seeds))
	}
	// Every walk ends within half a step of a true centre (radial ascent on an
	// isotropic Gaussian stops at the last point before overshooting; tails of
	// the other Gaussians shift the peaks by < 1e-6 Å here).
	for i, p := range w.Peaks {
		best := math.Inf(1)
		for _, c := range f.centres {
			best = math.Min(best, p.Dist(c))
		}
		if best > 0.6*DefaultStep {
			t.Errorf("peak %d (seed %d) at %v is %g Å from the nearest centre", i, w.Seed[i], p, best)
		}
	}
	if len(w.Paths) != 3 {
		t.Fatalf("%d paths", len(w.Paths))
	}
	for k, path := range w.Paths {
		if path[0] != seeds[w.PathSeed[k]] {
			t.Errorf("path %d starts at %v, seed at %v", k, path[0], seeds[w.PathSeed[k]])
		}
		for i := 1; i < len(path); i++ {
			if d := path[i].Dist(path[i-1]); math.Abs(d-DefaultStep) > 1e-12 {
				t.Errorf("path %d step %d length %g", k, i, d)
			}
		}
	}
}

func TestWalkEdgeCases(t *testing.T) {
	f := testField()
	// A seed exactly on the centre of a lone Gaussian has zero gradient: it
	// is already a peak.
	one := &gaussField{box: geom.Box{Max: geom.Point{5, 5, 5}}, centres: []geom.Point{{2.5, 2.5, 2.5}},
		amp: []float64{1}, sigma: []float64{1}}
	w, err := Walk(one, []geom.Point{{2.5, 2.5, 2.5}}, WalkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(w.Peaks) != 1 || w.Peaks[0] != one.centres[0] || w.AtPeak != 1 || w.Calls != 1 {
		t.Errorf("zero-gradient seed: %+v", w)
	}
	// A seed near the box face on the far side of a peak walks out: dropped.
	f2 := &gaussField{box: geom.Box{Max: geom.Point{5, 5, 5}}, centres: []geom.Point{{5.5, 2.5, 2.5}},
		amp: []float64{1}, sigma: []float64{1}}
	w, err = Walk(f2, []geom.Point{{4.9, 2.5, 2.5}, {4.0, 2.5, 2.5}}, WalkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if w.Dropped != 2 || len(w.Peaks) != 0 {
		t.Errorf("walk out of the box: dropped %d peaks %d", w.Dropped, len(w.Peaks))
	}
	// Step cap: a seed 2 Å from its peak needs 40 steps; a cap of 10 stops it.
	w, err = Walk(f, []geom.Point{f.centres[0].Add(geom.Vec3{1.0, 0, 0})}, WalkOptions{MaxSteps: 10})
	if err != nil {
		t.Fatal(err)
	}
	if w.Capped != 1 || len(w.Peaks) != 0 {
		t.Errorf("cap: capped %d peaks %d", w.Capped, len(w.Peaks))
	}
	// NaN density is an error naming the seed.
	nan := geom.Point{6, 6, 6}
	f.nanAt = &nan
	_, err = Walk(f, []geom.Point{{1, 1, 1}, {6.1, 6, 6}}, WalkOptions{})
	if err == nil || !strings.Contains(err.Error(), "seed 1") || !strings.Contains(err.Error(), "NaN") {
		t.Errorf("NaN error = %v", err)
	}
	f.nanAt = nil
	if _, err := Walk(f, []geom.Point{{-1, 0, 0}}, WalkOptions{}); err == nil {
		t.Error("seed outside the Domain accepted")
	}
	if _, err := Walk(f, nil, WalkOptions{Step: -0.1}); err == nil {
		t.Error("negative step accepted")
	}
}

func TestBuildFindsEveryCentre(t *testing.T) {
	f := testField()
	level := 0.3
	g, rep, err := Build(f, Options{Seeds: SeedOptions{Threshold: Absolute(level)}, Edges: EdgeOptions{Resolution: 2.2}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Seeds.Kept == 0 || rep.Walk.Peaks != rep.Seeds.Kept || rep.Nodes != len(g.Nodes) || rep.Cutoff != 4.4 {
		t.Errorf("report %+v", rep)
	}
	// Every centre has a node within 0.05 Å; every node above the threshold is
	// one of the centres.
	for c, ctr := range f.centres {
		found := false
		for _, n := range g.Nodes {
			if n.Pos.Dist(ctr) <= 0.05 {
				found = true
			}
		}
		if !found {
			t.Errorf("centre %d at %v has no node within 0.05 Å", c, ctr)
		}
	}
	total := 0
	for i, n := range g.Nodes {
		total += n.Size
		near := false
		for _, ctr := range f.centres {
			near = near || n.Pos.Dist(ctr) <= 0.05
		}
		if !near && n.Density > level {
			t.Errorf("node %d at %v (density %g) is not at a centre", i, n.Pos, n.Density)
		}
		v := make([]float64, 1)
		_ = f.Sample([]geom.Point{n.Pos}, v, nil)
		if v[0] != n.Density {
			t.Errorf("node %d density %g, field %g", i, n.Density, v[0])
		}
	}
	if len(g.Nodes) != len(f.centres) || total != rep.Seeds.Kept {
		t.Errorf("%d nodes (want %d), sizes sum %d (want %d)", len(g.Nodes), len(f.centres), total, rep.Seeds.Kept)
	}
	// Edges: exactly the centre pairs closer than 4.4 Å.
	want := 0
	for i := range f.centres {
		for j := i + 1; j < len(f.centres); j++ {
			if f.centres[i].Dist(f.centres[j]) < 4.4 {
				want++
			}
		}
	}
	if len(g.Edges) != want {
		t.Errorf("%d edges, want %d", len(g.Edges), want)
	}
}

// bruteDBSCAN is an O(n²) reference written from the definition: core
// points by counting, clusters as connected components of core points
// (union-find), numbered by their lowest core index, border points joined
// to the lowest-numbered cluster with a core point within eps.
func bruteDBSCAN(pts []geom.Point, eps float64, minPts int) []int {
	n := len(pts)
	e2 := eps * eps
	core := make([]bool, n)
	for i := range pts {
		c := 0
		for j := range pts {
			if pts[i].Dist2(pts[j]) <= e2 {
				c++
			}
		}
		core[i] = c >= minPts
	}
	uf := spatial.NewUnionFind(n)
	for i := range pts {
		for j := range pts {
			if core[i] && core[j] && pts[i].Dist2(pts[j]) <= e2 {
				uf.Union(i, j)
			}
		}
	}
	labelOfRoot := map[int]int{}
	labels := make([]int, n)
	for i := range pts {
		labels[i] = Noise
		if core[i] {
			r := uf.Find(i)
			if _, ok := labelOfRoot[r]; !ok {
				labelOfRoot[r] = len(labelOfRoot)
			}
			labels[i] = labelOfRoot[r]
		}
	}
	for i := range pts {
		if core[i] {
			continue
		}
		for j := range pts {
			if core[j] && pts[i].Dist2(pts[j]) <= e2 && (labels[i] == Noise || labels[j] < labels[i]) {
				labels[i] = labels[j]
			}
		}
	}
	return labels
}

// samePartition reports whether two labelings are identical up to a
// permutation of cluster labels (Noise must match Noise).
func samePartition(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	ab, ba := map[int]int{}, map[int]int{}
	for i := range a {
		if (a[i] == Noise) != (b[i] == Noise) {
			return false
		}
		if x, ok := ab[a[i]]; ok && x != b[i] {
			return false
		}
		if x, ok := ba[b[i]]; ok && x != a[i] {
			return false
		}
		ab[a[i]], ba[b[i]] = b[i], a[i]
	}
	return true
}

func TestDBSCANMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 30; trial++ {
		n := 50 + rng.IntN(400)
		pts := make([]geom.Point, n)
		for i := range pts {
			// clumps plus uniform background so all label kinds appear
			if rng.IntN(3) == 0 {
				pts[i] = geom.Point{rng.Float64() * 4, rng.Float64() * 4, rng.Float64() * 4}
			} else {
				c := float64(rng.IntN(5))
				pts[i] = geom.Point{c + rng.NormFloat64()*0.15, c*0.7 + rng.NormFloat64()*0.15, rng.NormFloat64() * 0.15}
			}
		}
		eps := []float64{0.1, 0.2, 0.35}[trial%3]
		minPts := []int{1, 2, 4, 7}[trial%4]
		got, nc, err := DBSCAN(pts, eps, minPts)
		if err != nil {
			t.Fatal(err)
		}
		want := bruteDBSCAN(pts, eps, minPts)
		if !samePartition(got, want) {
			t.Fatalf("trial %d (n=%d eps=%g minPts=%d): clusterings differ", trial, n, eps, minPts)
		}
		// Same numbering convention too, not just the same partition.
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("trial %d: label %d vs %d at %d", trial, got[i], want[i], i)
			}
		}
		maxL := -1
		for _, l := range got {
			maxL = max(maxL, l)
		}
		if nc != maxL+1 {
			t.Errorf("nc %d, max label %d", nc, maxL)
		}
	}
	if _, _, err := DBSCAN(nil, 0, 1); err == nil {
		t.Error("eps 0 accepted")
	}
	if _, _, err := DBSCAN(nil, 0.2, 0); err == nil {
		t.Error("minPts 0 accepted")
	}
}

func TestEdgesMatchBruteForceAndPruning(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	pts := make([]geom.Point, 300)
	for i := range pts {
		pts[i] = geom.Point{rng.Float64() * 15, rng.Float64() * 15, rng.Float64() * 15}
	}
	const cut = 2.5
	e, err := Edges(pts, cut)
	if err != nil {
		t.Fatal(err)
	}
	var want []Edge
	for i := range pts {
		for j := i + 1; j < len(pts); j++ {
			if d := pts[i].Dist(pts[j]); d < cut {
				want = append(want, Edge{i, j, d})
			}
		}
	}
	if len(e) != len(want) {
		t.Fatalf("%d edges, brute force %d", len(e), len(want))
	}
	for k := range e {
		if e[k] != want[k] {
			t.Fatalf("edge %d: %+v vs %+v", k, e[k], want[k])
		}
	}
	if _, err := Edges(pts, 0); err == nil {
		t.Error("cutoff 0 accepted")
	}
	if _, err := Edges(pts, -1); err == nil {
		t.Error("cutoff −1 accepted")
	}
	// MST: a forest with n − components edges and minimal total length among
	// spanning forests: check against Prim's algorithm on the dense matrix.
	mst := PruneMSTEdges(len(pts), e)
	comp := spatial.NewUnionFind(len(pts))
	for _, x := range e {
		comp.Union(x.I, x.J)
	}
	roots := map[int]bool{}
	for i := range pts {
		roots[comp.Find(i)] = true
	}
	if len(mst) != len(pts)-len(roots) {
		t.Errorf("MST has %d edges, want %d", len(mst), len(pts)-len(roots))
	}
	var sum float64
	for _, x := range mst {
		sum += x.Length
	}
	if ref := primForest(pts, cut); math.Abs(sum-ref) > 1e-9 {
		t.Errorf("MST length %g, Prim %g", sum, ref)
	}
	// kNN: each node keeps at least min(k, degree) incident edges, and every
	// kept edge is among the k shortest at one end.
	knn, err := PruneKNNEdges(len(pts), e, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(knn) == 0 || len(knn) > 2*len(pts) || len(knn) > len(e) {
		t.Errorf("kNN kept %d of %d", len(knn), len(e))
	}
	if _, err := PruneKNNEdges(len(pts), e, 0); err == nil {
		t.Error("k = 0 accepted")
	}
}

// primForest returns the total length of a minimum spanning forest of the
// graph with edges between points closer than cut (dense O(n²) Prim).
func primForest(pts []geom.Point, cut float64) float64 {
	n := len(pts)
	in := make([]bool, n)
	best := make([]float64, n)
	total := 0.0
	for start := 0; start < n; start++ {
		if in[start] {
			continue
		}
		for i := range best {
			best[i] = math.Inf(1)
		}
		best[start] = 0
		for {
			u := -1
			for i := 0; i < n; i++ {
				if !in[i] && !math.IsInf(best[i], 1) && (u < 0 || best[i] < best[u]) {
					u = i
				}
			}
			if u < 0 {
				break
			}
			in[u] = true
			total += best[u]
			for v := 0; v < n; v++ {
				if d := pts[u].Dist(pts[v]); !in[v] && d < cut && d < best[v] {
					best[v] = d
				}
			}
		}
	}
	return total
}

func BenchmarkWalk(b *testing.B) {
	f := testField()
	seeds, _, err := Seed(f, SeedOptions{Threshold: Absolute(0.3)})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Walk(f, seeds, WalkOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(seeds))*float64(b.N)/b.Elapsed().Seconds(), "seeds/s")
}

func BenchmarkDBSCAN(b *testing.B) {
	rng := rand.New(rand.NewPCG(5, 6))
	pts := make([]geom.Point, 100000)
	for i := range pts {
		c := float64(rng.IntN(2000))
		pts[i] = geom.Point{math.Mod(c*1.7, 40) + rng.NormFloat64()*0.03, math.Mod(c*2.3, 40) + rng.NormFloat64()*0.03, math.Mod(c*0.37, 40)}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, err := DBSCAN(pts, DefaultEps, DefaultMinPts); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(pts))*float64(b.N)/b.Elapsed().Seconds(), "points/s")
}

// A centroid of points on a face must not fall outside it by rounding (seen
// on the 3EK3 map: z = −10.280294306137984 against a face at …982).
func TestCentroidStaysInsideItsPoints(t *testing.T) {
	z := -10.280294306137982
	pts := []geom.Point{{1, 2, z}, {1.1, 2, z}, {1.05, 2.1, z}}
	c, _, err := Centroids(pts, []int{0, 0, 0}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if c[0][2] != z {
		t.Errorf("centroid z = %.17g, want exactly %.17g", c[0][2], z)
	}
}
