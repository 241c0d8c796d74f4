package charts

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"testing"
)

// optionOf returns c's option as generic JSON, after the chart's own validation
// (as go-echarts does before rendering).
func optionOf(t *testing.T, c interface {
	Validate()
	JSON() map[string]any
}) map[string]any {
	t.Helper()
	c.Validate()
	b, err := json.Marshal(c.JSON())
	if err != nil {
		t.Fatalf("marshal option: %v", err)
	}
	var o map[string]any
	if err := json.Unmarshal(b, &o); err != nil {
		t.Fatalf("unmarshal option: %v", err)
	}
	return o
}

func seriesOf(t *testing.T, o map[string]any) []map[string]any {
	t.Helper()
	raw, ok := o["series"].([]any)
	if !ok {
		t.Fatalf("option has no series list: %v", o["series"])
	}
	out := make([]map[string]any, len(raw))
	for i, s := range raw {
		out[i] = s.(map[string]any)
	}
	return out
}

// points returns a series' data as [][]float64 (each point's "value" or the
// point itself when it is a bare array).
func points(t *testing.T, s map[string]any) [][]any {
	t.Helper()
	raw, ok := s["data"].([]any)
	if !ok {
		t.Fatalf("series %v has no data list", s["name"])
	}
	out := make([][]any, len(raw))
	for i, d := range raw {
		switch d := d.(type) {
		case map[string]any:
			out[i] = d["value"].([]any)
		case []any:
			out[i] = d
		default:
			t.Fatalf("series %v point %d: unexpected %T", s["name"], i, d)
		}
	}
	return out
}

func num(t *testing.T, v any) float64 {
	t.Helper()
	f, ok := v.(float64)
	if !ok {
		t.Fatalf("%v (%T) is not a number", v, v)
	}
	return f
}

func TestLossCurves(t *testing.T) {
	curves := []LossCurve{
		{Name: "region 0", Steps: []int{0, 10, 20}, Loss: []float64{1, 0.1, 0.01}},
		{Name: "region 1", Steps: []int{0, 5}, Loss: []float64{2, 0.5}},
	}
	line, err := LossCurves(LossChart{Title: "fit"}, curves)
	if err != nil {
		t.Fatal(err)
	}
	o := optionOf(t, line)
	ss := seriesOf(t, o)
	if len(ss) != 2 || ss[0]["name"] != "region 0" || ss[1]["name"] != "region 1" {
		t.Fatalf("series = %v", ss)
	}
	for si, s := range ss {
		if s["type"] != "line" {
			t.Errorf("series %d type %v", si, s["type"])
		}
		pts := points(t, s)
		c := curves[si]
		if len(pts) != len(c.Loss) {
			t.Fatalf("series %d: %d points, want %d", si, len(pts), len(c.Loss))
		}
		for i, p := range pts {
			if num(t, p[0]) != float64(c.Steps[i]) || num(t, p[1]) != c.Loss[i] {
				t.Errorf("series %d point %d = %v, want [%d %v]", si, i, p, c.Steps[i], c.Loss[i])
			}
		}
	}
	y := o["yAxis"].([]any)[0].(map[string]any)
	if y["type"] != "log" {
		t.Errorf("y axis type = %v, want log", y["type"])
	}
	x := o["xAxis"].([]any)[0].(map[string]any)
	if x["type"] != "value" {
		t.Errorf("x axis type = %v, want value", x["type"])
	}
}

func TestLossCurvesErrors(t *testing.T) {
	for name, tc := range map[string]struct {
		curves []LossCurve
		want   string
	}{
		"none":     {nil, "no curves"},
		"empty":    {[]LossCurve{{Name: "a"}}, "no points"},
		"mismatch": {[]LossCurve{{Name: "a", Steps: []int{1, 2}, Loss: []float64{1}}}, "len(Steps)=2 != len(Loss)=1"},
		"zero":     {[]LossCurve{{Name: "a", Steps: []int{1, 2}, Loss: []float64{1, 0}}}, `curves[0] ("a"): Loss[1] = 0 at step 2`},
		"nan":      {[]LossCurve{{Name: "a", Steps: []int{7}, Loss: []float64{math.NaN()}}}, "Loss[0] = NaN"},
	} {
		_, err := LossCurves(LossChart{Title: "fit"}, tc.curves)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want it to contain %q", name, err, tc.want)
		}
	}
}

