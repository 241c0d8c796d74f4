// Package eval scores a density graph's nodes against an atomic model with
// the metrics of the paper's §3.2, Table 1 and Figure 6.
//
// # Matching
//
// An exclusive (one-to-one) matching pairs nodes with atoms closer than a
// radius r (distance ≤ r), each node and each atom used at most once. Two
// matchers are offered:
//
//   - Optimal (used by Evaluate, the default): the matching with the largest
//     number of pairs and, among those, the smallest total distance. It is a
//     min-cost maximum flow on the bipartite graph restricted to pairs
//     within r (successive shortest augmenting paths, Dijkstra with
//     potentials), solved separately on each connected component, so the
//     cost grows with the component sizes, not with nodes × atoms.
//   - Greedy: pairs taken in order of increasing distance (ties by node,
//     then atom index) when both ends are free. It can match fewer pairs
//     than Optimal (a short pair can block two longer ones) and is offered
//     for comparison only.
//
// Candidate pairs come from a uniform-cell spatial hash
// (spatial.Index), never from an all-pairs matrix.
//
// # Metrics (Evaluate)
//
// With N nodes, A selected atoms and M pairs in the optimal matching at
// radius r (default 1 Å, Table 1):
//
//   - Sensitivity = M / A: "the percentage of atoms that match exclusively
//     with a node within 1 Å" (Table 1).
//   - Specificity = M / N: "the percentage of nodes that match exclusively
//     with an atom within 1 Å" (Table 1).
//   - RMSD = sqrt(mean d²) over the M matched pairs (Å).
//   - Per-element and per-residue-name breakdowns of sensitivity, and a
//     per-residue list (atoms and matched atoms of each residue).
//
// C-alpha metrics at radius r_CA (default 3 Å, §3.2 and Figure 6), over the
// protein C-alpha atoms (model.Atom.IsCAlpha):
//
//   - CA.Coverage (NOT exclusive) = fraction of C-alpha atoms with any node
//     within r_CA: Figure 6 middle, "the percentage of C-α atoms of the
//     deposited structure that have a node within 3 Å" (the paper's 99.4 %
//     C-alpha coverage at atomic resolution and its residue sensitivity).
//   - CA.NodeFraction (NOT exclusive) = fraction of nodes with any C-alpha
//     within r_CA: Figure 6 right.
//   - CA.ClosestRMSD = RMS distance from each covered C-alpha to its closest
//     node: Figure 6 left, "RMSD of the closest node to C-α atoms".
//   - CA.Exclusive: the same optimal one-to-one matching between nodes and
//     C-alpha atoms at r_CA, with its sensitivity (matched CA / CA),
//     specificity (matched nodes / nodes) and RMSD. This is stricter than
//     the paper's Figure 6 and is reported beside it.
//
// Fractions are in [0, 1] (multiply by 100 for the paper's percentages).
// A fraction whose denominator is zero is NaN.
package eval

import (
	"container/heap"
	"fmt"
	"math"
	"sort"

	"github.com/neuralem/neuralem/neuralem/geom"
	"github.com/neuralem/neuralem/neuralem/spatial"
)

// Method selects the matching algorithm.
type Method int

const (
	// Optimal maximises the number of pairs, then minimises total distance.
	Optimal Method = iota
	// Greedy takes the shortest free pair first.
	Greedy
)

func (m Method) String() string {
	switch m {
	case Optimal:
		return "optimal"
	case Greedy:
		return "greedy"
	}
	return fmt.Sprintf("Method(%d)", int(m))
}

// Pair is a matched node and atom and their distance in Å.
type Pair struct {
	Node, Atom int
	Dist       float64
}

// Matching is an exclusive node–atom matching.
type Matching struct {
	Radius float64 // Å
	Method Method
	// Pairs sorted by Node.
	Pairs []Pair
	// NodeAtom[i] is the atom matched to node i, or -1; AtomNode likewise.
	NodeAtom []int
	AtomNode []int
	// Candidates is the number of node–atom pairs within Radius;
	// Components the number of connected components they form and
	// LargestComponent the vertex count (nodes + atoms) of the largest.
	Candidates       int
	Components       int
	LargestComponent int
}

