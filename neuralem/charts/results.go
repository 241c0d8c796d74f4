package charts

import (
	"fmt"
	"math"
	"sort"

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

// InterpolationError builds a scatter chart of error against resolution (Å), one
// series per interpolator, each point a [resolution, error] pair. yName labels
// the y axis (e.g. "RMSE" or "gradient error (°)"); logY makes it log-scale, in
// which case errors must be positive.
func InterpolationError(yName string, series []ErrorSeries, logY bool) (*charts.Scatter, error) {
	if len(series) == 0 {
		return nil, fmt.Errorf("charts: InterpolationError: no series")
	}
	sc := charts.NewScatter()
	yType := "value"
	if logY {
		yType = "log"
	}
	sc.SetGlobalOptions(
		charts.WithInitializationOpts(opts.Initialization{Width: "800px", Height: "420px"}),
		charts.WithTitleOpts(opts.Title{Title: "Interpolation error vs resolution"}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true)}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "28px"}),
		charts.WithXAxisOpts(opts.XAxis{Type: "value", Name: "resolution (Å)", NameLocation: "middle", NameGap: 25,
			Scale: opts.Bool(true)}),
		charts.WithYAxisOpts(opts.YAxis{Type: yType, Name: yName, Scale: opts.Bool(true)}),
		charts.WithGridOpts(opts.Grid{Top: "70px", Left: "70px", Right: "40px"}),
	)
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
			data[i] = opts.ScatterData{Value: []any{r, e}, SymbolSize: 10}
		}
		name := s.Name
		if name == "" {
			name = fmt.Sprintf("series %d", si)
		}
		sc.AddSeries(name, data)
	}
	return sc, nil
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
// (Å) in bins of binWidth Å (see [Bins]); the title gives the count and median.
// Bars are categories labelled by their bin's range.
func DistanceHistogram(distances []float64, binWidth float64) (*charts.Bar, error) {
	h, err := Bins(distances, binWidth)
	if err != nil {
		return nil, fmt.Errorf("charts: DistanceHistogram: %w", err)
	}
	sorted := append([]float64(nil), distances...)
	sort.Float64s(sorted)
	median := sorted[len(sorted)/2]
	if len(sorted)%2 == 0 {
		median = (sorted[len(sorted)/2-1] + sorted[len(sorted)/2]) / 2
	}
	labels := make([]string, len(h.Counts))
	data := make([]opts.BarData, len(h.Counts))
	for i, c := range h.Counts {
		labels[i] = fmt.Sprintf("%.2f–%.2f", h.Edges[i], h.Edges[i+1])
		data[i] = opts.BarData{Value: c}
	}
	bar := charts.NewBar()
	bar.SetGlobalOptions(
		charts.WithInitializationOpts(opts.Initialization{Width: "800px", Height: "400px"}),
		charts.WithTitleOpts(opts.Title{Title: "Node–atom distances",
			Subtitle: fmt.Sprintf("n = %d, median = %.3f Å, bin = %g Å", len(distances), median, binWidth)}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true)}),
		charts.WithXAxisOpts(opts.XAxis{Type: "category", Name: "distance (Å)", NameLocation: "middle", NameGap: 30}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: "count"}),
		charts.WithGridOpts(opts.Grid{Top: "70px", Left: "60px", Right: "30px"}),
	)
	bar.SetXAxis(labels).AddSeries("count", data, charts.WithBarChartOpts(opts.BarChart{BarCategoryGap: "5%"}))
	return bar, nil
}

// Sweep is a metric measured over a grid of two parameters.
type Sweep struct {
	Title        string
	XName, YName string    // parameter names, e.g. "width", "learning rate"
	Metric       string    // metric name, e.g. "RMSE"
	X, Y         []float64 // parameter values
	// Values[iy][ix] is the metric at (X[ix], Y[iy]); NaN marks a missing run
	// (drawn as an empty cell). At least one value must be finite.
	Values [][]float64
}

// SweepHeatmap builds a heatmap of a parameter sweep: categories X × Y, colour
// by the metric over the range of its finite values, each cell labelled with its
// value. The series data are [ix, iy, value] triples, "-" for missing cells.
func SweepHeatmap(s Sweep) (*charts.HeatMap, error) {
	if len(s.X) == 0 || len(s.Y) == 0 {
		return nil, fmt.Errorf("charts: SweepHeatmap %q: len(X)=%d, len(Y)=%d: both must be > 0", s.Title, len(s.X), len(s.Y))
	}
	if len(s.Values) != len(s.Y) {
		return nil, fmt.Errorf("charts: SweepHeatmap %q: len(Values)=%d rows, want len(Y)=%d", s.Title, len(s.Values), len(s.Y))
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
				data = append(data, opts.HeatMapData{Value: [3]any{ix, iy, "-"}})
			case math.IsInf(v, 0):
				return nil, fmt.Errorf("charts: SweepHeatmap %q: Values[%d][%d] = %v is infinite (use NaN for a missing run)", s.Title, iy, ix, v)
			default:
				lo, hi = math.Min(lo, v), math.Max(hi, v)
				data = append(data, opts.HeatMapData{Value: [3]any{ix, iy, v}})
			}
		}
	}
	if lo > hi {
		return nil, fmt.Errorf("charts: SweepHeatmap %q: no finite value in Values (all %d runs missing)", s.Title, len(s.X)*len(s.Y))
	}
	if lo == hi {
		lo, hi = lo-0.5, hi+0.5
	}
	label := func(vs []float64) []string {
		out := make([]string, len(vs))
		for i, v := range vs {
			out[i] = fmt.Sprintf("%g", v)
		}
		return out
	}
	hm := charts.NewHeatMap()
	hm.SetGlobalOptions(
		charts.WithInitializationOpts(opts.Initialization{Width: "800px", Height: "480px"}),
		charts.WithTitleOpts(opts.Title{Title: s.Title, Subtitle: s.Metric}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true)}),
		charts.WithXAxisOpts(opts.XAxis{Type: "category", Name: s.XName, NameLocation: "middle", NameGap: 30,
			Data: label(s.X)}),
		charts.WithYAxisOpts(opts.YAxis{Type: "category", Name: s.YName, Data: label(s.Y)}),
		charts.WithGridOpts(opts.Grid{Top: "70px", Left: "90px", Right: "40px", Bottom: "110px"}),
	)
	// HeatMap.Validate does not copy SetXAxis data into the axis: set it in the axis.
	hm.AddSeries(s.Metric, data,
		charts.WithLabelOpts(opts.Label{Show: opts.Bool(true), Formatter: "{@[2]}"}))
	hm.Accept(patch{fn: func(o map[string]any) {
		o["visualMap"] = []map[string]any{{"type": "continuous", "min": lo, "max": hi, "calculable": true, "precision": 3,
			"orient": "horizontal", "left": "center", "bottom": 10,
			"inRange": map[string]any{"color": []string{"#440154", "#3b528b", "#21918c", "#5ec962", "#fde725"}}}}
	}})
	return hm, nil
}
