package charts

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
)

// ErrorSeries is the interpolation error of one interpolator at several map
// resolutions.
type ErrorSeries struct {
	Name       string    // interpolator, e.g. "trilinear", "tricubic", "neural"
	Resolution []float64 // map resolution (Å)
	Error      []float64 // error at each resolution (any unit; label it in yName)
}

// Ref is a reference value drawn as a dashed horizontal line with a label,
// such as a number the paper reports.
type Ref struct {
	Value float64
	Label string
}

// InterpolationError builds a scatter chart of error against resolution (Å), one
// series per interpolator, each point a [resolution, error] pair. yName labels
// the y axis (say the unit and scale, e.g. "MAE, [0, 1] scale"); logY makes it
// log-scale, in which case errors must be positive. refs are drawn as dashed
// horizontal lines (e.g. the paper's Figure 5 values). The legend is below
// the plot.
func InterpolationError(yName string, series []ErrorSeries, logY bool, refs ...Ref) (*charts.Scatter, error) {
	if len(series) == 0 {
		return nil, fmt.Errorf("charts: InterpolationError: no series")
	}
	sc := charts.NewScatter()
	yType := "value"
	if logY {
		yType = "log"
	}
	sc.SetGlobalOptions(
		charts.WithInitializationOpts(opts.Initialization{Width: "800px", Height: "460px"}),
		charts.WithTitleOpts(opts.Title{Title: "Interpolation error vs resolution"}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true)}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Bottom: "0px"}),
		charts.WithXAxisOpts(opts.XAxis{Type: "value", Name: "resolution (Å)", NameLocation: "middle", NameGap: 25,
			Scale: opts.Bool(true)}),
		charts.WithYAxisOpts(opts.YAxis{Type: yType, Name: yName, NameLocation: "middle", NameGap: 50, Scale: opts.Bool(true)}),
		charts.WithGridOpts(opts.Grid{Top: "60px", Left: "80px", Right: "40px", Bottom: "80px"}),
	)
	lo, hi := math.Inf(1), math.Inf(-1)
	for si, s := range series {
		where := fmt.Sprintf("InterpolationError: series[%d] (%q)", si, s.Name)
		if len(s.Resolution) != len(s.Error) {
			return nil, fmt.Errorf("charts: %s: len(Resolution)=%d != len(Error)=%d", where, len(s.Resolution), len(s.Error))
		}
		if len(s.Error) == 0 {
			return nil, fmt.Errorf("charts: %s: no points", where)
		}
		data := make([]opts.ScatterData, len(s.Error))
		for i := range s.Error {
			r, e := s.Resolution[i], s.Error[i]
			if !finite(r) || r <= 0 {
				return nil, fmt.Errorf("charts: %s: Resolution[%d] = %v, want a positive finite value (Å)", where, i, r)
			}
			if !finite(e) || (logY && e <= 0) {
				return nil, fmt.Errorf("charts: %s: Error[%d] = %v is not %s", where, i, e,
					map[bool]string{false: "finite", true: "positive and finite (log y axis)"}[logY])
			}
			lo, hi = math.Min(lo, e), math.Max(hi, e)
			data[i] = opts.ScatterData{Value: []any{r, e}, SymbolSize: 10}
		}
		name := s.Name
		if name == "" {
			name = fmt.Sprintf("series %d", si)
		}
		sc.AddSeries(name, data)
	}
	for i, r := range refs {
		if !finite(r.Value) || (logY && r.Value <= 0) {
			return nil, fmt.Errorf("charts: InterpolationError: refs[%d] (%q) = %v is not a value the y axis can show", i, r.Label, r.Value)
		}
		lo, hi = math.Min(lo, r.Value), math.Max(hi, r.Value)
	}
	if logY {
		sc.SetGlobalOptions(charts.WithYAxisOpts(opts.YAxis{Type: yType, Name: yName, NameLocation: "middle", NameGap: 50,
			Min: decadeBelow(lo), Max: decadeAbove(hi)}))
	}
	addRefs(sc, refs)
	return sc, nil
}

// refColors are the colours of successive reference lines.
var refColors = []string{"#c00000", "#7f7f7f", "#8c564b", "#9467bd"}

// addRefs adds refs as dashed horizontal lines to the first series of c.
func addRefs(c interface {
	Accept(charts.ConfigurationVisitor)
}, refs []Ref) {
	if len(refs) == 0 {
		return
	}
	c.Accept(patch{fn: func(o map[string]any) {
		s := seriesList(o)
		if len(s) == 0 {
			return
		}
		s[0]["markLine"] = refLines(refs)
	}})
}

