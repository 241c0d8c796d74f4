package charts

import (
	"math"
	"strings"
	"testing"
)

func TestEdgeWalks(t *testing.T) {
	// Two components (a triangle with a tail, and one edge), an isolated
	// node, a self-loop and an out-of-range edge (ignored).
	edges := [][2]int{{0, 1}, {1, 2}, {2, 0}, {2, 3}, {5, 6}, {4, 4}, {7, 9}}
	walks := EdgeWalks(8, edges)
	if len(walks) != 2 {
		t.Fatalf("%d walks, want one per component with edges (2): %v", len(walks), walks)
	}
	isEdge := map[[2]int]bool{}
	for _, e := range edges[:5] {
		isEdge[e], isEdge[[2]int{e[1], e[0]}] = true, true
	}
	covered := map[[2]int]bool{}
	for _, w := range walks {
		for i := 1; i < len(w); i++ {
			step := [2]int{w[i-1], w[i]}
			if !isEdge[step] {
				t.Fatalf("walk %v steps along %v, which is no edge", w, step)
			}
			covered[step], covered[[2]int{step[1], step[0]}] = true, true
		}
	}
	for _, e := range edges[:5] {
		if !covered[e] {
			t.Errorf("edge %v not drawn", e)
		}
	}
	if len(EdgeWalks(3, nil)) != 0 {
		t.Error("walks without edges")
	}
}

func TestEqualAspect(t *testing.T) {
	// 10 Å × 2 Å of data in a 600 × 300 px area: 1 Å must span as many px on both axes.
	minU, maxU, minV, maxV := equalAspect(0, 10, 0, 2, 1, 600, 300)
	if minU > -1 || maxU < 11 || minV > -1 || maxV < 3 {
		t.Fatalf("ranges [%v, %v] × [%v, %v] do not hold the padded data", minU, maxU, minV, maxV)
	}
	pxU, pxV := 600/(maxU-minU), 300/(maxV-minV)
	if math.Abs(pxU-pxV)/pxU > 0.1 { // whole-Å rounding of the ends
		t.Errorf("%.1f px/Å along u, %.1f along v", pxU, pxV)
	}
	for _, x := range []float64{minU, maxU, minV, maxV} {
		if x != math.Round(x) {
			t.Errorf("axis end %v is not a whole Å", x)
		}
	}
}

func TestGraphView(t *testing.T) {
	nodes := [][3]float64{{0, 0, 0}, {1, 2, 3}, {4, 5, 6}}
	edges := [][2]int{{0, 1}, {1, 2}}
	atoms := [][3]float64{{7, 8, 9}}
	g, err := GraphView(GraphPlot{Nodes: nodes, Edges: edges, Atoms: atoms, Drop: AxisY})
	if err != nil {
		t.Fatal(err)
	}
	o := optionOf(t, g)
	ss := seriesOf(t, o)
	if len(ss) != 3 || ss[0]["type"] != "lines" || ss[1]["name"] != "nodes" || ss[2]["name"] != "atoms" {
		t.Fatalf("series %v", ss)
	}
	pts := points(t, ss[1])
	// Dropping y keeps (x, z); the zero coordinates of node 0 must survive.
	for i, want := range [][2]float64{{0, 0}, {1, 3}, {4, 6}} {
		if num(t, pts[i][0]) != want[0] || num(t, pts[i][1]) != want[1] {
			t.Errorf("node %d at %v, want %v", i, pts[i], want)
		}
	}
	lines := ss[0]["data"].([]any)
	if len(lines) != 2 {
		t.Fatalf("%d edge lines, want 2", len(lines))
	}
	if c := lines[1].(map[string]any)["coords"].([]any); num(t, c[0].([]any)[0]) != 1 || num(t, c[1].([]any)[1]) != 6 {
		t.Errorf("edge 1 drawn %v, want (1,3)–(4,6)", c)
	}
	if a := points(t, ss[2]); num(t, a[0][0]) != 7 || num(t, a[0][1]) != 9 {
		t.Errorf("atom projected to %v, want [7 9]", a[0])
	}
	x := o["xAxis"].(map[string]any)
	if x["name"] != "x (Å)" || num(t, x["min"]) > -1 || num(t, x["max"]) < 8 {
		t.Errorf("x axis %v does not hold the data", x)
	}
	if y := o["yAxis"].(map[string]any); y["name"] != "z (Å)" {
		t.Errorf("y axis %v", y)
	}
	// A 2 Å slab along y through the middle of the nodes (y 0…5: 1.5…3.5) keeps node 1 only.
	g, err = GraphView(GraphPlot{Nodes: nodes, Edges: edges, Atoms: atoms, Drop: AxisY, Slab: 2})
	if err != nil {
		t.Fatal(err)
	}
	o = optionOf(t, g)
	if sub := o["title"].(map[string]any)["subtext"].(string); !strings.Contains(sub, "slab y = 1.5 … 3.5 Å: 1 of 3 nodes, 0 of 2 edges, 0 atoms") {
		t.Errorf("slab subtitle %q", sub)
	}
	if _, err := GraphView(GraphPlot{Nodes: nodes, Edges: [][2]int{{0, 3}}, Drop: AxisZ}); err == nil || !strings.Contains(err.Error(), "edges[0] = [0 3]: node index 3") {
		t.Errorf("bad edge: err = %v", err)
	}
	if _, err := GraphView(GraphPlot{Drop: AxisZ}); err == nil {
		t.Error("no nodes: no error")
	}
	if _, err := GraphView(GraphPlot{Nodes: nodes, Drop: AxisZ, Slab: -1}); err == nil || !strings.Contains(err.Error(), "Slab = -1") {
		t.Errorf("negative slab: err = %v", err)
	}
}

