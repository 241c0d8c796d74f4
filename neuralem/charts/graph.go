package charts

import (
	"fmt"
	"math"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
)

func checkPoints(where, field string, pts [][3]float64) error {
	for i, p := range pts {
		for d := range 3 {
			if !finite(p[d]) {
				return fmt.Errorf("charts: %s: %s[%d][%d] = %v is not finite", where, field, i, d, p[d])
			}
		}
	}
	return nil
}

func checkEdges(where string, n int, edges [][2]int) error {
	for i, e := range edges {
		for _, k := range e {
			if k < 0 || k >= n {
				return fmt.Errorf("charts: %s: edges[%d] = %v: node index %d out of range [0, %d)", where, i, e, k, n)
			}
		}
	}
	return nil
}

// Colours of the graph charts' series.
const (
	colorNode  = "#d62728"
	colorAtom  = "#1f77b4"
	colorEdge  = "#555555"
	colorTrace = "#ff7f0e"
	colorStart = "#2ca02c"
)

// extent is the bounding box of points along the three axes.
type extent struct{ lo, hi [3]float64 }

func newExtent() extent {
	inf := math.Inf(1)
	return extent{lo: [3]float64{inf, inf, inf}, hi: [3]float64{-inf, -inf, -inf}}
}

func (e *extent) add(pts ...[3]float64) {
	for _, p := range pts {
		for d := range 3 {
			e.lo[d], e.hi[d] = math.Min(e.lo[d], p[d]), math.Max(e.hi[d], p[d])
		}
	}
}

// equalAspect returns axis ranges (whole Å) for two axes drawn in a plot
// area of w × h pixels such that one Å is as long on both: the data ranges
// [lo, hi] padded by pad Å, the shorter one widened about its middle.
func equalAspect(loU, hiU, loV, hiV, pad float64, w, h int) (minU, maxU, minV, maxV float64) {
	loU, hiU, loV, hiV = loU-pad, hiU+pad, loV-pad, hiV+pad
	ru, rv := hiU-loU, hiV-loV
	perPx := math.Max(ru/float64(w), rv/float64(h))
	widen := func(lo, hi, want float64) (float64, float64) {
		mid := (lo + hi) / 2
		return math.Floor(mid - want/2), math.Ceil(mid + want/2)
	}
	minU, maxU = widen(loU, hiU, perPx*float64(w))
	minV, maxV = widen(loV, hiV, perPx*float64(h))
	return
}

// plane is a 2-D projection of 3-D points along one axis, with equal-aspect
// axes in Å fitted to the points it was built from.
type plane struct {
	drop, u, v Axis
	w, h       int // plot area, px
}

func (p plane) xy(pts [][3]float64) [][2]float64 {
	out := make([][2]float64, len(pts))
	for i, q := range pts {
		out[i] = [2]float64{round(q[p.u], 3), round(q[p.v], 3)}
	}
	return out
}

// round rounds x to the given number of decimals (for readable chart data).
func round(x float64, decimals int) float64 {
	s := math.Pow(10, float64(decimals))
	return math.Round(x*s) / s
}

// axes sets the chart's grid and x/y axes to equal-aspect ranges around e.
func (p plane) axes(o map[string]any, e extent, top int) {
	minU, maxU, minV, maxV := equalAspect(e.lo[p.u], e.hi[p.u], e.lo[p.v], e.hi[p.v], 1, p.w, p.h)
	o["grid"] = map[string]any{"top": top, "left": 70, "width": p.w, "height": p.h}
	o["xAxis"] = map[string]any{"type": "value", "name": p.u.String() + " (Å)", "nameLocation": "middle",
		"nameGap": 25, "min": minU, "max": maxU, "splitLine": map[string]any{"show": false},
		"axisLine": map[string]any{"onZero": false}}
	o["yAxis"] = map[string]any{"type": "value", "name": p.v.String() + " (Å)", "nameLocation": "middle",
		"nameGap": 35, "min": minV, "max": maxV, "splitLine": map[string]any{"show": false},
		"axisLine": map[string]any{"onZero": false}}
}

