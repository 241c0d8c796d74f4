package charts

import (
	"fmt"
	"math"

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

// MapSlices builds three heatmaps side by side for slice index along axis of two
// volumes of the same shape (X-fastest, see [Slice]): the original map, the
// neural map and their difference neural − original. The first two share one
// colour scale (their joint range); the difference has a diverging scale
// symmetric about zero. Axes are in voxel indices. Non-finite voxels are an error.
//
// The chart has three grids, three x and y axes, and series named "original",
// "neural" and "neural − original" whose data are [u, v, value] triples.
func MapSlices(shape [3]int, original, neural []float32, axis Axis, index int) (*charts.HeatMap, error) {
	so, err := Slice(original, shape, axis, index)
	if err != nil {
		return nil, fmt.Errorf("charts: MapSlices: original: %w", err)
	}
	sn, err := Slice(neural, shape, axis, index)
	if err != nil {
		return nil, fmt.Errorf("charts: MapSlices: neural: %w", err)
	}
	names := [3]string{"original", "neural", "neural − original"}
	data := [3][]opts.HeatMapData{}
	lo, hi := math.Inf(1), math.Inf(-1)
	dmax := 0.0
	for b := 0; b < so.Height; b++ {
		for a := 0; a < so.Width; a++ {
			o, n := float64(so.At(a, b)), float64(sn.At(a, b))
			if !finite(o) {
				return nil, fmt.Errorf("charts: MapSlices: original voxel %s = %v is not finite", voxelName(axis, index, so, a, b), o)
			}
			if !finite(n) {
				return nil, fmt.Errorf("charts: MapSlices: neural voxel %s = %v is not finite", voxelName(axis, index, so, a, b), n)
			}
			d := n - o
			lo, hi = math.Min(lo, math.Min(o, n)), math.Max(hi, math.Max(o, n))
			dmax = math.Max(dmax, math.Abs(d))
			for s, val := range [3]float64{o, n, d} {
				data[s] = append(data[s], opts.HeatMapData{Value: [3]any{a, b, float32(val)}})
			}
		}
	}
	if hi == lo {
		hi = lo + 1 // a constant slice still gets a valid colour range
	}
	if dmax == 0 {
		dmax = 1
	}
	hm := charts.NewHeatMap()
	hm.SetGlobalOptions(
		charts.WithInitializationOpts(opts.Initialization{Width: "960px", Height: "400px"}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true)}),
	)
	for s := range names {
		hm.AddSeries(names[s], data[s])
	}
	title := fmt.Sprintf("%v = %d", axis, index)
	u, v := so.U, so.V
	w, h := so.Width, so.Height
	hm.Accept(patch{fn: func(o map[string]any) {
		var titles, grids, xs, ys, series []map[string]any
		for s := range names {
			left := 4 + 33*s // percent
			titles = append(titles, map[string]any{"text": names[s], "subtext": title,
				"left": fmt.Sprintf("%d%%", left+13), "textAlign": "center", "top": 0,
				"textStyle": map[string]any{"fontSize": 14}})
			grids = append(grids, map[string]any{"left": fmt.Sprintf("%d%%", left), "width": "26%",
				"top": 60, "bottom": 90})
			xs = append(xs, map[string]any{"type": "category", "gridIndex": s, "data": seq(w),
				"name": u.String() + " (voxel)", "nameLocation": "middle", "nameGap": 25,
				"splitArea": map[string]any{"show": false}})
			ys = append(ys, map[string]any{"type": "category", "gridIndex": s, "data": seq(h),
				"name": v.String() + " (voxel)", "splitArea": map[string]any{"show": false}})
			series = append(series, map[string]any{"name": names[s], "type": "heatmap",
				"xAxisIndex": s, "yAxisIndex": s, "data": data[s], "progressive": 0})
		}
		o["title"] = titles
		o["grid"] = grids
		o["xAxis"] = xs
		o["yAxis"] = ys
		o["series"] = series
		o["legend"] = map[string]any{"show": false}
		o["visualMap"] = []map[string]any{
			{"type": "continuous", "seriesIndex": []int{0, 1}, "min": lo, "max": hi, "calculable": true,
				"precision": 3, "orient": "horizontal", "left": "4%", "bottom": 10, "itemWidth": 12, "itemHeight": 200,
				"inRange": map[string]any{"color": []string{"#440154", "#3b528b", "#21918c", "#5ec962", "#fde725"}}},
			{"type": "continuous", "seriesIndex": []int{2}, "min": -dmax, "max": dmax, "calculable": true,
				"precision": 3, "orient": "horizontal", "left": "70%", "bottom": 10, "itemWidth": 12, "itemHeight": 200,
				"inRange": map[string]any{"color": []string{"#2166ac", "#f7f7f7", "#b2182b"}}},
		}
	}})
	return hm, nil
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