func TestWalkPaths(t *testing.T) {
	// The third seed was on a peak already: a one-point path (no line, but a start and an end).
	paths := [][][3]float64{{{0, 0, 0}, {0.05, 0, 0}, {0.1, 0.02, 0}}, {{3, 3, 1}, {2.95, 3, 1}}, {{1, 1, 1}}}
	atoms := [][3]float64{{0.1, 0, 0}, {50, 50, 50}}
	sc, err := WalkPaths(paths, atoms, AxisZ)
	if err != nil {
		t.Fatal(err)
	}
	o := optionOf(t, sc)
	ss := seriesOf(t, o)
	names := []string{"paths", "start (seed)", "end (peak)", "atoms"}
	if len(ss) != len(names) {
		t.Fatalf("series %v", ss)
	}
	for i, n := range names {
		if ss[i]["name"] != n {
			t.Errorf("series %d = %v, want %s", i, ss[i]["name"], n)
		}
	}
	if lines := ss[0]["data"].([]any); len(lines) != 2 {
		t.Errorf("%d path lines, want 2 (a one-point path draws no line: ECharts fails on it)", len(lines))
	}
	starts, ends := points(t, ss[1]), points(t, ss[2])
	if len(starts) != 3 || len(ends) != 3 {
		t.Errorf("%d starts, %d ends, want 3", len(starts), len(ends))
	}
	if num(t, starts[1][0]) != 3 || num(t, ends[0][0]) != 0.1 || num(t, ends[0][1]) != 0.02 {
		t.Errorf("starts %v, ends %v", starts, ends)
	}
	if a := points(t, ss[3]); len(a) != 1 {
		t.Errorf("atoms far from the paths drawn: %v", a)
	}
	if title := o["title"].(map[string]any)["text"].(string); !strings.Contains(title, "paths") {
		t.Errorf("title %q", title)
	}
	if _, err := WalkPaths([][][3]float64{{}}, nil, AxisZ); err == nil || !strings.Contains(err.Error(), "paths[0] is empty") {
		t.Errorf("empty path: err = %v", err)
	}
}

func TestGraphVsModel3D(t *testing.T) {
	g := Graph3D{
		Nodes: [][3]float64{{0, 0, 0}, {1, 2, 3}, {2, 0, 0}},
		Edges: [][2]int{{0, 1}, {1, 2}},
		Atoms: [][3]float64{{0.5, 0, 0}, {1, 2, 3.5}, {4, 4, 4}},
		Trace: [][][3]float64{{{0, 0, 0}, {3.8, 0, 0}}, {{10, 0, 0}, {10, 3.8, 0}}},
	}
	sc, err := GraphVsModel3D(g)
	if err != nil {
		t.Fatal(err)
	}
	o := optionOf(t, sc)
	ss := seriesOf(t, o)
	var types []string
	count := map[string]int{}
	for _, s := range ss {
		types = append(types, s["type"].(string))
		count[s["name"].(string)]++
	}
	if count["nodes"] != 1 || count["atoms"] != 1 || count["edges"] != 1 || count["Cα trace"] != 2 {
		t.Errorf("series by name %v (types %v)", count, types)
	}
	legend := o["legend"].(map[string]any)["data"].([]any)
	if len(legend) != 4 {
		t.Errorf("legend %v, want nodes, edges, atoms, Cα trace", legend)
	}
	// Axes fitted to the data (x 0…10, y 0…4, z 0…4, 1 Å margins) with equal
	// scales, ending on the tick interval (12 Å / 4 → 2 Å).
	x, y := o["xAxis3D"].(map[string]any), o["yAxis3D"].(map[string]any)
	if num(t, x["min"]) != -2 || num(t, x["max"]) != 12 || num(t, y["max"]) != 6 || num(t, x["interval"]) != 2 {
		t.Errorf("axes %v %v", x, y)
	}
	box := o["grid3D"].(map[string]any)
	if w, d := num(t, box["boxWidth"]), num(t, box["boxDepth"]); math.Abs(w/d-14.0/8) > 1e-9 {
		t.Errorf("box %v: width/depth %v, want the axes' 14/8", box, w/d)
	}
	for _, c := range [][2]float64{{0.5, 1}, {3, 2}, {6.75, 5}, {12, 10}, {27, 20}, {99, 50}} {
		if got := niceStep(c[0]); got != c[1] {
			t.Errorf("niceStep(%v) = %v, want %v", c[0], got, c[1])
		}
	}
	if !needsGL(sc, "") {
		t.Error("Scatter3D not detected as needing echarts-gl")
	}
	if _, err := GraphVsModel3D(Graph3D{}); err == nil {
		t.Error("no points: no error")
	}
	if _, err := GraphVsModel3D(Graph3D{Atoms: [][3]float64{{0, math.NaN(), 0}}}); err == nil || !strings.Contains(err.Error(), "atoms[0][1] = NaN") {
		t.Errorf("NaN atom: err = %v", err)
	}
}

