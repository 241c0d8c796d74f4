package charts

import (
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

// LossCurves builds a line chart of training loss against step, one series per
// curve, with a log-scale y axis. Each point is a [step, loss] pair on a value x
// axis, so curves may have different steps. It returns an error for no curves,
// an empty curve, mismatched lengths, or a loss that is not positive and finite.
func LossCurves(title string, curves []LossCurve) (*charts.Line, error) {
	if len(curves) == 0 {
		return nil, fmt.Errorf("charts: LossCurves %q: no curves", title)
	}
	line := charts.NewLine()
	line.SetGlobalOptions(
		charts.WithInitializationOpts(opts.Initialization{Width: "900px", Height: "420px"}),
		charts.WithTitleOpts(opts.Title{Title: title}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Type: "scroll", Top: "28px"}),
		charts.WithXAxisOpts(opts.XAxis{Type: "value", Name: "step", NameLocation: "middle", NameGap: 25}),
		charts.WithYAxisOpts(opts.YAxis{Type: "log", Name: "loss"}),
		charts.WithGridOpts(opts.Grid{Top: "70px", Left: "70px", Right: "40px"}),
	)
	for ci, c := range curves {
		if err := validateCurve(fmt.Sprintf("LossCurves %q: curves[%d] (%q)", title, ci, c.Name), c); err != nil {
			return nil, err
		}
		data := make([]opts.LineData, len(c.Loss))
		for i := range c.Loss {
			data[i] = opts.LineData{Value: []any{c.Steps[i], c.Loss[i]}}
		}
		name := c.Name
		if name == "" {
			name = fmt.Sprintf("curve %d", ci)
		}
		line.AddSeries(name, data, charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(false)}))
	}
	return line, nil
}
