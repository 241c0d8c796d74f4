package charts

import (
	"fmt"

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

// NodesVsAtoms builds a 3-D scatter (echarts-gl) of graph nodes and atom
// positions, both in Å, as two series "nodes" and "atoms". Either may be empty,
// not both. 3-D charts need the echarts-gl bundle, which [HTML], [WritePage] and
// [Display] add.
func NodesVsAtoms(nodes, atoms [][3]float64) (*charts.Scatter3D, error) {
	if len(nodes) == 0 && len(atoms) == 0 {
		return nil, fmt.Errorf("charts: NodesVsAtoms: no nodes and no atoms")
	}
	if err := checkPoints("NodesVsAtoms", "nodes", nodes); err != nil {
		return nil, err
	}
	if err := checkPoints("NodesVsAtoms", "atoms", atoms); err != nil {
		return nil, err
	}
	sc := charts.NewScatter3D()
	sc.SetGlobalOptions(
		charts.WithInitializationOpts(opts.Initialization{Width: "800px", Height: "600px"}),
		charts.WithTitleOpts(opts.Title{Title: "Graph nodes vs atoms",
			Subtitle: fmt.Sprintf("%d nodes, %d atoms (Å)", len(nodes), len(atoms))}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "40px"}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true)}),
		charts.WithXAxis3DOpts(opts.XAxis3D{Name: "x (Å)", Type: "value"}),
		charts.WithYAxis3DOpts(opts.YAxis3D{Name: "y (Å)", Type: "value"}),
		charts.WithZAxis3DOpts(opts.ZAxis3D{Name: "z (Å)", Type: "value"}),
	)
	add := func(name string, pts [][3]float64, size int, color string) {
		if len(pts) == 0 {
			return
		}
		data := make([]opts.Chart3DData, len(pts))
		for i, p := range pts {
			data[i] = opts.Chart3DData{Value: []any{p[0], p[1], p[2]}}
		}
		sc.AddSeries(name, data, charts.WithItemStyleOpts(opts.ItemStyle{Color: color}),
			charts.WithSeriesOpts(func(s *charts.SingleSeries) { s.SymbolSize = size }))
	}
	add("nodes", nodes, 6, "#d62728")
	add("atoms", atoms, 4, "#1f77b4")
	return sc, nil
}

// GraphView builds a 2-D view of a density graph: the nodes (Å) projected along
// the axis drop onto the plane of the other two, the edges (pairs of node
// indices) as lines, and optionally the atoms (Å, may be nil) projected the same
// way as a scatter series. The graph series uses Cartesian coordinates, so the
// axes are in Å and keep the geometry (no force layout).
func GraphView(nodes [][3]float64, edges [][2]int, atoms [][3]float64, drop Axis) (*charts.Graph, error) {
	if len(nodes) == 0 {
		return nil, fmt.Errorf("charts: GraphView: no nodes")
	}
	if drop < AxisX || drop > AxisZ {
		return nil, fmt.Errorf("charts: GraphView: drop = %d, want AxisX, AxisY or AxisZ", int(drop))
	}
	if err := checkPoints("GraphView", "nodes", nodes); err != nil {
		return nil, err
	}
	if err := checkPoints("GraphView", "atoms", atoms); err != nil {
		return nil, err
	}
	for i, e := range edges {
		for _, n := range e {
			if n < 0 || n >= len(nodes) {
				return nil, fmt.Errorf("charts: GraphView: edges[%d] = %v: node index %d out of range [0, %d)", i, e, n, len(nodes))
			}
		}
	}
	u, v := drop.inPlane()
	proj := func(pts [][3]float64) [][2]float64 {
		out := make([][2]float64, len(pts))
		for i, p := range pts {
			out[i] = [2]float64{p[u], p[v]}
		}
		return out
	}
	links := make([]map[string]int, len(edges))
	for i, e := range edges {
		links[i] = map[string]int{"source": e[0], "target": e[1]}
	}
	g := charts.NewGraph()
	g.SetGlobalOptions(
		charts.WithInitializationOpts(opts.Initialization{Width: "800px", Height: "700px"}),
		charts.WithTitleOpts(opts.Title{Title: "Density graph",
			Subtitle: fmt.Sprintf("%d nodes, %d edges, projected along %v", len(nodes), len(edges), drop)}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true)}),
	)
	// go-echarts' Graph has no Cartesian axes and drops zero node coordinates
	// (float32 omitempty): the patch writes the series and axes directly.
	g.AddSeries("graph", nil, nil)
	nodeXY, atomXY := proj(nodes), proj(atoms)
	g.Accept(patch{fn: func(o map[string]any) {
		series := []map[string]any{{
			"name": "graph", "type": "graph", "coordinateSystem": "cartesian2d", "layout": "none",
			"data": nodeXY, "links": links, "symbolSize": 6,
			"itemStyle": map[string]any{"color": "#d62728"},
			"lineStyle": map[string]any{"color": "#555", "width": 1, "opacity": 0.8},
		}}
		legend := []string{"graph"}
		if len(atomXY) > 0 {
			series = append(series, map[string]any{"name": "atoms", "type": "scatter", "data": atomXY,
				"symbolSize": 4, "itemStyle": map[string]any{"color": "#1f77b4", "opacity": 0.6}})
			legend = append(legend, "atoms")
		}
		o["series"] = series
		o["legend"] = map[string]any{"show": true, "data": legend, "top": 40}
		o["grid"] = map[string]any{"top": 80, "left": 70, "right": 30, "bottom": 60}
		o["xAxis"] = map[string]any{"type": "value", "name": u.String() + " (Å)", "nameLocation": "middle",
			"nameGap": 25, "scale": true}
		o["yAxis"] = map[string]any{"type": "value", "name": v.String() + " (Å)", "scale": true}
	}})
	return g, nil
}
