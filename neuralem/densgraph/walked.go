package densgraph

import (
	"fmt"
	"math"
	"time"

	"github.com/neuralem/neuralem/neuralem/geom"
	"github.com/neuralem/neuralem/neuralem/grid"
)

// Walked is the first half of Build, seeds laid and walked to their peaks,
// kept so that graphs at several seed thresholds and DBSCAN settings come
// from one walk (the walk is the slow part on a neural map). Lay the seeds
// at the lowest threshold of interest; Graph then keeps the seeds above a
// higher one. A seed's walk does not depend on the other seeds (each step
// samples every live seed at its own point), so Graph at a threshold gives
// the graph Build gives with that threshold.
type Walked struct {
	// Field is the walked field (Graph samples node densities on it).
	Field grid.Field
	// Seeds are the seeds, SeedDensity the density Seed sampled at each,
	// and SeedReport what seeding did.
	Seeds       []geom.Point
	SeedDensity []float64
	SeedReport  SeedReport
	// Walk is the gradient walk of every seed (Walk.Fate and
	// Walk.SeedSamples say how each ended).
	Walk *WalkResult
	// SeedTime and WalkTime are the wall times of seeding and walking.
	SeedTime, WalkTime time.Duration

	maxSteps int
}

// SeedAndWalk lays seeds on f (Seed) and walks them uphill (Walk).
func SeedAndWalk(f grid.Field, seeds SeedOptions, walk WalkOptions) (*Walked, error) {
	return seedAndWalk(f, seeds, walk, &Report{})
}

// seedAndWalk is SeedAndWalk, recording the seeding report and the times in
// rep as it goes (Build reports them even when a later stage fails).
func seedAndWalk(f grid.Field, seeds SeedOptions, walk WalkOptions, rep *Report) (*Walked, error) {
	t0 := time.Now()
	pts, dens, srep, err := seedWithDensity(f, seeds)
	if srep != nil {
		rep.Seeds = *srep
	}
	if err != nil {
		return nil, err
	}
	rep.Times.Seed = time.Since(t0)
	t0 = time.Now()
	wr, err := Walk(f, pts, walk)
	if err != nil {
		return nil, err
	}
	rep.Times.Walk = time.Since(t0)
	return &Walked{Field: f, Seeds: pts, SeedDensity: dens, SeedReport: *srep, Walk: wr,
		SeedTime: rep.Times.Seed, WalkTime: rep.Times.Walk, maxSteps: cmpOr(walk.MaxSteps, DefaultMaxSteps)}, nil
}

// Graph builds the density graph from the walked seeds whose density
// exceeds t (Threshold.Level; it must not be below the level the seeds were
// laid at), clustered and joined as Build does. The report's seed and walk
// statistics are those of the kept seeds, its seed and walk times those of
// the shared walk, and its traced paths those of the kept traced seeds.
func (w *Walked) Graph(t Threshold, cluster ClusterOptions, edges EdgeOptions) (*Graph, *Report, error) {
	level, err := t.Level()
	if err != nil {
		return nil, nil, err
	}
	if level < w.SeedReport.Level {
		return nil, nil, fmt.Errorf("densgraph: threshold %s (level %g) is below the level %g the walked seeds were laid at (%s): walk seeds laid at the lowest threshold",
			t, level, w.SeedReport.Level, w.SeedReport.Threshold)
	}
	keep := func(seed int) bool { return w.SeedDensity[seed] > level }
	rep := &Report{Seeds: w.SeedReport, Walk: w.Walk.Stats(keep)}
	rep.Seeds.Level, rep.Seeds.Threshold, rep.Seeds.Kept = level, t.String(), 0
	for i := range w.Seeds {
		if keep(i) {
			rep.Seeds.Kept++
		}
	}
	rep.Times.Seed, rep.Times.Walk = w.SeedTime, w.WalkTime
	for k, s := range w.Walk.PathSeed {
		if keep(s) {
			rep.Paths = append(rep.Paths, w.Walk.Paths[k])
			rep.PathSeed = append(rep.PathSeed, s)
		}
	}
	peaks := make([]geom.Point, 0, rep.Walk.Peaks)
	for j, p := range w.Walk.Peaks {
		if keep(w.Walk.Seed[j]) {
			peaks = append(peaks, p)
		}
	}
	if rep.Seeds.Kept == 0 {
		return nil, rep, fmt.Errorf("densgraph: no seeds: none of the %d walked seeds (densities %g to %g) is above the threshold (%s)",
			len(w.Seeds), minOf(w.SeedDensity), maxOf(w.SeedDensity), rep.Seeds.Threshold)
	}
	g, err := w.graph(rep, peaks, cluster, edges)
	return g, rep, err
}

// graph is the second half of Build: DBSCAN on peaks, centroid nodes with
// their density sampled on the field, and edges, recorded in rep.
func (w *Walked) graph(rep *Report, peaks []geom.Point, cluster ClusterOptions, edgeOpts EdgeOptions) (*Graph, error) {
	f := w.Field
	if len(peaks) == 0 {
		return nil, fmt.Errorf("densgraph: all %d seeds were lost in the walk (%d left the Domain %v, %d hit the %d-step cap)",
			rep.Seeds.Kept, rep.Walk.Dropped, f.Domain(), rep.Walk.Capped, w.maxSteps)
	}
	t0 := time.Now()
	rep.Eps = cmpOr(cluster.Eps, DefaultEps)
	rep.MinPts = cmpOr(cluster.MinPts, DefaultMinPts)
	labels, nc, err := DBSCAN(peaks, rep.Eps, rep.MinPts)
	if err != nil {
		return nil, err
	}
	for _, l := range labels {
		if l == Noise {
			rep.Noise++
		}
	}
	rep.Clusters = nc
	cent, size, err := Centroids(peaks, labels, nc)
	if err != nil {
		return nil, err
	}
	dens := make([]float64, nc)
	if nc > 0 {
		if err := f.Sample(cent, dens, nil); err != nil {
			return nil, fmt.Errorf("densgraph: sampling node density: %w", err)
		}
	}
	g := &Graph{Nodes: make([]Node, nc)}
	for i := range g.Nodes {
		if math.IsNaN(dens[i]) || math.IsInf(dens[i], 0) {
			return nil, fmt.Errorf("densgraph: node %d at %v: density %g is not finite", i, cent[i], dens[i])
		}
		g.Nodes[i] = Node{Pos: cent[i], Density: dens[i], Size: size[i]}
	}
	rep.Nodes = nc
	rep.Times.Cluster = time.Since(t0)

	t0 = time.Now()
	cut, err := edgeOpts.cutoff()
	if err != nil {
		return nil, err
	}
	rep.Cutoff = cut
	edges, err := Edges(cent, cut)
	if err != nil {
		return nil, err
	}
	rep.EdgesAll = len(edges)
	rep.Prune = edgeOpts.Prune
	switch edgeOpts.Prune {
	case PruneNone:
	case PruneMST:
		edges = PruneMSTEdges(nc, edges)
	case PruneKNN:
		if edges, err = PruneKNNEdges(nc, edges, edgeOpts.K); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("densgraph: edge Prune = %d, unknown", edgeOpts.Prune)
	}
	g.Edges = edges
	rep.Edges = len(edges)
	rep.Times.Edges = time.Since(t0)
	return g, nil
}

func minOf(xs []float64) float64 {
	m := math.Inf(1)
	for _, x := range xs {
		m = math.Min(m, x)
	}
	return m
}

func maxOf(xs []float64) float64 {
	m := math.Inf(-1)
	for _, x := range xs {
		m = math.Max(m, x)
	}
	return m
}
