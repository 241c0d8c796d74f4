package charts

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
)

// Axis is a volume axis: X (fastest in memory), Y or Z.
type Axis int

// The volume axes.
const (
	AxisX Axis = iota
	AxisY
	AxisZ
)

func (a Axis) String() string {
	switch a {
	case AxisX:
		return "x"
	case AxisY:
		return "y"
	case AxisZ:
		return "z"
	}
	return fmt.Sprintf("Axis(%d)", int(a))
}

// inPlane returns the two axes spanning the plane normal to a, in increasing order.
func (a Axis) inPlane() (u, v Axis) {
	switch a {
	case AxisX:
		return AxisY, AxisZ
	case AxisY:
		return AxisX, AxisZ
	}
	return AxisX, AxisY
}

// Slice2D is a 2-D slice of a volume in voxel units. Data is row-major:
// Data[v*Width+u] is the voxel at in-plane indices (u, v), where u runs along
// the axis U and v along V (the two axes other than the slicing one, in x, y, z
// order).
type Slice2D struct {
	U, V          Axis
	Width, Height int // number of voxels along U and V
	Data          []float32
}

// At returns the value at in-plane voxel indices (u, v).
func (s Slice2D) At(u, v int) float32 { return s.Data[v*s.Width+u] }

// Slice extracts the slice index along axis of a dense volume stored X-fastest
// (voxel (i,j,k) at data[i + shape[0]*(j + shape[1]*k)]), as in grid.Grid.
func Slice(data []float32, shape [3]int, axis Axis, index int) (Slice2D, error) {
	for d, n := range shape {
		if n <= 0 {
			return Slice2D{}, fmt.Errorf("charts: Slice: shape[%d] = %d, want > 0", d, n)
		}
	}
	if want := shape[0] * shape[1] * shape[2]; len(data) != want {
		return Slice2D{}, fmt.Errorf("charts: Slice: len(data) = %d, want shape %v product %d", len(data), shape, want)
	}
	if axis < AxisX || axis > AxisZ {
		return Slice2D{}, fmt.Errorf("charts: Slice: axis = %d, want AxisX, AxisY or AxisZ", int(axis))
	}
	if index < 0 || index >= shape[axis] {
		return Slice2D{}, fmt.Errorf("charts: Slice: index = %d along %v, want 0 ≤ index < %d", index, axis, shape[axis])
	}
	u, v := axis.inPlane()
	s := Slice2D{U: u, V: v, Width: shape[u], Height: shape[v], Data: make([]float32, shape[u]*shape[v])}
	var ijk [3]int
	ijk[axis] = index
	for b := 0; b < s.Height; b++ {
		ijk[v] = b
		for a := 0; a < s.Width; a++ {
			ijk[u] = a
			s.Data[b*s.Width+a] = data[ijk[0]+shape[0]*(ijk[1]+shape[1]*ijk[2])]
		}
	}
	return s, nil
}

// Scale is the colour scale of a slice panel: its name, shown under the
// panel and beside its colour bar, and its range.
type Scale struct {
	Name     string  // e.g. "[−1, 1] scale"
	Min, Max float64 // colour range; Min == Max: the range of the panel's data
}

// The scales of normalised maps (grid.Normalize): the networks' [−1, 1]
// scale and the paper's [0, 1] output scale.
var (
	ScaleSigned = Scale{Name: "[−1, 1] scale", Min: -1, Max: 1}
	Scale01     = Scale{Name: "[0, 1] scale", Min: 0, Max: 1}
)

// SlicePanel is one volume (X-fastest, see [Slice]) to show a slice of.
type SlicePanel struct {
	Name  string
	Data  []float32
	Scale Scale
}

// SliceView is the slice Index along Axis of one or two volumes of Shape,
// side by side, each with its colour bar, and optionally their difference.
type SliceView struct {
	Shape  [3]int
	Axis   Axis
	Index  int
	Panels []SlicePanel // 1 or 2
	// Difference adds a panel Panels[1] − Panels[0] on a diverging colour
	// scale symmetric about zero, named DiffName ("difference" if empty),
	// in the units of Panels[0]'s scale.
	Difference bool
	DiffName   string
}

