package densgraph

import (
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/neuralem/neuralem/neuralem/geom"
	"github.com/neuralem/neuralem/neuralem/grid"
	"github.com/neuralem/neuralem/neuralem/spatial"
)

// DefaultCutoffNoResolution is the edge cutoff in Å used when the map's
// resolution is unknown (0).
const DefaultCutoffNoResolution = 4.0

// Node is a graph node: a cluster centroid of walked seeds.
type Node struct {
	Pos     geom.Point // centroid in Å
	Density float64    // Field density sampled at Pos
	Size    int        // number of walked seeds in the cluster
}

// Edge joins nodes I < J; Length is their distance in Å (the paper's edge
// feature).
type Edge struct {
	I, J   int
	Length float64
}

// Graph is a density graph. Edges are sorted by (I, J).
type Graph struct {
	Nodes []Node
	Edges []Edge
}

// Positions returns the node positions in Å.
func (g *Graph) Positions() []geom.Point {
	p := make([]geom.Point, len(g.Nodes))
	for i, n := range g.Nodes {
		p[i] = n.Pos
	}
	return p
}

// Centroids returns the centroid of each cluster (labels from DBSCAN,
// clusters 0..nc-1; Noise points are ignored) and the cluster sizes.
func Centroids(pts []geom.Point, labels []int, nc int) ([]geom.Point, []int, error) {
	if len(labels) != len(pts) {
		return nil, nil, fmt.Errorf("densgraph: %d labels for %d points", len(labels), len(pts))
	}
	sum := make([]geom.Vec3, nc)
	size := make([]int, nc)
	lo := make([]geom.Point, nc)
	hi := make([]geom.Point, nc)
	for i, l := range labels {
		if l == Noise {
			continue
		}
		if l < 0 || l >= nc {
			return nil, nil, fmt.Errorf("densgraph: label %d of point %d outside 0..%d", l, i, nc-1)
		}
		sum[l] = sum[l].Add(geom.Vec3(pts[i]))
		if size[l] == 0 {
			lo[l], hi[l] = pts[i], pts[i]
		}
		for a := 0; a < 3; a++ {
			lo[l][a] = math.Min(lo[l][a], pts[i][a])
			hi[l][a] = math.Max(hi[l][a], pts[i][a])
		}
		size[l]++
	}
	c := make([]geom.Point, nc)
	for l := range c {
		if size[l] == 0 {
			return nil, nil, fmt.Errorf("densgraph: cluster %d is empty", l)
		}
		c[l] = geom.Point(sum[l].Scale(1 / float64(size[l])))
		// Rounding can put the mean one ulp outside its points' box (and so
		// outside the field's domain when they lie on a face): clamp it.
		for a := 0; a < 3; a++ {
			c[l][a] = math.Min(math.Max(c[l][a], lo[l][a]), hi[l][a])
		}
	}
	return c, size, nil
}

// PruneKind selects optional edge pruning. Pruning is NOT part of the
// paper's method, which keeps every pair within the cutoff.
type PruneKind int

const (
	// PruneNone keeps every edge within the cutoff (the paper).
	PruneNone PruneKind = iota
	// PruneMST keeps a minimum spanning forest of the cutoff graph
	// (Kruskal on edge length; beyond the paper).
	PruneMST
	// PruneKNN keeps an edge if it is among the K shortest edges of either
	// end node (beyond the paper).
	PruneKNN
)

// EdgeOptions controls Edges.
type EdgeOptions struct {
	// Cutoff in Å: nodes closer than this are joined. 0 means
	// 2 × Resolution, or DefaultCutoffNoResolution if Resolution is 0.
	Cutoff float64
	// Resolution of the map in Å (0 = unknown); used only for the default
	// cutoff.
	Resolution float64
	// Prune selects optional pruning beyond the paper; K is the neighbour
	// count for PruneKNN.
	Prune PruneKind
	K     int
}

// cutoff resolves the default cutoff.
func (o EdgeOptions) cutoff() (float64, error) {
	if o.Cutoff != 0 {
		if !(o.Cutoff > 0) || math.IsInf(o.Cutoff, 0) {
			return 0, fmt.Errorf("densgraph: edge Cutoff = %g Å, want > 0", o.Cutoff)
		}
		return o.Cutoff, nil
	}
	if o.Resolution == 0 {
		return DefaultCutoffNoResolution, nil
	}
	if !(o.Resolution > 0) || math.IsInf(o.Resolution, 0) {
		return 0, fmt.Errorf("densgraph: edge Resolution = %g Å, want > 0 (or 0 for unknown)", o.Resolution)
	}
	return 2 * o.Resolution, nil
}