// refLines is an ECharts markLine drawing refs as dashed horizontal lines,
// each in its colour with its label. "precision" keeps small values: ECharts
// rounds mark-line values to 2 decimals by default (4e-4 would become 0).
func refLines(refs []Ref) map[string]any {
	var data []map[string]any
	for i, r := range refs {
		col := refColors[i%len(refColors)]
		data = append(data, map[string]any{"yAxis": r.Value, "label": map[string]any{"formatter": r.Label, "color": col},
			"lineStyle": map[string]any{"color": col}})
	}
	return map[string]any{"silent": true, "symbol": []string{"none", "none"}, "animation": false, "precision": 8,
		"lineStyle": map[string]any{"type": "dashed", "width": 1.5},
		"label":     map[string]any{"position": "insideEndTop"}, "data": data}
}

// Histogram holds counts of values in consecutive bins: bin i is
// [Edges[i], Edges[i+1]) except the last, which also holds its upper edge.
type Histogram struct {
	Edges  []float64 // len(Counts)+1 bin edges
	Counts []int
}

// Bins returns the histogram of non-negative values (distances, in Å) in bins of
// width binWidth starting at 0: value x falls in bin floor(x/binWidth), and there
// are just enough bins to hold the largest value.
func Bins(values []float64, binWidth float64) (Histogram, error) {
	if len(values) == 0 {
		return Histogram{}, fmt.Errorf("charts: Bins: no values")
	}
	if !finite(binWidth) || binWidth <= 0 {
		return Histogram{}, fmt.Errorf("charts: Bins: binWidth = %v, want a positive finite width", binWidth)
	}
	maxV := 0.0
	for i, v := range values {
		if !finite(v) || v < 0 {
			return Histogram{}, fmt.Errorf("charts: Bins: values[%d] = %v, want a non-negative finite value", i, v)
		}
		maxV = math.Max(maxV, v)
	}
	n := int(math.Floor(maxV/binWidth)) + 1
	if n > 1_000_000 {
		return Histogram{}, fmt.Errorf("charts: Bins: binWidth = %v gives %d bins for max value %v: too many", binWidth, n, maxV)
	}
	h := Histogram{Edges: make([]float64, n+1), Counts: make([]int, n)}
	for i := range h.Edges {
		h.Edges[i] = float64(i) * binWidth
	}
	for _, v := range values {
		b := int(math.Floor(v / binWidth))
		if b >= n {
			b = n - 1
		}
		h.Counts[b]++
	}
	return h, nil
}

// DistanceHistogram builds a bar chart of the histogram of node–atom distances
// (Å) in bins of binWidth Å (see [Bins]) on a distance axis in Å, with the
// matching radius (Å; 0: none) drawn as a dashed vertical line: nodes and
// atoms closer than it count as matched. The subtitle gives the count, the
// median and the share within the radius.
func DistanceHistogram(distances []float64, binWidth, radius float64) (*charts.Bar, error) {
	h, err := Bins(distances, binWidth)
	if err != nil {
		return nil, fmt.Errorf("charts: DistanceHistogram: %w", err)
	}
	if !finite(radius) || radius < 0 {
		return nil, fmt.Errorf("charts: DistanceHistogram: radius = %v Å, want ≥ 0 (0: none)", radius)
	}
	sorted := append([]float64(nil), distances...)
	sort.Float64s(sorted)
	median := sorted[len(sorted)/2]
	if len(sorted)%2 == 0 {
		median = (sorted[len(sorted)/2-1] + sorted[len(sorted)/2]) / 2
	}
	within := sort.SearchFloat64s(sorted, math.Nextafter(radius, math.Inf(1)))
	data := make([]opts.BarData, len(h.Counts))
	for i, c := range h.Counts {
		data[i] = opts.BarData{Value: []any{round((h.Edges[i]+h.Edges[i+1])/2, 6), c}}
	}
	sub := fmt.Sprintf("n = %d, median %.2f Å, bins of %g Å", len(distances), median, binWidth)
	if radius > 0 {
		sub += fmt.Sprintf("; %.0f %% within %g Å", 100*float64(within)/float64(len(distances)), radius)
	}
	bar := charts.NewBar()
	bar.SetGlobalOptions(
		charts.WithInitializationOpts(opts.Initialization{Width: "800px", Height: "400px"}),
		charts.WithTitleOpts(opts.Title{Title: "Distance from each atom to its nearest node", Subtitle: sub}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true)}),
		charts.WithXAxisOpts(opts.XAxis{Type: "value", Name: "distance (Å)", NameLocation: "middle", NameGap: 30,
			Min: 0, Max: h.Edges[len(h.Edges)-1]}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: "atoms"}),
		charts.WithGridOpts(opts.Grid{Top: "70px", Left: "60px", Right: "30px"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false)}),
	)
	bar.AddSeries("atoms", data, charts.WithBarChartOpts(opts.BarChart{BarCategoryGap: "5%"}))
	if radius > 0 {
		bar.Accept(patch{fn: func(o map[string]any) {
			if s := seriesList(o); len(s) > 0 {
				s[0]["barWidth"] = "90%"
				s[0]["markLine"] = refLine("xAxis", radius, fmt.Sprintf("match radius %g Å", radius), "#c00000")
			}
		}})
	}
	return bar, nil
}

