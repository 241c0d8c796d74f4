package charts

import (
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
)

// SNRSeries is one method's error at several noise levels.
type SNRSeries struct {
	Name  string    // method, e.g. "neural-random (white noise)"
	SNR   []float64 // peak/σ of each point; +Inf for the noise-free input
	Error []float64 // error at each SNR (any unit; label it in yName)
}

// snrLabel is the x-axis category of an SNR: "∞" for +Inf.
func snrLabel(s float64) string {
	if math.IsInf(s, 1) {
		return "∞"
	}
	return strconv.FormatFloat(s, 'g', -1, 64)
}

// SNRAxisName is the x-axis name of ErrorVsSNR: the noise level as the
// signal peak over the noise's standard deviation, a ratio without unit.
const SNRAxisName = "noise level: peak/σ (ratio, ∞ = no noise)"

// ErrorVsSNR builds a line chart of error against noise level, one series
// per method. The x axis is a category axis of every series' SNRs in
// increasing order, labelled SNRAxisName with the noise-free input ("∞") at
// the right end; a series without a point at some SNR has a gap there.
// yName labels the y axis (say the unit); logY makes it log-scale, in
// which case errors must be positive. It returns an error for no series,
// an empty series, mismatched lengths, a repeated SNR within a series, an
// SNR that is not positive, or an error that is not finite.
func ErrorVsSNR(title, yName string, series []SNRSeries, logY bool) (*charts.Line, error) {
	if len(series) == 0 {
		return nil, fmt.Errorf("charts: ErrorVsSNR %q: no series", title)
	}
	var snrs []float64
	for si, s := range series {
		where := fmt.Sprintf("ErrorVsSNR %q: series[%d] (%q)", title, si, s.Name)
		if len(s.SNR) != len(s.Error) {
			return nil, fmt.Errorf("charts: %s: len(SNR)=%d != len(Error)=%d", where, len(s.SNR), len(s.Error))
		}
		if len(s.SNR) == 0 {
			return nil, fmt.Errorf("charts: %s: no points", where)
		}
		for i, x := range s.SNR {
			if !(x > 0) {
				return nil, fmt.Errorf("charts: %s: SNR[%d] = %v, want > 0 (+Inf: no noise)", where, i, x)
			}
			if slices.Index(s.SNR, x) != i {
				return nil, fmt.Errorf("charts: %s: SNR[%d] = %v is repeated", where, i, x)
			}
			if e := s.Error[i]; !finite(e) || (logY && e <= 0) {
				return nil, fmt.Errorf("charts: %s: Error[%d] = %v at SNR %v is not %s", where, i, e, x,
					map[bool]string{false: "finite", true: "positive and finite (log y axis)"}[logY])
			}
			if !slices.Contains(snrs, x) {
				snrs = append(snrs, x)
			}
		}
	}
	slices.Sort(snrs)
	cats := make([]string, len(snrs))
	for i, x := range snrs {
		cats[i] = snrLabel(x)
	}
	yType := "value"
	if logY {
		yType = "log"
	}
	line := charts.NewLine()
	line.SetGlobalOptions(
		charts.WithInitializationOpts(opts.Initialization{Width: "800px", Height: "470px"}),
		charts.WithTitleOpts(opts.Title{Title: title}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		// Below the plot, wrapping onto a second row: a scrolling legend hid
		// the last methods behind its pager.
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Bottom: "0px"}),
		charts.WithXAxisOpts(opts.XAxis{Type: "category", Name: SNRAxisName, NameLocation: "middle", NameGap: 25}),
		// The y-axis name is centred along the axis: at the top it ran off the chart's left edge.
		charts.WithYAxisOpts(opts.YAxis{Type: yType, Name: yName, NameLocation: "middle", NameGap: 50, Scale: opts.Bool(true)}),
		charts.WithGridOpts(opts.Grid{Top: "50px", Left: "80px", Right: "40px", Bottom: "110px"}),
	)
	line.SetXAxis(cats)
	for si, s := range series {
		data := make([]opts.LineData, len(snrs))
		for i, x := range snrs {
			data[i] = opts.LineData{Value: "-"} // echarts' missing value
			if k := slices.Index(s.SNR, x); k >= 0 {
				data[i] = opts.LineData{Value: s.Error[k]}
			}
		}
		name := s.Name
		if name == "" {
			name = fmt.Sprintf("series %d", si)
		}
		line.AddSeries(name, data)
	}
	return line, nil
}