// chart builds an 800 × 720 px chart in the plane: the series (with the
// atoms, if any, as a last scatter series), a legend of names (and "atoms")
// below the plot, and equal-aspect axes around e.
func (p plane) chart(title, sub string, e extent, series []map[string]any, names []string, atoms [][3]float64) *charts.Scatter {
	if len(atoms) > 0 {
		series = append(series, scatterSeries("atoms", p.xy(atoms), "circle", 5, colorAtom, 0.6))
		names = append(names, "atoms")
	}
	sc := charts.NewScatter()
	sc.SetGlobalOptions(
		charts.WithInitializationOpts(opts.Initialization{Width: "800px", Height: "720px"}),
		charts.WithTitleOpts(opts.Title{Title: title, Subtitle: sub}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(false)}),
	)
	sc.AddSeries(names[0], nil)
	sc.Accept(patch{fn: func(o map[string]any) {
		o["series"] = series
		o["legend"] = legendBelow(names)
		p.axes(o, e, 80)
	}})
	return sc
}

func newPlane(drop Axis) plane {
	u, v := drop.inPlane()
	return plane{drop: drop, u: u, v: v, w: 640, h: 560}
}

func checkDrop(where string, drop Axis) error {
	if drop < AxisX || drop > AxisZ {
		return fmt.Errorf("charts: %s: drop = %d, want AxisX, AxisY or AxisZ", where, int(drop))
	}
	return nil
}

// scatterSeries is a 2-D scatter series of points.
func scatterSeries(name string, pts [][2]float64, symbol string, size int, color string, opacity float64) map[string]any {
	return map[string]any{"name": name, "type": "scatter", "data": pts, "symbol": symbol, "symbolSize": size,
		"itemStyle": map[string]any{"color": color, "opacity": opacity}, "z": 3}
}

// linesSeries is a 2-D polyline series (ECharts "lines" on the Cartesian
// grid). Polylines of fewer than 2 points are left out: ECharts fails on
// them and then draws nothing of the chart (a seed already on a peak has a
// one-point path).
func linesSeries(name string, polylines [][][2]float64, color string, width, opacity float64) map[string]any {
	data := make([]map[string]any, 0, len(polylines))
	for _, l := range polylines {
		if len(l) >= 2 {
			data = append(data, map[string]any{"coords": l})
		}
	}
	return map[string]any{"name": name, "type": "lines", "coordinateSystem": "cartesian2d", "polyline": true,
		"data": data, "silent": true, "lineStyle": map[string]any{"color": color, "width": width, "opacity": opacity}, "z": 2}
}

// legendBelow is a legend under the plot area, so it covers neither the
// title nor the data.
func legendBelow(names []string) map[string]any {
	return map[string]any{"show": true, "data": names, "bottom": 0}
}

// WalkPaths builds a 2-D view of gradient-walk paths, each a chain of
// points in Å from its seed to its peak, projected along drop onto the
// plane of the other two axes: the paths as lines, their starts (seeds) as
// hollow green circles, their ends (peaks) as red dots, and the atoms (Å,
// may be nil) as blue dots. The axes are in Å with equal scales.
func WalkPaths(paths [][][3]float64, atoms [][3]float64, drop Axis) (*charts.Scatter, error) {
	if len(paths) == 0 {
		return nil, fmt.Errorf("charts: WalkPaths: no paths")
	}
	if err := checkDrop("WalkPaths", drop); err != nil {
		return nil, err
	}
	e := newExtent()
	for i, p := range paths {
		if len(p) == 0 {
			return nil, fmt.Errorf("charts: WalkPaths: paths[%d] is empty", i)
		}
		if err := checkPoints("WalkPaths", fmt.Sprintf("paths[%d]", i), p); err != nil {
			return nil, err
		}
		e.add(p...)
	}
	if err := checkPoints("WalkPaths", "atoms", atoms); err != nil {
		return nil, err
	}
	pl := newPlane(drop)
	var lines [][][2]float64
	var starts, ends [][3]float64
	for _, p := range paths {
		lines = append(lines, pl.xy(p))
		starts, ends = append(starts, p[0]), append(ends, p[len(p)-1])
	}
	// Atoms are drawn only where the paths are (plus a margin).
	var near [][3]float64
	for _, a := range atoms {
		if a[pl.u] >= e.lo[pl.u]-2 && a[pl.u] <= e.hi[pl.u]+2 && a[pl.v] >= e.lo[pl.v]-2 && a[pl.v] <= e.hi[pl.v]+2 {
			near = append(near, a)
		}
	}
	series := []map[string]any{
		linesSeries("paths", lines, colorEdge, 1, 0.8),
		scatterSeries("start (seed)", pl.xy(starts), "emptyCircle", 8, colorStart, 1),
		scatterSeries("end (peak)", pl.xy(ends), "circle", 6, colorNode, 1),
	}
	return pl.chart("Gradient-walk paths, seed → peak",
		fmt.Sprintf("%d paths projected along %v; each seed climbs the density in 0.05 Å steps", len(paths), drop),
		e, series, []string{"paths", "start (seed)", "end (peak)"}, near), nil
}