// MapSlices is Slices of an original and a neural map on the networks'
// [−1, 1] scale, with their difference neural − original.
func MapSlices(shape [3]int, original, neural []float32, axis Axis, index int) (*charts.HeatMap, error) {
	return Slices(SliceView{Shape: shape, Axis: axis, Index: index, Difference: true, DiffName: "neural − original",
		Panels: []SlicePanel{{Name: "original", Data: original, Scale: ScaleSigned}, {Name: "neural", Data: neural, Scale: ScaleSigned}}})
}

// Slices builds heatmaps side by side of one slice of each panel of v (and
// of their difference): each panel has its own grid, voxel-index axes and a
// horizontal colour bar below it labelled with its scale's range; its
// subtitle names the slice and the scale. Voxels outside a fixed scale's
// range are drawn in the end colours. Non-finite voxels are an error.
//
// The series are named after the panels (and v.DiffName); their data are
// [u, v, value] triples.
func Slices(v SliceView) (*charts.HeatMap, error) {
	np := len(v.Panels)
	if np < 1 || np > 2 {
		return nil, fmt.Errorf("charts: Slices: %d panels, want 1 or 2", np)
	}
	if v.Difference && np != 2 {
		return nil, fmt.Errorf("charts: Slices: Difference needs 2 panels, have %d", np)
	}
	var sl []Slice2D
	for i, p := range v.Panels {
		s, err := Slice(p.Data, v.Shape, v.Axis, v.Index)
		if err != nil {
			return nil, fmt.Errorf("charts: Slices: panel %d (%q): %w", i, p.Name, err)
		}
		for b := 0; b < s.Height; b++ {
			for a := 0; a < s.Width; a++ {
				if x := float64(s.At(a, b)); !finite(x) {
					return nil, fmt.Errorf("charts: Slices: panel %d (%q): voxel %s = %v is not finite", i, p.Name, voxelName(v.Axis, v.Index, s, a, b), x)
				}
			}
		}
		sl = append(sl, s)
	}
	type panel struct {
		name     string
		scale    Scale
		data     []opts.HeatMapData
		diverge  bool
		min, max float64
	}
	var panels []panel
	for i, p := range v.Panels {
		panels = append(panels, panel{name: p.Name, scale: p.Scale, data: sliceData(sl[i], nil)})
	}
	if v.Difference {
		name := v.DiffName
		if name == "" {
			name = "difference"
		}
		panels = append(panels, panel{name: name, scale: Scale{Name: v.Panels[0].Scale.Name}, diverge: true,
			data: sliceData(sl[1], &sl[0])})
	}
	for i := range panels {
		p := &panels[i]
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, d := range p.data {
			x := float64(d.Value.([3]any)[2].(float32))
			lo, hi = math.Min(lo, x), math.Max(hi, x)
		}
		switch {
		case p.diverge:
			m := math.Max(math.Abs(lo), math.Abs(hi))
			if m == 0 {
				m = 1
			}
			p.min, p.max = -m, m
		case p.scale.Min < p.scale.Max:
			p.min, p.max = p.scale.Min, p.scale.Max
		default:
			if lo == hi {
				hi = lo + 1 // a constant slice still gets a valid colour range
			}
			p.min, p.max = lo, hi
		}
	}
	s0 := sl[0]
	// Square voxels: every panel 260 px wide, as high as the slice's aspect asks.
	const gw, left0, gap, top = 240, 60, 50, 70
	gh := min(max(gw*s0.Height/s0.Width, 120), 420)
	hm := charts.NewHeatMap()
	hm.SetGlobalOptions(
		charts.WithInitializationOpts(opts.Initialization{Width: fmt.Sprintf("%dpx", left0+len(panels)*(gw+gap)),
			Height: fmt.Sprintf("%dpx", top+gh+110)}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true)}),
	)
	for _, p := range panels {
		hm.AddSeries(p.name, p.data)
	}
	where := fmt.Sprintf("slice %v = %d", v.Axis, v.Index)
	u, w := s0.U, s0.V
	hm.Accept(patch{fn: func(o map[string]any) {
		var titles, grids, xs, ys, series, vms []map[string]any
		for s, p := range panels {
			left := left0 + s*(gw+gap)
			sub := where
			if p.scale.Name != "" {
				sub += ", " + p.scale.Name
			}
			titles = append(titles, map[string]any{"text": p.name, "subtext": sub,
				"left": left + gw/2, "textAlign": "center", "top": 0, "textStyle": map[string]any{"fontSize": 14}})
			grids = append(grids, map[string]any{"left": left, "width": gw, "top": top, "height": gh})
			xs = append(xs, map[string]any{"type": "category", "gridIndex": s, "data": seq(s0.Width),
				"name": u.String() + " (voxel)", "nameLocation": "middle", "nameGap": 25,
				"splitArea": map[string]any{"show": false}})
			ys = append(ys, map[string]any{"type": "category", "gridIndex": s, "data": seq(s0.Height),
				"name": w.String() + " (voxel)", "nameLocation": "middle", "nameGap": 30,
				"splitArea": map[string]any{"show": false}})
			series = append(series, map[string]any{"name": p.name, "type": "heatmap",
				"xAxisIndex": s, "yAxisIndex": s, "data": p.data, "progressive": 0})
			colors := []string{"#440154", "#3b528b", "#21918c", "#5ec962", "#fde725"}
			if p.diverge {
				colors = []string{"#2166ac", "#f7f7f7", "#b2182b"}
			}
			vms = append(vms, map[string]any{"type": "continuous", "seriesIndex": []int{s}, "min": p.min, "max": p.max,
				"calculable": false, "orient": "horizontal", "left": left + 30, "top": top + gh + 45,
				"itemWidth": 12, "itemHeight": gw - 90, "text": []string{fmtTick(p.max), fmtTick(p.min)},
				"inRange": map[string]any{"color": colors}})
		}
		o["title"] = titles
		o["grid"] = grids
		o["xAxis"] = xs
		o["yAxis"] = ys
		o["series"] = series
		o["legend"] = map[string]any{"show": false}
		o["visualMap"] = vms
	}})
	return hm, nil
}