func TestCAMetrics(t *testing.T) {
	pts := []CAPoint{
		{Series: "neural", Label: "a", Resolution: 1.5, RMSD: 0.4, Coverage: 95, NodeFraction: 60},
		{Series: "bspline", Label: "a", Resolution: 1.5, RMSD: 0.5, Coverage: 90, NodeFraction: math.NaN()},
	}
	sc, err := CAMetrics(pts, [3][]Ref{{{Value: 1.13, Label: "paper"}}, nil, nil})
	if err != nil {
		t.Fatal(err)
	}
	o := optionOf(t, sc)
	ss := seriesOf(t, o)
	if len(ss) != 6 || len(o["grid"].([]any)) != 3 {
		t.Fatalf("%d series, %d grids; want 2 per panel, 3 panels", len(ss), len(o["grid"].([]any)))
	}
	if n := len(ss[5]["data"].([]any)); n != 0 {
		t.Errorf("NaN node fraction drawn: %v", ss[5]["data"])
	}
	if y := o["yAxis"].([]any)[0].(map[string]any); num(t, y["max"]) < 1.13 {
		t.Errorf("RMSD axis %v hides the paper's 1.13 Å", y)
	}
	if _, err := CAMetrics([]CAPoint{{Series: "x", Resolution: 2, Coverage: 120}}, [3][]Ref{}); err == nil || !strings.Contains(err.Error(), "Coverage = 120") {
		t.Errorf("coverage 120 %%: err = %v", err)
	}
}

func TestReferenceLines(t *testing.T) {
	line, err := LossCurves(LossChart{Title: "fit"}, []LossCurve{{Name: "a", Steps: []int{0, 1}, Loss: []float64{1, 0.1}}})
	if err != nil {
		t.Fatal(err)
	}
	o := optionOf(t, line)
	ml := seriesOf(t, o)[0]["markLine"].(map[string]any)
	if v := num(t, ml["data"].([]any)[0].(map[string]any)["yAxis"]); v != GoodFit {
		t.Errorf("good-fit line at %v, want %v", v, GoodFit)
	}
	// ECharts rounds mark-line values to "precision" decimals (default 2): 4e-4 needs more.
	if num(t, ml["precision"]) < 5 {
		t.Errorf("mark line precision %v would round 4e-4 to 0", ml["precision"])
	}
	y := o["yAxis"].([]any)[0].(map[string]any)
	if num(t, y["min"]) > GoodFit || num(t, y["max"]) < 1 {
		t.Errorf("y axis [%v, %v] does not show the curves and 4e-4", y["min"], y["max"])
	}
	sc, err := InterpolationError("MAE", []ErrorSeries{{Name: "n", Resolution: []float64{2}, Error: []float64{0.05}}}, true,
		Ref{Value: 0.01, Label: "paper: neural"}, Ref{Value: 0.066, Label: "paper: linear"})
	if err != nil {
		t.Fatal(err)
	}
	o = optionOf(t, sc)
	data := seriesOf(t, o)[0]["markLine"].(map[string]any)["data"].([]any)
	if len(data) != 2 || num(t, data[1].(map[string]any)["yAxis"]) != 0.066 {
		t.Errorf("reference lines %v", data)
	}
	if y := o["yAxis"].([]any)[0].(map[string]any); num(t, y["min"]) > 0.01 {
		t.Errorf("log y axis from %v hides the 0.01 reference", y["min"])
	}
	if _, err := InterpolationError("MAE", []ErrorSeries{{Name: "n", Resolution: []float64{2}, Error: []float64{0.05}}}, true,
		Ref{Value: 0, Label: "zero"}); err == nil || !strings.Contains(err.Error(), `refs[0] ("zero") = 0`) {
		t.Errorf("zero reference on a log axis: err = %v", err)
	}
}