// GraphPlot is a density graph to draw in 2-D (see [GraphView]).
type GraphPlot struct {
	Title string // default "Density graph"
	Nodes [][3]float64
	Edges [][2]int // pairs of node indices
	Atoms [][3]float64
	Drop  Axis // the axis projected away
	// Slab, if > 0, keeps only the nodes and atoms within Slab/2 Å of the
	// middle of the nodes along Drop, and the edges between kept nodes: a
	// readable slice of a graph too dense to read whole.
	Slab float64
}

// GraphView builds a 2-D view of a density graph: its nodes (Å) projected
// along p.Drop onto the plane of the other two axes, its edges as lines
// and the atoms (may be nil) as dots, on equal-scale axes in Å, optionally
// only a slab of it (GraphPlot.Slab). The subtitle gives the counts drawn.
func GraphView(p GraphPlot) (*charts.Scatter, error) {
	if len(p.Nodes) == 0 {
		return nil, fmt.Errorf("charts: GraphView: no nodes")
	}
	if err := checkDrop("GraphView", p.Drop); err != nil {
		return nil, err
	}
	if err := checkPoints("GraphView", "nodes", p.Nodes); err != nil {
		return nil, err
	}
	if err := checkPoints("GraphView", "atoms", p.Atoms); err != nil {
		return nil, err
	}
	if err := checkEdges("GraphView", len(p.Nodes), p.Edges); err != nil {
		return nil, err
	}
	if !finite(p.Slab) || p.Slab < 0 {
		return nil, fmt.Errorf("charts: GraphView: Slab = %v Å, want ≥ 0 (0: the whole graph)", p.Slab)
	}
	nodes, edges, atoms := p.Nodes, p.Edges, p.Atoms
	sub := fmt.Sprintf("%d nodes, %d edges, projected along %v", len(nodes), len(edges), p.Drop)
	if p.Slab > 0 {
		e := newExtent()
		e.add(nodes...)
		mid := (e.lo[p.Drop] + e.hi[p.Drop]) / 2
		lo, hi := mid-p.Slab/2, mid+p.Slab/2
		in := func(q [3]float64) bool { return q[p.Drop] >= lo && q[p.Drop] <= hi }
		keep := make([]int, len(nodes))
		nodes = nil
		for i, q := range p.Nodes {
			keep[i] = -1
			if in(q) {
				keep[i] = len(nodes)
				nodes = append(nodes, q)
			}
		}
		edges = nil
		for _, ed := range p.Edges {
			if a, b := keep[ed[0]], keep[ed[1]]; a >= 0 && b >= 0 {
				edges = append(edges, [2]int{a, b})
			}
		}
		atoms = nil
		for _, q := range p.Atoms {
			if in(q) {
				atoms = append(atoms, q)
			}
		}
		if len(nodes) == 0 {
			return nil, fmt.Errorf("charts: GraphView: no node in the slab %v = %.1f … %.1f Å", p.Drop, lo, hi)
		}
		sub = fmt.Sprintf("slab %v = %.1f … %.1f Å: %d of %d nodes, %d of %d edges, %d atoms",
			p.Drop, lo, hi, len(nodes), len(p.Nodes), len(edges), len(p.Edges), len(atoms))
	}
	title := p.Title
	if title == "" {
		title = "Density graph"
	}
	pl := newPlane(p.Drop)
	e := newExtent()
	e.add(nodes...)
	e.add(atoms...)
	xy := pl.xy(nodes)
	lines := make([][][2]float64, len(edges))
	for i, ed := range edges {
		lines[i] = [][2]float64{xy[ed[0]], xy[ed[1]]}
	}
	series := []map[string]any{linesSeries("edges", lines, colorEdge, 1, 0.6), scatterSeries("nodes", xy, "circle", 6, colorNode, 1)}
	return pl.chart(title, sub, e, series, []string{"nodes", "edges"}, atoms), nil
}

