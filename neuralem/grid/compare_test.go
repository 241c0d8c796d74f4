package grid

import (
	"math"
	"strings"
	"testing"

	"github.com/neuralem/neuralem/neuralem/geom"
)

func TestErrorAcc(t *testing.T) {
	var a ErrorAcc
	e := a.Errors()
	if e.N != 0 || !math.IsNaN(e.MAE) || !math.IsNaN(e.RMSE) || !math.IsNaN(e.Max) || !math.IsNaN(e.Bias) {
		t.Errorf("empty: %+v, want N 0 and NaN statistics", e)
	}
	// Differences +3, −1, 0, +2: MAE 6/4, RMSE √(14/4), max 3, bias 4/4.
	for _, p := range [][2]float64{{3, 0}, {1, 2}, {5, 5}, {-1, -3}} {
		a.Add(p[0], p[1])
	}
	e = a.Errors()
	want := Errors{N: 4, MAE: 1.5, RMSE: math.Sqrt(3.5), Max: 3, Bias: 1}
	if e != want {
		t.Errorf("got %+v, want %+v", e, want)
	}
}

// affineGrid fills a frame with a + b·x (x in Å).
func affineGrid(f Frame, a float64, b geom.Vec3) *Grid {
	g := New(f)
	for k := 0; k < f.Shape[2]; k++ {
		for j := 0; j < f.Shape[1]; j++ {
			for i := 0; i < f.Shape[0]; i++ {
				p := f.PointOf(geom.Index{i, j, k})
				g.Set(i, j, k, float32(a+b.Dot(geom.Vec3(p))))
			}
		}
	}
	return g
}

func TestCompareField(t *testing.T) {
	f := Frame{Shape: [3]int{6, 5, 4}, Spacing: geom.Vec3{1, 0.5, 2}, Origin: geom.Point{-1, 2, 3}}
	b := geom.Vec3{0.1, -0.2, 0.05}
	g := affineGrid(f, 0.5, b)
	// Trilinear interpolation reproduces an affine map exactly, so against
	// the map shifted by 0.25 every voxel is off by exactly −0.25 (up to
	// float32 storage).
	tri, err := NewTrilinear(g)
	if err != nil {
		t.Fatal(err)
	}
	e, err := CompareField(tri, affineGrid(f, 0.75, b))
	if err != nil {
		t.Fatal(err)
	}
	if e.N != f.Len() || math.Abs(e.Bias+0.25) > 1e-6 || math.Abs(e.MAE-0.25) > 1e-6 || math.Abs(e.RMSE-0.25) > 1e-6 || math.Abs(e.Max-0.25) > 1e-6 {
		t.Errorf("affine map against itself + 0.25: %+v", e)
	}
	// A frame the field does not cover, and frames that differ.
	other := f
	other.Origin[0] -= 5
	if _, err := CompareField(tri, New(other)); err == nil {
		t.Error("reference outside the field's domain: no error")
	}
	if _, err := CompareGrids(g, New(other)); err == nil || !strings.Contains(err.Error(), "frames differ") {
		t.Errorf("different frames: %v", err)
	}
}