// sliceData returns the heatmap cells of s, or of s − minus if minus is not nil.
func sliceData(s Slice2D, minus *Slice2D) []opts.HeatMapData {
	out := make([]opts.HeatMapData, 0, s.Width*s.Height)
	for b := 0; b < s.Height; b++ {
		for a := 0; a < s.Width; a++ {
			x := s.At(a, b)
			if minus != nil {
				x -= minus.At(a, b)
			}
			out = append(out, opts.HeatMapData{Value: [3]any{a, b, round32(x, 4)}})
		}
	}
	return out
}

// round32 rounds x to digits significant digits, so that tooltips and the
// page show readable numbers.
func round32(x float32, digits int) float32 {
	v, err := strconv.ParseFloat(strconv.FormatFloat(float64(x), 'g', digits, 32), 32)
	if err != nil {
		return x
	}
	return float32(v)
}

// fmtTick formats a colour-bar or axis end value with 3 significant digits
// and a true minus sign.
func fmtTick(x float64) string {
	s := strconv.FormatFloat(x, 'g', 3, 64)
	if strings.HasPrefix(s, "-") {
		s = "−" + s[1:]
	}
	return s
}

func voxelName(axis Axis, index int, s Slice2D, a, b int) string {
	var ijk [3]int
	ijk[axis], ijk[s.U], ijk[s.V] = index, a, b
	return fmt.Sprintf("(%d,%d,%d)", ijk[0], ijk[1], ijk[2])
}

// seq returns 0, 1, …, n-1.
func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}