func TestSlice(t *testing.T) {
	shape := [3]int{4, 3, 2}
	data := make([]float32, 24)
	val := func(i, j, k int) float32 { return float32(100*i + 10*j + k) }
	for k := range 2 {
		for j := range 3 {
			for i := range 4 {
				data[i+4*(j+3*k)] = val(i, j, k)
			}
		}
	}
	for _, tc := range []struct {
		axis          Axis
		index         int
		u, v          Axis
		width, height int
		at            func(a, b int) float32
	}{
		{AxisZ, 1, AxisX, AxisY, 4, 3, func(a, b int) float32 { return val(a, b, 1) }},
		{AxisY, 2, AxisX, AxisZ, 4, 2, func(a, b int) float32 { return val(a, 2, b) }},
		{AxisX, 3, AxisY, AxisZ, 3, 2, func(a, b int) float32 { return val(3, a, b) }},
	} {
		s, err := Slice(data, shape, tc.axis, tc.index)
		if err != nil {
			t.Fatal(err)
		}
		if s.U != tc.u || s.V != tc.v || s.Width != tc.width || s.Height != tc.height {
			t.Fatalf("axis %v: slice U=%v V=%v %dx%d, want %v %v %dx%d", tc.axis, s.U, s.V, s.Width, s.Height, tc.u, tc.v, tc.width, tc.height)
		}
		for b := range s.Height {
			for a := range s.Width {
				if got, want := s.At(a, b), tc.at(a, b); got != want {
					t.Errorf("axis %v index %d: At(%d,%d) = %v, want %v", tc.axis, tc.index, a, b, got, want)
				}
			}
		}
	}
	for name, tc := range map[string]struct {
		data  []float32
		shape [3]int
		axis  Axis
		index int
		want  string
	}{
		"short": {data[:23], shape, AxisZ, 0, "len(data) = 23"},
		"shape": {data, [3]int{4, 0, 2}, AxisZ, 0, "shape[1] = 0"},
		"axis":  {data, shape, Axis(3), 0, "axis = 3"},
		"index": {data, shape, AxisZ, 2, "index = 2 along z"},
		"neg":   {data, shape, AxisX, -1, "index = -1 along x"},
	} {
		_, err := Slice(tc.data, tc.shape, tc.axis, tc.index)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want it to contain %q", name, err, tc.want)
		}
	}
}