// RMSD returns the root mean square distance of the matched pairs in Å
// (NaN if there are none).
func (m *Matching) RMSD() float64 {
	if len(m.Pairs) == 0 {
		return math.NaN()
	}
	s := 0.0
	for _, p := range m.Pairs {
		s += p.Dist * p.Dist
	}
	return math.Sqrt(s / float64(len(m.Pairs)))
}

// TotalDist returns the sum of matched distances in Å.
func (m *Matching) TotalDist() float64 {
	s := 0.0
	for _, p := range m.Pairs {
		s += p.Dist
	}
	return s
}

// Match computes an exclusive matching of nodes to atoms within radius Å.
func Match(nodes, atoms []geom.Point, radius float64, method Method) (*Matching, error) {
	if !(radius > 0) || math.IsInf(radius, 0) {
		return nil, fmt.Errorf("eval: match radius = %g Å, want > 0", radius)
	}
	for i, p := range nodes {
		if !p.IsFinite() {
			return nil, fmt.Errorf("eval: node %d at %v is not finite", i, p)
		}
	}
	for i, p := range atoms {
		if !p.IsFinite() {
			return nil, fmt.Errorf("eval: atom %d at %v is not finite", i, p)
		}
	}
	m := &Matching{Radius: radius, Method: method, NodeAtom: fill(len(nodes)), AtomNode: fill(len(atoms))}
	// Candidate pairs, per node sorted by atom index.
	adj := make([][]Pair, len(nodes))
	ix := spatial.NewIndex(atoms, radius)
	for i, p := range nodes {
		ix.Within(p, radius, func(j int, d2 float64) bool {
			adj[i] = append(adj[i], Pair{Node: i, Atom: j, Dist: math.Sqrt(d2)})
			return true
		})
		sort.Slice(adj[i], func(a, b int) bool { return adj[i][a].Atom < adj[i][b].Atom })
		m.Candidates += len(adj[i])
	}
	comps := components(len(nodes), len(atoms), adj)
	m.Components = len(comps)
	for _, c := range comps {
		m.LargestComponent = max(m.LargestComponent, len(c.nodes)+len(c.atoms))
	}
	switch method {
	case Optimal:
		for _, c := range comps {
			minCostMatch(c, adj, m)
		}
	case Greedy:
		var all []Pair
		for _, a := range adj {
			all = append(all, a...)
		}
		sort.Slice(all, func(a, b int) bool {
			x, y := all[a], all[b]
			if x.Dist != y.Dist {
				return x.Dist < y.Dist
			}
			if x.Node != y.Node {
				return x.Node < y.Node
			}
			return x.Atom < y.Atom
		})
		for _, p := range all {
			if m.NodeAtom[p.Node] < 0 && m.AtomNode[p.Atom] < 0 {
				m.NodeAtom[p.Node], m.AtomNode[p.Atom] = p.Atom, p.Node
			}
		}
	default:
		return nil, fmt.Errorf("eval: match method = %d, unknown", method)
	}
	for i, j := range m.NodeAtom {
		if j >= 0 {
			m.Pairs = append(m.Pairs, Pair{Node: i, Atom: j, Dist: nodes[i].Dist(atoms[j])})
		}
	}
	return m, nil
}

func fill(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = -1
	}
	return s
}

type component struct{ nodes, atoms []int }

// components returns the connected components (with at least one edge) of
// the bipartite candidate graph.
func components(nn, na int, adj [][]Pair) []component {
	uf := spatial.NewUnionFind(nn + na)
	for i, a := range adj {
		for _, p := range a {
			uf.Union(i, nn+p.Atom)
		}
	}
	idx := map[int]int{}
	var comps []component
	get := func(v int) *component {
		r := uf.Find(v)
		k, ok := idx[r]
		if !ok {
			k = len(comps)
			idx[r] = k
			comps = append(comps, component{})
		}
		return &comps[k]
	}
	seenAtom := make([]bool, na)
	for i, a := range adj {
		if len(a) == 0 {
			continue
		}
		c := get(i)
		c.nodes = append(c.nodes, i)
		for _, p := range a {
			if !seenAtom[p.Atom] {
				seenAtom[p.Atom] = true
				c := get(nn + p.Atom)
				c.atoms = append(c.atoms, p.Atom)
			}
		}
	}
	return comps
}

