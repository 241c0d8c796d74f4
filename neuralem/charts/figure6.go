package charts

import (
	"fmt"
	"math"
	"slices"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
)

// CAPoint is one density graph's Cα metrics (the paper's Figure 6): the
// map's resolution, the RMSD from each Cα to its closest node, the share of
// Cα atoms with a node within 3 Å, and the share of nodes within 3 Å of a
// Cα.
type CAPoint struct {
	Series       string  // e.g. the field the graph came from: "neural", "bspline"
	Label        string  // e.g. the map's name (shown in the tooltip)
	Resolution   float64 // Å
	RMSD         float64 // Å
	Coverage     float64 // %
	NodeFraction float64 // %
}

// CAMetrics builds the paper's Figure 6 for our graphs: three scatter
// panels against resolution (Å) — closest-node RMSD to Cα atoms (Å), Cα
// coverage within 3 Å (%) and nodes within 3 Å of a Cα (%) — one colour per
// series, with the paper's values for each panel (refs[0], refs[1],
// refs[2]) as dashed lines. NaN metrics are left out; every other value
// must be finite and the percentages within [0, 100].
func CAMetrics(points []CAPoint, refs [3][]Ref) (*charts.Scatter, error) {
	if len(points) == 0 {
		return nil, fmt.Errorf("charts: CAMetrics: no points")
	}
	var names []string
	for i, p := range points {
		if !finite(p.Resolution) || p.Resolution <= 0 {
			return nil, fmt.Errorf("charts: CAMetrics: points[%d] (%q): Resolution = %v, want a positive finite value (Å)", i, p.Label, p.Resolution)
		}
		for _, m := range []struct {
			name   string
			v, max float64
		}{{"RMSD", p.RMSD, math.Inf(1)}, {"Coverage", p.Coverage, 100}, {"NodeFraction", p.NodeFraction, 100}} {
			if math.IsInf(m.v, 0) || m.v < 0 || m.v > m.max {
				return nil, fmt.Errorf("charts: CAMetrics: points[%d] (%q): %s = %v, want a value in [0, %v] (NaN: none)", i, p.Label, m.name, m.v, m.max)
			}
		}
		if !slices.Contains(names, p.Series) {
			names = append(names, p.Series)
		}
	}
	panels := [3]struct{ title, y string }{
		{"Cα to closest node: RMSD", "RMSD (Å)"},
		{"Cα with a node within 3 Å", "coverage (%)"},
		{"nodes within 3 Å of a Cα", "nodes (%)"},
	}
	// The RMSD axis shows every point and the paper's values.
	rmsdMax := 0.0
	for _, p := range points {
		if !math.IsNaN(p.RMSD) {
			rmsdMax = math.Max(rmsdMax, p.RMSD)
		}
	}
	for _, r := range refs[0] {
		rmsdMax = math.Max(rmsdMax, r.Value)
	}
	rmsdMax = math.Max(0.5, math.Ceil(rmsdMax*1.15*4)/4)
	sc := charts.NewScatter()
	sc.SetGlobalOptions(
		charts.WithInitializationOpts(opts.Initialization{Width: "980px", Height: "420px"}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Formatter: "{a}: {b}"}),
	)
	sc.AddSeries("points", nil)
	sc.Accept(patch{fn: func(o map[string]any) {
		var titles, grids, xs, ys, series []map[string]any
		for k, pn := range panels {
			left := 60 + k*320
			titles = append(titles, map[string]any{"text": pn.title, "left": left + 120, "textAlign": "center", "top": 0,
				"textStyle": map[string]any{"fontSize": 14}})
			grids = append(grids, map[string]any{"left": left, "width": 240, "top": 50, "height": 270})
			xs = append(xs, map[string]any{"type": "value", "gridIndex": k, "name": "resolution (Å)",
				"nameLocation": "middle", "nameGap": 25, "scale": true})
			y := map[string]any{"type": "value", "gridIndex": k, "name": pn.y, "nameLocation": "middle", "nameGap": 40}
			if k > 0 {
				y["min"], y["max"] = 0, 100
			} else {
				y["min"], y["max"] = 0, rmsdMax
			}
			ys = append(ys, y)
			for si, name := range names {
				data := []map[string]any{}
				for _, p := range points {
					if p.Series != name {
						continue
					}
					v := [3]float64{p.RMSD, p.Coverage, p.NodeFraction}[k]
					if math.IsNaN(v) {
						continue
					}
					data = append(data, map[string]any{"name": fmt.Sprintf("%s, %.2f Å: %.3g", p.Label, p.Resolution, v),
						"value": []float64{p.Resolution, round(v, 4)}})
				}
				s := map[string]any{"name": name, "type": "scatter", "xAxisIndex": k, "yAxisIndex": k, "data": data,
					"symbolSize": 9, "itemStyle": map[string]any{"color": seriesColors[si%len(seriesColors)]}}
				if si == 0 && len(refs[k]) > 0 {
					s["markLine"] = refLines(refs[k])
				}
				series = append(series, s)
			}
		}
		o["title"] = titles
		o["grid"] = grids
		o["xAxis"] = xs
		o["yAxis"] = ys
		o["series"] = series
		o["legend"] = legendBelow(names)
	}})
	return sc, nil
}

// seriesColors are the colours of successive series in multi-panel charts.
var seriesColors = []string{"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"}