func TestMapSlices(t *testing.T) {
	shape := [3]int{3, 2, 2}
	orig := make([]float32, 12)
	neural := make([]float32, 12)
	for i := range orig {
		orig[i] = float32(i)
		neural[i] = float32(i) + 0.5*float32(i%3) // differs by 0, 0.5, 1 along x
	}
	hm, err := MapSlices(shape, orig, neural, AxisZ, 1)
	if err != nil {
		t.Fatal(err)
	}
	o := optionOf(t, hm)
	ss := seriesOf(t, o)
	want := []string{"original", "neural", "neural − original"}
	if len(ss) != 3 {
		t.Fatalf("%d series, want 3", len(ss))
	}
	for s := range 3 {
		if ss[s]["name"] != want[s] || ss[s]["type"] != "heatmap" {
			t.Errorf("series %d = %v/%v, want %s heatmap", s, ss[s]["name"], ss[s]["type"], want[s])
		}
		if num(t, ss[s]["xAxisIndex"]) != float64(s) || num(t, ss[s]["yAxisIndex"]) != float64(s) {
			t.Errorf("series %d on axes %v,%v", s, ss[s]["xAxisIndex"], ss[s]["yAxisIndex"])
		}
		pts := points(t, ss[s])
		if len(pts) != 6 {
			t.Fatalf("series %d: %d cells, want 6", s, len(pts))
		}
		for _, p := range pts {
			a, b := int(num(t, p[0])), int(num(t, p[1]))
			idx := a + 3*(b+2*1)
			ov, nv := float64(orig[idx]), float64(neural[idx])
			exp := [3]float64{ov, nv, nv - ov}[s]
			if got := num(t, p[2]); math.Abs(got-exp) > 1e-6 {
				t.Errorf("series %d cell (%d,%d) = %v, want %v", s, a, b, got, exp)
			}
		}
	}
	if n := len(o["grid"].([]any)); n != 3 {
		t.Errorf("%d grids, want 3", n)
	}
	vm := o["visualMap"].([]any)
	if len(vm) != 3 {
		t.Fatalf("%d colour bars, want one per panel (3)", len(vm))
	}
	// Original and neural on the fixed [−1, 1] scale; the difference
	// symmetric about 0 over its range (slice z=1 differs by 0…1).
	for k, want := range [][2]float64{{-1, 1}, {-1, 1}, {-1, 1}} {
		m := vm[k].(map[string]any)
		if num(t, m["min"]) != want[0] || num(t, m["max"]) != want[1] {
			t.Errorf("colour bar %d range [%v, %v], want %v", k, m["min"], m["max"], want)
		}
		if txt := m["text"].([]any); txt[0] != "1" || txt[1] != "−1" {
			t.Errorf("colour bar %d ends %v, want [1 −1]", k, txt)
		}
	}
	titles := o["title"].([]any)
	if sub := titles[0].(map[string]any)["subtext"]; sub != "slice z = 1, [−1, 1] scale" {
		t.Errorf("panel subtitle %q", sub)
	}

	// Two panels on their own scales, no difference: data range vs fixed.
	hm, err = Slices(SliceView{Shape: shape, Axis: AxisZ, Index: 1, Panels: []SlicePanel{
		{Name: "as read", Data: orig, Scale: Scale{Name: "map units"}}, {Name: "normalised", Data: neural, Scale: Scale01}}})
	if err != nil {
		t.Fatal(err)
	}
	o = optionOf(t, hm)
	if n := len(seriesOf(t, o)); n != 2 {
		t.Errorf("%d series, want 2", n)
	}
	vm = o["visualMap"].([]any)
	if m := vm[0].(map[string]any); num(t, m["min"]) != 6 || num(t, m["max"]) != 11 {
		t.Errorf("data-range colour bar [%v, %v], want [6, 11]", m["min"], m["max"])
	}
	if m := vm[1].(map[string]any); num(t, m["min"]) != 0 || num(t, m["max"]) != 1 {
		t.Errorf("[0, 1] colour bar [%v, %v]", m["min"], m["max"])
	}
	if _, err := Slices(SliceView{Shape: shape, Panels: []SlicePanel{{Data: orig}}, Difference: true}); err == nil ||
		!strings.Contains(err.Error(), "Difference needs 2 panels") {
		t.Errorf("difference of one panel: err = %v", err)
	}

	neural[7] = float32(math.NaN())
	if _, err := MapSlices(shape, orig, neural, AxisZ, 1); err == nil || !strings.Contains(err.Error(), `panel 1 ("neural"): voxel (1,0,1) = NaN`) {
		t.Errorf("NaN voxel: err = %v", err)
	}
	if _, err := MapSlices(shape, orig, neural[:5], AxisZ, 1); err == nil || !strings.Contains(err.Error(), `panel 1 ("neural"): charts: Slice: len(data) = 5`) {
		t.Errorf("short neural: err = %v", err)
	}
}