// Graph3D is a density graph and a model to draw in 3-D (see
// [GraphVsModel3D]), all in Å.
type Graph3D struct {
	Title string // default "Density graph vs model"
	Nodes [][3]float64
	Edges [][2]int // pairs of node indices
	Atoms [][3]float64
	// Trace is the model's Cα trace: one polyline per run of consecutive
	// residues.
	Trace [][][3]float64
}

// GraphVsModel3D builds a 3-D view (echarts-gl) of a density graph beside
// its model: nodes (red), edges (grey lines), atoms (blue) and the Cα trace
// (orange). Each is a legend entry that shows or hides it. The axes span
// the data (plus 1 Å) with equal scales, so the view is not distorted. The
// chart can be rotated and zoomed with the mouse. 3-D charts need the
// echarts-gl bundle, which [HTML], [WritePage] and [Display] add.
func GraphVsModel3D(g Graph3D) (*charts.Scatter3D, error) {
	if len(g.Nodes) == 0 && len(g.Atoms) == 0 {
		return nil, fmt.Errorf("charts: GraphVsModel3D: no nodes and no atoms")
	}
	for _, f := range []struct {
		name string
		pts  [][3]float64
	}{{"nodes", g.Nodes}, {"atoms", g.Atoms}} {
		if err := checkPoints("GraphVsModel3D", f.name, f.pts); err != nil {
			return nil, err
		}
	}
	for i, t := range g.Trace {
		if err := checkPoints("GraphVsModel3D", fmt.Sprintf("Trace[%d]", i), t); err != nil {
			return nil, err
		}
	}
	if err := checkEdges("GraphVsModel3D", len(g.Nodes), g.Edges); err != nil {
		return nil, err
	}
	e := newExtent()
	e.add(g.Nodes...)
	e.add(g.Atoms...)
	for _, t := range g.Trace {
		e.add(t...)
	}
	var box [3]float64
	var rng [3][2]float64
	// The axes end on multiples of one tick interval (1, 2 or 5 × 10^k Å,
	// about four ticks along the longest axis): an end between two ticks
	// printed its label over its neighbour's.
	data := 0.0
	for d := range 3 {
		data = math.Max(data, e.hi[d]-e.lo[d]+2)
	}
	step := niceStep(data / 4)
	maxR := 0.0
	for d := range 3 {
		rng[d] = [2]float64{step * math.Floor((e.lo[d]-1)/step), step * math.Ceil((e.hi[d]+1)/step)}
		maxR = math.Max(maxR, rng[d][1]-rng[d][0])
	}
	for d := range 3 {
		box[d] = 100 * (rng[d][1] - rng[d][0]) / maxR
	}
	title := g.Title
	if title == "" {
		title = "Density graph vs model"
	}
	sc := charts.NewScatter3D()
	sc.SetGlobalOptions(
		charts.WithInitializationOpts(opts.Initialization{Width: "900px", Height: "700px"}),
		charts.WithTitleOpts(opts.Title{Title: title,
			Subtitle: fmt.Sprintf("%d nodes, %d edges, %d atoms (Å); drag to rotate, scroll to zoom, click the legend to show or hide",
				len(g.Nodes), len(g.Edges), len(g.Atoms))}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(false)}),
	)
	sc.AddSeries("nodes", nil)
	sc.Accept(patch{fn: func(o map[string]any) {
		var series []map[string]any
		var names []string
		scatter := func(name string, pts [][3]float64, size int, color string) {
			if len(pts) == 0 {
				return
			}
			series = append(series, map[string]any{"name": name, "type": "scatter3D", "data": round3(pts),
				"symbolSize": size, "itemStyle": map[string]any{"color": color}})
			names = append(names, name)
		}
		lines := func(name string, polys [][][3]float64, width float64, color string, opacity float64) {
			for _, l := range polys {
				if len(l) < 2 {
					continue
				}
				series = append(series, map[string]any{"name": name, "type": "line3D", "data": round3(l),
					"lineStyle": map[string]any{"width": width, "color": color, "opacity": opacity}})
			}
			if len(polys) > 0 {
				names = append(names, name)
			}
		}
		scatter("nodes", g.Nodes, 5, colorNode)
		var edgePolys [][][3]float64
		for _, path := range EdgeWalks(len(g.Nodes), g.Edges) {
			pl := make([][3]float64, len(path))
			for i, k := range path {
				pl[i] = g.Nodes[k]
			}
			edgePolys = append(edgePolys, pl)
		}
		lines("edges", edgePolys, 1, colorEdge, 0.5)
		scatter("atoms", g.Atoms, 4, colorAtom)
		lines("Cα trace", g.Trace, 4, colorTrace, 1)
		o["series"] = series
		o["legend"] = map[string]any{"show": true, "data": names, "top": 50}
		axis := func(d int) map[string]any {
			return map[string]any{"type": "value", "name": Axis(d).String() + " (Å)", "min": rng[d][0], "max": rng[d][1],
				"interval": step}
		}
		o["xAxis3D"], o["yAxis3D"], o["zAxis3D"] = axis(0), axis(1), axis(2)
		// echarts-gl: x runs along the box's width, y along its depth, z up.
		o["grid3D"] = map[string]any{"boxWidth": box[0], "boxDepth": box[1], "boxHeight": box[2],
			"viewControl": map[string]any{"distance": 220}}
	}})
	return sc, nil
}