// Sweep is a metric measured over a grid of two parameters.
type Sweep struct {
	Title        string
	XName, YName string    // parameter names with units, e.g. "width (features)", "eps (Å)"
	Metric       string    // metric name with its unit, e.g. "best MSE, [−1, 1] scale"
	X, Y         []float64 // parameter values
	// Values[iy][ix] is the metric at (X[ix], Y[iy]); NaN marks a missing run
	// (drawn as an empty cell). At least one value must be finite.
	Values [][]float64
	// LogColor colours by log10 of the metric (errors spanning decades);
	// the values must then be positive.
	LogColor bool
	// Min and Max fix the colour range (Min == Max: the values' range),
	// e.g. 0 and 100 for a percentage.
	Min, Max float64
	// Digits is the number of significant digits of the cell labels
	// (0: 2).
	Digits int
	// Marks outlines cells (e.g. the paper's defaults) and names them in
	// the subtitle.
	Marks []SweepMark
	// XLabels and YLabels, if set, name the X and Y values on the axes
	// (e.g. "random", "learned" for 0 and 1); by default the values are
	// printed.
	XLabels, YLabels []string
}

// SweepMark is one outlined cell of a sweep: the parameters at X and Y, and
// what it is.
type SweepMark struct {
	X, Y  float64
	Label string
}