func TestInterpolationError(t *testing.T) {
	series := []ErrorSeries{
		{Name: "trilinear", Resolution: []float64{2, 3, 4}, Error: []float64{0.1, 0.05, 0.02}},
		{Name: "neural", Resolution: []float64{2, 4}, Error: []float64{0.01, 0.005}},
	}
	sc, err := InterpolationError("RMSE", series, true)
	if err != nil {
		t.Fatal(err)
	}
	o := optionOf(t, sc)
	ss := seriesOf(t, o)
	if len(ss) != 2 || ss[0]["name"] != "trilinear" || ss[1]["name"] != "neural" {
		t.Fatalf("series %v", ss)
	}
	for si, s := range ss {
		if s["type"] != "scatter" {
			t.Errorf("series %d type %v", si, s["type"])
		}
		pts := points(t, s)
		for i, p := range pts {
			if num(t, p[0]) != series[si].Resolution[i] || num(t, p[1]) != series[si].Error[i] {
				t.Errorf("series %d point %d = %v", si, i, p)
			}
		}
	}
	if y := o["yAxis"].([]any)[0].(map[string]any); y["type"] != "log" || y["name"] != "RMSE" {
		t.Errorf("y axis %v", y)
	}
	if _, err := InterpolationError("e", []ErrorSeries{{Name: "a", Resolution: []float64{2}, Error: []float64{0}}}, true); err == nil ||
		!strings.Contains(err.Error(), `series[0] ("a"): Error[0] = 0`) {
		t.Errorf("zero error on log axis: err = %v", err)
	}
	if _, err := InterpolationError("e", []ErrorSeries{{Name: "a", Resolution: []float64{-2}, Error: []float64{1}}}, false); err == nil ||
		!strings.Contains(err.Error(), "Resolution[0] = -2") {
		t.Errorf("negative resolution: err = %v", err)
	}
	if _, err := InterpolationError("e", nil, false); err == nil {
		t.Error("no series: no error")
	}
}

func TestBins(t *testing.T) {
	// Hand-counted: width 0.5 → bins [0,.5) [.5,1) [1,1.5) [1.5,2]; 2.0 is the
	// maximum, exactly on an edge, so it opens a fifth bin [2, 2.5).
	h, err := Bins([]float64{0, 0.2, 0.5, 0.75, 0.99, 1.2, 2.0}, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	wantCounts := []int{2, 3, 1, 0, 1}
	if len(h.Counts) != len(wantCounts) || len(h.Edges) != len(wantCounts)+1 {
		t.Fatalf("counts %v edges %v", h.Counts, h.Edges)
	}
	for i, c := range wantCounts {
		if h.Counts[i] != c {
			t.Errorf("Counts[%d] = %d, want %d", i, h.Counts[i], c)
		}
	}
	for i, e := range h.Edges {
		if math.Abs(e-0.5*float64(i)) > 1e-12 {
			t.Errorf("Edges[%d] = %v", i, e)
		}
	}
	for name, tc := range map[string]struct {
		v    []float64
		w    float64
		want string
	}{
		"empty": {nil, 1, "no values"},
		"width": {[]float64{1}, 0, "binWidth = 0"},
		"neg":   {[]float64{1, -0.1}, 1, "values[1] = -0.1"},
		"inf":   {[]float64{math.Inf(1)}, 1, "values[0] = +Inf"},
	} {
		if _, err := Bins(tc.v, tc.w); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", name, err, tc.want)
		}
	}
}