func round3(pts [][3]float64) [][3]float64 {
	out := make([][3]float64, len(pts))
	for i, p := range pts {
		out[i] = [3]float64{round(p[0], 3), round(p[1], 3), round(p[2], 3)}
	}
	return out
}

// EdgeWalks returns polylines (sequences of node indices) that together run
// along every edge of a graph with n nodes and nothing else: one per
// connected component with edges, a depth-first walk that goes along each
// edge and comes back. A 3-D line series draws one polyline without gaps,
// so this draws all edges in a few series instead of one series per edge.
// Every edge is covered once or twice (there and back).
func EdgeWalks(n int, edges [][2]int) [][]int {
	type half struct{ to, id int }
	adj := make([][]half, n)
	for id, e := range edges {
		if e[0] < 0 || e[0] >= n || e[1] < 0 || e[1] >= n || e[0] == e[1] {
			continue
		}
		adj[e[0]] = append(adj[e[0]], half{e[1], id})
		adj[e[1]] = append(adj[e[1]], half{e[0], id})
	}
	used := make([]bool, len(edges))
	seen := make([]bool, n)
	next := make([]int, n) // next adjacency entry to look at
	var out [][]int
	for start := range n {
		if seen[start] || len(adj[start]) == 0 {
			continue
		}
		seen[start] = true
		path := []int{start}
		stack := []int{start}
		for len(stack) > 0 {
			u := stack[len(stack)-1]
			moved := false
			for next[u] < len(adj[u]) {
				h := adj[u][next[u]]
				next[u]++
				if used[h.id] {
					continue
				}
				used[h.id] = true
				path = append(path, h.to)
				if !seen[h.to] {
					seen[h.to] = true
					stack = append(stack, h.to)
				} else {
					path = append(path, u) // back along the same edge
				}
				moved = true
				break
			}
			if !moved {
				stack = stack[:len(stack)-1]
				if len(stack) > 0 {
					path = append(path, stack[len(stack)-1]) // return to the parent
				}
			}
		}
		out = append(out, path)
	}
	return out
}

// niceStep returns the largest of 1, 2 or 5 × 10^k that is at most x (x > 0;
// 1 for smaller x).
func niceStep(x float64) float64 {
	if !(x > 1) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(x)))
	for _, m := range []float64{5, 2} {
		if m*p <= x {
			return m * p
		}
	}
	return p
}
