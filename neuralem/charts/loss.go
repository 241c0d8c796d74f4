package charts

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
)

// LossCurve is the training loss of one region (or one run) against the
// optimisation step.
type LossCurve struct {
	Name  string    // series name, e.g. "region 3"
	Steps []int     // optimisation steps
	Loss  []float64 // loss at each step; > 0 and finite (log-scale axis)
}

// patch is a go-echarts configuration visitor that edits the final option map:
// it expresses what go-echarts' option structs cannot (several grids, numeric
// zeros dropped by omitempty, series in Cartesian coordinates for graphs).
type patch struct {
	charts.BaseConfigurationVisitor
	fn func(option map[string]any)
}

func (p patch) Visit(option map[string]any) { p.fn(option) }

// seriesList returns the option's series as generic maps (go-echarts hands
// the visitor its own series structs) and stores them back in the option,
// so that a patch can edit them. A chart accepts one visitor: each builder
// patches once.
func seriesList(o map[string]any) []map[string]any {
	if s, ok := o["series"].([]map[string]any); ok {
		return s
	}
	b, err := json.Marshal(o["series"])
	if err != nil {
		return nil
	}
	var s []map[string]any
	if json.Unmarshal(b, &s) != nil {
		return nil
	}
	o["series"] = s
	return s
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// validateCurve checks one loss curve; where names the curve in errors.
func validateCurve(where string, c LossCurve) error {
	if len(c.Steps) != len(c.Loss) {
		return fmt.Errorf("charts: %s: len(Steps)=%d != len(Loss)=%d", where, len(c.Steps), len(c.Loss))
	}
	if len(c.Loss) == 0 {
		return fmt.Errorf("charts: %s: no points (empty Loss)", where)
	}
	for i, v := range c.Loss {
		if !finite(v) || v <= 0 {
			return fmt.Errorf("charts: %s: Loss[%d] = %v at step %d: the log-scale axis needs positive finite values",
				where, i, v, c.Steps[i])
		}
	}
	return nil
}

// GoodFit is the paper's bound on a region's training loss (MSE on the
// networks' [−1, 1] scale, §2.2): its "natural fit point" needs the best loss
// below 4e-4. Loss charts draw it as a dashed line.
const GoodFit = 4e-4

// LossChart titles a loss chart.
type LossChart struct {
	Title    string
	Subtitle string // optional, e.g. where the curves come from
}

// LossCurves builds a line chart of training loss (MSE on the [−1, 1]
// scale) against the training step (Adam or K-FAC), one series per curve, on a log-scale y
// axis that always shows the paper's good-fit bound [GoodFit], drawn as a
// dashed line. Each point is a [step, loss] pair on a value x axis, so
// curves may have different steps. The legend is below the plot. It returns
// an error for no curves, an empty curve, mismatched lengths, or a loss that
// is not positive and finite.
func LossCurves(c LossChart, curves []LossCurve) (*charts.Line, error) {
	if len(curves) == 0 {
		return nil, fmt.Errorf("charts: LossCurves %q: no curves", c.Title)
	}
	lo, hi := GoodFit, GoodFit
	for ci, cv := range curves {
		if err := validateCurve(fmt.Sprintf("LossCurves %q: curves[%d] (%q)", c.Title, ci, cv.Name), cv); err != nil {
			return nil, err
		}
		for _, v := range cv.Loss {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	line := charts.NewLine()
	line.SetGlobalOptions(
		charts.WithInitializationOpts(opts.Initialization{Width: "900px", Height: "460px"}),
		charts.WithTitleOpts(opts.Title{Title: c.Title, Subtitle: c.Subtitle}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Type: "scroll", Bottom: "0px"}),
		charts.WithXAxisOpts(opts.XAxis{Type: "value", Name: "training step", NameLocation: "middle", NameGap: 25}),
		charts.WithYAxisOpts(opts.YAxis{Type: "log", Name: "MSE, [−1, 1] scale (log)",
			Min: decadeBelow(lo), Max: decadeAbove(hi)}),
		charts.WithGridOpts(opts.Grid{Top: "70px", Left: "80px", Right: "40px", Bottom: "80px"}),
	)
	for ci, cv := range curves {
		data := make([]opts.LineData, len(cv.Loss))
		for i := range cv.Loss {
			data[i] = opts.LineData{Value: []any{cv.Steps[i], cv.Loss[i]}}
		}
		name := cv.Name
		if name == "" {
			name = fmt.Sprintf("curve %d", ci)
		}
		line.AddSeries(name, data, charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(false)}))
	}
	line.Accept(patch{fn: func(o map[string]any) {
		if s := seriesList(o); len(s) > 0 {
			s[0]["markLine"] = refLine("yAxis", GoodFit, "paper's good fit: MSE 4e-4", "#c00000")
		}
	}})
	return line, nil
}

// refLine is an ECharts markLine drawing one dashed reference line at value
// on the given axis ("xAxis" or "yAxis") with a label.
func refLine(axis string, value float64, label, color string) map[string]any {
	return map[string]any{
		"silent": true, "symbol": []string{"none", "none"}, "animation": false, "precision": 8,
		"lineStyle": map[string]any{"type": "dashed", "color": color, "width": 1.5},
		"label":     map[string]any{"formatter": label, "position": "insideEndTop", "color": color},
		"data":      []map[string]any{{axis: value}},
	}
}

// decadeBelow and decadeAbove round a positive value out to a power of ten,
// for log axes.
func decadeBelow(x float64) float64 { return math.Pow(10, math.Floor(math.Log10(x))) }
func decadeAbove(x float64) float64 { return math.Pow(10, math.Ceil(math.Log10(x))) }