// Edges returns every pair of points closer than cutoff Å (strictly), with
// their length, sorted by (I, J). It uses a spatial hash, never an
// all-pairs matrix. cutoff ≤ 0 is an error.
func Edges(pts []geom.Point, cutoff float64) ([]Edge, error) {
	if !(cutoff > 0) || math.IsInf(cutoff, 0) {
		return nil, fmt.Errorf("densgraph: edge cutoff = %g Å, want > 0", cutoff)
	}
	for i, p := range pts {
		if !p.IsFinite() {
			return nil, fmt.Errorf("densgraph: node %d at %v is not finite", i, p)
		}
	}
	ix := spatial.NewIndex(pts, cutoff)
	c2 := cutoff * cutoff
	var edges []Edge
	var nb []int
	for i, p := range pts {
		nb = nb[:0]
		ix.Within(p, cutoff, func(j int, d2 float64) bool {
			if j > i && d2 < c2 {
				nb = append(nb, j)
			}
			return true
		})
		sort.Ints(nb)
		for _, j := range nb {
			edges = append(edges, Edge{I: i, J: j, Length: p.Dist(pts[j])})
		}
	}
	return edges, nil
}

// PruneMSTEdges returns a minimum spanning forest of the graph (n nodes,
// given edges) by Kruskal's algorithm on Length, sorted by (I, J). Beyond
// the paper.
func PruneMSTEdges(n int, edges []Edge) []Edge {
	e := append([]Edge(nil), edges...)
	sort.SliceStable(e, func(a, b int) bool { return e[a].Length < e[b].Length })
	uf := spatial.NewUnionFind(n)
	var out []Edge
	for _, x := range e {
		if uf.Union(x.I, x.J) {
			out = append(out, x)
		}
	}
	sortEdges(out)
	return out
}

// PruneKNNEdges keeps an edge if it is among the k shortest edges at either
// of its ends (ties broken by the other node's index), sorted by (I, J).
// Beyond the paper.
func PruneKNNEdges(n int, edges []Edge, k int) ([]Edge, error) {
	if k < 1 {
		return nil, fmt.Errorf("densgraph: kNN pruning K = %d, want ≥ 1", k)
	}
	inc := make([][]int, n)
	for ei, e := range edges {
		inc[e.I] = append(inc[e.I], ei)
		inc[e.J] = append(inc[e.J], ei)
	}
	keep := make([]bool, len(edges))
	for v, list := range inc {
		other := func(ei int) int {
			if edges[ei].I == v {
				return edges[ei].J
			}
			return edges[ei].I
		}
		sort.Slice(list, func(a, b int) bool {
			ea, eb := edges[list[a]], edges[list[b]]
			if ea.Length != eb.Length {
				return ea.Length < eb.Length
			}
			return other(list[a]) < other(list[b])
		})
		for _, ei := range list[:min(k, len(list))] {
			keep[ei] = true
		}
	}
	var out []Edge
	for ei, e := range edges {
		if keep[ei] {
			out = append(out, e)
		}
	}
	sortEdges(out)
	return out, nil
}

func sortEdges(e []Edge) {
	sort.Slice(e, func(a, b int) bool {
		if e[a].I != e[b].I {
			return e[a].I < e[b].I
		}
		return e[a].J < e[b].J
	})
}

// ClusterOptions controls the DBSCAN stage (0 → paper defaults).
type ClusterOptions struct {
	Eps    float64 // Å (0 → DefaultEps)
	MinPts int     // (0 → DefaultMinPts)
}

// Options controls Build.
type Options struct {
	Seeds   SeedOptions
	Walk    WalkOptions
	Cluster ClusterOptions
	Edges   EdgeOptions
}

// Report records what Build did at each stage.
type Report struct {
	Seeds    SeedReport
	Walk     WalkStats
	Clusters int     // DBSCAN clusters (= nodes)
	Noise    int     // walked points labelled noise (minPts > 1 only)
	Eps      float64 // Å
	MinPts   int
	Cutoff   float64 // edge cutoff used, Å
	Nodes    int
	Edges    int // after pruning
	EdgesAll int // before pruning
	Prune    PruneKind
	Times    struct{ Seed, Walk, Cluster, Edges time.Duration }
	// Paths and PathSeed are the traced walk paths, if requested.
	Paths    [][]geom.Point
	PathSeed []int
}

// WalkStats summarises a WalkResult.
type WalkStats struct {
	Peaks, Dropped, Capped, AtPeak, Steps, Samples, Calls int
}

// Build runs the whole pipeline on f: seeds → gradient walk → DBSCAN →
// centroid nodes (density sampled at each centroid) → edges. It is
// SeedAndWalk followed by Walked.Graph at the seeding threshold.
func Build(f grid.Field, opts Options) (*Graph, *Report, error) {
	rep := &Report{}
	w, err := seedAndWalk(f, opts.Seeds, opts.Walk, rep)
	if err != nil {
		return nil, rep, err
	}
	rep.Walk = WalkStats{Peaks: len(w.Walk.Peaks), Dropped: w.Walk.Dropped, Capped: w.Walk.Capped, AtPeak: w.Walk.AtPeak,
		Steps: w.Walk.Steps, Samples: w.Walk.Samples, Calls: w.Walk.Calls}
	rep.Paths, rep.PathSeed = w.Walk.Paths, w.Walk.PathSeed
	g, err := w.graph(rep, w.Walk.Peaks, opts.Cluster, opts.Edges)
	return g, rep, err
}

func cmpOr[T int | float64](v, def T) T {
	if v == 0 {
		return def
	}
	return v
}