// SweepHeatmap builds a heatmap of a parameter sweep: categories X × Y,
// colour by the metric (or its log, Sweep.LogColor) on a colour bar labelled
// with the metric, each cell labelled with its value rounded to
// Sweep.Digits significant digits, and the marked cells outlined. The
// series data are [ix, iy, colour value] triples ("-" for missing cells)
// whose names are the labels.
func SweepHeatmap(s Sweep) (*charts.HeatMap, error) {
	if len(s.X) == 0 || len(s.Y) == 0 {
		return nil, fmt.Errorf("charts: SweepHeatmap %q: len(X)=%d, len(Y)=%d: both must be > 0", s.Title, len(s.X), len(s.Y))
	}
	if len(s.Values) != len(s.Y) {
		return nil, fmt.Errorf("charts: SweepHeatmap %q: len(Values)=%d rows, want len(Y)=%d", s.Title, len(s.Values), len(s.Y))
	}
	digits := s.Digits
	if digits <= 0 {
		digits = 2
	}
	var markNames []string
	for i, m := range s.Marks {
		if !slices.Contains(s.X, m.X) || !slices.Contains(s.Y, m.Y) {
			return nil, fmt.Errorf("charts: SweepHeatmap %q: Marks[%d] (%q) at (%g, %g) is not a cell of the sweep", s.Title, i, m.Label, m.X, m.Y)
		}
		markNames = append(markNames, m.Label)
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	var data []opts.HeatMapData
	for iy, row := range s.Values {
		if len(row) != len(s.X) {
			return nil, fmt.Errorf("charts: SweepHeatmap %q: len(Values[%d])=%d, want len(X)=%d", s.Title, iy, len(row), len(s.X))
		}
		for ix, v := range row {
			switch {
			case math.IsNaN(v):
				data = append(data, opts.HeatMapData{Value: [3]any{ix, iy, "-"}, Name: "–"})
				continue
			case math.IsInf(v, 0):
				return nil, fmt.Errorf("charts: SweepHeatmap %q: Values[%d][%d] = %v is infinite (use NaN for a missing run)", s.Title, iy, ix, v)
			case s.LogColor && v <= 0:
				return nil, fmt.Errorf("charts: SweepHeatmap %q: Values[%d][%d] = %v: a log colour scale needs positive values", s.Title, iy, ix, v)
			}
			c := v
			if s.LogColor {
				c = math.Log10(v)
			}
			lo, hi = math.Min(lo, c), math.Max(hi, c)
			data = append(data, opts.HeatMapData{Value: [3]any{ix, iy, round(c, 6)}, Name: strconv.FormatFloat(v, 'g', digits, 64)})
		}
	}
	if lo > hi {
		return nil, fmt.Errorf("charts: SweepHeatmap %q: no finite value in Values (all %d runs missing)", s.Title, len(s.X)*len(s.Y))
	}
	switch {
	case s.Min < s.Max && s.LogColor:
		if s.Min <= 0 {
			return nil, fmt.Errorf("charts: SweepHeatmap %q: Min = %v: a log colour scale needs Min > 0", s.Title, s.Min)
		}
		lo, hi = math.Log10(s.Min), math.Log10(s.Max)
	case s.Min < s.Max:
		lo, hi = s.Min, s.Max
	case lo == hi:
		lo, hi = lo-0.5, hi+0.5
	}
	label := func(vs []float64, names []string, axis string) ([]string, error) {
		if names != nil {
			if len(names) != len(vs) {
				return nil, fmt.Errorf("charts: SweepHeatmap %q: %d %s labels for %d values", s.Title, len(names), axis, len(vs))
			}
			return names, nil
		}
		out := make([]string, len(vs))
		for i, v := range vs {
			out[i] = strconv.FormatFloat(v, 'g', 4, 64)
		}
		return out, nil
	}
	xl, err := label(s.X, s.XLabels, "X")
	if err != nil {
		return nil, err
	}
	yl, err := label(s.Y, s.YLabels, "Y")
	if err != nil {
		return nil, err
	}
	sub := s.Metric
	if s.LogColor {
		sub += " (log colour scale)"
	}
	if len(markNames) > 0 {
		sub += "; outlined: " + strings.Join(markNames, ", ")
	}
	hm := charts.NewHeatMap()
	hm.SetGlobalOptions(
		charts.WithInitializationOpts(opts.Initialization{Width: "720px", Height: "470px"}),
		charts.WithTitleOpts(opts.Title{Title: s.Title, Subtitle: sub}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Formatter: "{b}"}),
		charts.WithXAxisOpts(opts.XAxis{Type: "category", Name: s.XName, NameLocation: "middle", NameGap: 30,
			Data: xl}),
		charts.WithYAxisOpts(opts.YAxis{Type: "category", Name: s.YName, NameLocation: "middle", NameGap: 60, Data: yl}),
		charts.WithGridOpts(opts.Grid{Top: "70px", Left: "100px", Right: "150px", Bottom: "60px"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false)}),
	)
	// HeatMap.Validate does not copy SetXAxis data into the axis: set it in the axis.
	hm.AddSeries(s.Metric, data,
		charts.WithLabelOpts(opts.Label{Show: opts.Bool(true), Formatter: "{b}"}))
	// The colour bar's end labels: the metric's values (10^x on a log scale).
	ends := []string{fmtTick(hi), fmtTick(lo)}
	if s.LogColor {
		ends = []string{fmtTick(math.Pow(10, hi)), fmtTick(math.Pow(10, lo))}
	}
	hm.Accept(patch{fn: func(o map[string]any) {
		// The colour bar: its end values, and the metric written along it.
		o["visualMap"] = []map[string]any{{"type": "continuous", "min": lo, "max": hi, "calculable": false,
			"orient": "vertical", "right": 60, "top": "middle", "itemHeight": 240, "dimension": 2, "seriesIndex": 0,
			"text": ends, "textGap": 8,
			"inRange": map[string]any{"color": []string{"#440154", "#3b528b", "#21918c", "#5ec962", "#fde725"}}}}
		o["graphic"] = []map[string]any{{"type": "text", "right": 20, "top": "middle", "rotation": -math.Pi / 2,
			"style": map[string]any{"text": s.Metric, "fill": "#333", "font": "12px sans-serif"}}}
		// Marked cells: a second, transparent heatmap series with red
		// borders, drawn above the cells (a border of the cell itself is
		// hidden by the neighbours drawn after it).
		if ser := seriesList(o); len(s.Marks) > 0 {
			var cells [][3]int
			for _, m := range s.Marks {
				cells = append(cells, [3]int{slices.Index(s.X, m.X), slices.Index(s.Y, m.Y), 0})
			}
			o["series"] = append(ser, map[string]any{"name": "marked", "type": "heatmap", "data": cells, "silent": true,
				"itemStyle": map[string]any{"color": "rgba(0,0,0,0)", "borderColor": "#ff2020", "borderWidth": 3}})
		}
	}})
	return hm, nil
}