func TestDistanceHistogram(t *testing.T) {
	d := []float64{0.1, 0.3, 0.6, 1.4, 0.2}
	bar, err := DistanceHistogram(d, 0.5, 1)
	if err != nil {
		t.Fatal(err)
	}
	o := optionOf(t, bar)
	ss := seriesOf(t, o)
	if len(ss) != 1 || ss[0]["type"] != "bar" {
		t.Fatalf("series %v", ss)
	}
	pts := points(t, ss[0])
	want := [][2]float64{{0.25, 3}, {0.75, 1}, {1.25, 1}} // bin centre (Å), count
	if len(pts) != len(want) {
		t.Fatalf("%d bars, want %d", len(pts), len(want))
	}
	for i, w := range want {
		if num(t, pts[i][0]) != w[0] || num(t, pts[i][1]) != w[1] {
			t.Errorf("bar %d = %v, want %v", i, pts[i], w)
		}
	}
	x := o["xAxis"].([]any)[0].(map[string]any)
	if x["type"] != "value" || x["name"] != "distance (Å)" || num(t, x["max"]) != 1.5 {
		t.Errorf("x axis %v", x)
	}
	ml := ss[0]["markLine"].(map[string]any)["data"].([]any)[0].(map[string]any)
	if num(t, ml["xAxis"]) != 1 {
		t.Errorf("radius line %v, want xAxis 1", ml)
	}
	// 4 of 5 distances are ≤ 1 Å.
	if sub := o["title"].(map[string]any)["subtext"].(string); !strings.Contains(sub, "n = 5, median 0.30 Å") || !strings.Contains(sub, "80 % within 1 Å") {
		t.Errorf("subtitle %q", sub)
	}
	if _, err := DistanceHistogram(d, 0.5, -1); err == nil || !strings.Contains(err.Error(), "radius = -1") {
		t.Errorf("negative radius: err = %v", err)
	}
	bar, err = DistanceHistogram(d, 0.5, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := seriesOf(t, optionOf(t, bar))[0]["markLine"]; ok {
		t.Error("radius 0 drew a line")
	}
}

func TestSweepHeatmap(t *testing.T) {
	s := Sweep{Title: "sweep", XName: "width", YName: "lr", Metric: "RMSE",
		X: []float64{64, 128, 256}, Y: []float64{1e-4, 5e-4},
		Values: [][]float64{{0.3, 0.2, 0.123456789}, {0.25, math.NaN(), 0.05}},
		Marks:  []SweepMark{{X: 256, Y: 1e-4, Label: "paper"}}}
	hm, err := SweepHeatmap(s)
	if err != nil {
		t.Fatal(err)
	}
	o := optionOf(t, hm)
	ss := seriesOf(t, o)
	if len(ss) != 2 || ss[0]["name"] != "RMSE" || ss[0]["type"] != "heatmap" || ss[1]["type"] != "heatmap" {
		t.Fatalf("series %v, want the metric's heatmap and the marks' outline", ss)
	}
	// The marked cell (256, 1e-4) is outlined by the second series, above the cells.
	if marks := points(t, ss[1]); len(marks) != 1 || num(t, marks[0][0]) != 2 || num(t, marks[0][1]) != 0 {
		t.Errorf("marks %v, want cell (2, 0)", marks)
	}
	if vm := o["visualMap"].([]any)[0].(map[string]any); num(t, vm["seriesIndex"]) != 0 {
		t.Errorf("colour bar applies to series %v, want only the metric's", vm["seriesIndex"])
	}
	items := ss[0]["data"].([]any)
	if len(items) != 6 {
		t.Fatalf("%d cells, want 6", len(items))
	}
	for _, it := range items {
		m := it.(map[string]any)
		p := m["value"].([]any)
		ix, iy := int(num(t, p[0])), int(num(t, p[1]))
		v := s.Values[iy][ix]
		if math.IsNaN(v) {
			if p[2] != "-" || m["name"] != "–" {
				t.Errorf("missing cell (%d,%d) = %v, want \"-\"", ix, iy, m)
			}
			continue
		}
		if math.Abs(num(t, p[2])-v) > 1e-6 {
			t.Errorf("cell (%d,%d) = %v, want %v", ix, iy, p[2], v)
		}
		if want := strconv.FormatFloat(v, 'g', 2, 64); m["name"] != want {
			t.Errorf("cell (%d,%d) label %q, want %q", ix, iy, m["name"], want)
		}
	}
	vm := o["visualMap"].([]any)[0].(map[string]any)
	if num(t, vm["min"]) != 0.05 || num(t, vm["max"]) != 0.3 {
		t.Errorf("colour range [%v, %v], want [0.05, 0.3]", vm["min"], vm["max"])
	}
	if txt := vm["text"].([]any); txt[0] != "0.3" || txt[1] != "0.05" {
		t.Errorf("colour bar text %v", txt)
	}
	if g := o["graphic"].([]any)[0].(map[string]any)["style"].(map[string]any); g["text"] != "RMSE" {
		t.Errorf("colour bar label %v, want the metric", g)
	}
	if sub := o["title"].(map[string]any)["subtext"]; sub != "RMSE; outlined: paper" {
		t.Errorf("subtitle %q", sub)
	}
	xs := o["xAxis"].([]any)[0].(map[string]any)["data"].([]any)
	if len(xs) != 3 || xs[2] != "256" {
		t.Errorf("x labels %v", xs)
	}

	// Log colour scale: colour by log10, labels and colour-bar ends in the metric.
	lg := s
	lg.LogColor, lg.Marks = true, nil
	o = optionOf(t, must(SweepHeatmap(lg)))
	vm = o["visualMap"].([]any)[0].(map[string]any)
	if math.Abs(num(t, vm["min"])-math.Log10(0.05)) > 1e-9 || math.Abs(num(t, vm["max"])-math.Log10(0.3)) > 1e-9 {
		t.Errorf("log colour range [%v, %v]", vm["min"], vm["max"])
	}
	if txt := vm["text"].([]any); txt[0] != "0.3" || txt[1] != "0.05" {
		t.Errorf("log colour bar text %v", txt)
	}
	first := seriesOf(t, o)[0]["data"].([]any)[0].(map[string]any)
	if v := num(t, first["value"].([]any)[2]); math.Abs(v-math.Log10(0.3)) > 1e-6 || first["name"] != "0.3" {
		t.Errorf("log cell %v", first)
	}
	lg.Values = [][]float64{{0.3, 0, 0.1}, {0.25, 0.2, 0.05}}
	if _, err := SweepHeatmap(lg); err == nil || !strings.Contains(err.Error(), "log colour scale needs positive values") {
		t.Errorf("log of 0: err = %v", err)
	}

	named := s
	named.YLabels = []string{"random", "learned"}
	if y := optionOf(t, must(SweepHeatmap(named)))["yAxis"].([]any)[0].(map[string]any)["data"].([]any); y[1] != "learned" {
		t.Errorf("y labels %v", y)
	}
	named.YLabels = []string{"random"}
	if _, err := SweepHeatmap(named); err == nil || !strings.Contains(err.Error(), "1 Y labels for 2 values") {
		t.Errorf("short labels: err = %v", err)
	}

	fixed := s
	fixed.Min, fixed.Max, fixed.Marks = 0, 100, nil
	vm = optionOf(t, must(SweepHeatmap(fixed)))["visualMap"].([]any)[0].(map[string]any)
	if num(t, vm["min"]) != 0 || num(t, vm["max"]) != 100 {
		t.Errorf("fixed colour range [%v, %v], want [0, 100]", vm["min"], vm["max"])
	}

	bad := s
	bad.Marks = []SweepMark{{X: 32, Y: 1e-4, Label: "paper"}}
	if _, err := SweepHeatmap(bad); err == nil || !strings.Contains(err.Error(), `Marks[0] ("paper") at (32, 0.0001) is not a cell`) {
		t.Errorf("mark outside: err = %v", err)
	}
	bad = s
	bad.Values = [][]float64{{math.NaN(), math.NaN(), math.NaN()}, {math.NaN(), math.NaN(), math.NaN()}}
	if _, err := SweepHeatmap(bad); err == nil || !strings.Contains(err.Error(), "no finite value") {
		t.Errorf("all missing: err = %v", err)
	}
	bad.Values = [][]float64{{1, 2, 3}, {1, 2}}
	if _, err := SweepHeatmap(bad); err == nil || !strings.Contains(err.Error(), "len(Values[1])=2") {
		t.Errorf("ragged: err = %v", err)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