// minCostMatch solves one component: maximum-cardinality matching of
// minimum total distance, by successive shortest augmenting paths (each
// augmentation keeps the matching of minimum cost for its size, so the
// last one is the optimum among maximum matchings). Vertices: 0 = source,
// 1..n nodes, n+1..n+a atoms, n+a+1 = sink.
func minCostMatch(c component, adj [][]Pair, m *Matching) {
	n, a := len(c.nodes), len(c.atoms)
	if n == 1 || a == 1 { // star: the single nearest partner is optimal
		best := Pair{Node: -1, Dist: math.Inf(1)}
		for _, i := range c.nodes {
			for _, p := range adj[i] {
				if p.Dist < best.Dist || (p.Dist == best.Dist && (p.Node < best.Node || (p.Node == best.Node && p.Atom < best.Atom))) {
					best = p
				}
			}
		}
		m.NodeAtom[best.Node], m.AtomNode[best.Atom] = best.Atom, best.Node
		return
	}
	atomLocal := make(map[int]int, a)
	for k, j := range c.atoms {
		atomLocal[j] = k
	}
	V := n + a + 2
	src, sink := 0, n+a+1
	type arc struct {
		to, rev int
		cap     int
		cost    float64
	}
	g := make([][]arc, V)
	add := func(u, v int, cost float64) {
		g[u] = append(g[u], arc{to: v, rev: len(g[v]), cap: 1, cost: cost})
		g[v] = append(g[v], arc{to: u, rev: len(g[u]) - 1, cap: 0, cost: -cost})
	}
	for k, i := range c.nodes {
		add(src, 1+k, 0)
		for _, p := range adj[i] {
			add(1+k, 1+n+atomLocal[p.Atom], p.Dist)
		}
	}
	for k := range c.atoms {
		add(1+n+k, sink, 0)
	}
	pot := make([]float64, V)
	dist := make([]float64, V)
	prevV := make([]int, V)
	prevE := make([]int, V)
	for {
		for v := range dist {
			dist[v] = math.Inf(1)
			prevV[v] = -1
		}
		dist[src] = 0
		pq := &vheap{{v: src, d: 0}}
		for pq.Len() > 0 {
			it := heap.Pop(pq).(vitem)
			if it.d > dist[it.v] {
				continue
			}
			for e, ar := range g[it.v] {
				if ar.cap == 0 {
					continue
				}
				rc := ar.cost + pot[it.v] - pot[ar.to]
				if rc < 0 {
					rc = 0 // rounding: reduced costs are ≥ 0 in exact arithmetic
				}
				if nd := it.d + rc; nd < dist[ar.to] {
					dist[ar.to], prevV[ar.to], prevE[ar.to] = nd, it.v, e
					heap.Push(pq, vitem{v: ar.to, d: nd})
				}
			}
		}
		if math.IsInf(dist[sink], 1) {
			break
		}
		for v := range pot {
			if !math.IsInf(dist[v], 1) {
				pot[v] += dist[v]
			}
		}
		for v := sink; v != src; v = prevV[v] {
			u := prevV[v]
			ar := &g[u][prevE[v]]
			ar.cap--
			g[v][ar.rev].cap++
		}
	}
	for k, i := range c.nodes {
		for _, ar := range g[1+k] {
			if ar.to > n && ar.to <= n+a && ar.cap == 0 {
				j := c.atoms[ar.to-1-n]
				m.NodeAtom[i], m.AtomNode[j] = j, i
			}
		}
	}
}

type vitem struct {
	v int
	d float64
}

type vheap []vitem

func (h vheap) Len() int            { return len(h) }
func (h vheap) Less(i, j int) bool  { return h[i].d < h[j].d }
func (h vheap) Swap(i, j int)       { h[i], h[j] = h[j], h[i] }
func (h *vheap) Push(x interface{}) { *h = append(*h, x.(vitem)) }
func (h *vheap) Pop() interface{} {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
