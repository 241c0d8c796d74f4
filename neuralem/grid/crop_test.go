package grid

import (
	"math"
	"strings"
	"testing"

	"github.com/neuralem/neuralem/neuralem/geom"
)

func indexGrid() *Grid {
	g := New(Frame{Shape: [3]int{10, 8, 6}, Spacing: geom.Vec3{0.5, 0.75, 1.25}, Origin: geom.Point{-3, 4.5, 100}})
	for k := 0; k < 6; k++ {
		for j := 0; j < 8; j++ {
			for i := 0; i < 10; i++ {
				g.Set(i, j, k, float32(i+100*j+10000*k))
			}
		}
	}
	return g
}

func TestCropKeepsValuesAndPositions(t *testing.T) {
	g := indexGrid()
	lo, hi := geom.Index{2, 1, 3}, geom.Index{7, 8, 5}
	c, err := Crop(g, lo, hi)
	if err != nil {
		t.Fatal(err)
	}
	if c.Shape != [3]int{5, 7, 2} || c.Spacing != g.Spacing {
		t.Fatalf("crop frame %+v", c.Frame)
	}
	for k := 0; k < c.Shape[2]; k++ {
		for j := 0; j < c.Shape[1]; j++ {
			for i := 0; i < c.Shape[0]; i++ {
				src := geom.Index{i + lo[0], j + lo[1], k + lo[2]}
				if c.At(i, j, k) != g.At(src[0], src[1], src[2]) {
					t.Fatalf("crop (%d,%d,%d) = %g, want voxel %v = %g", i, j, k, c.At(i, j, k), src, g.At(src[0], src[1], src[2]))
				}
				// Same Å position: the origin moved by whole voxels.
				if d := c.PointOf(geom.Index{i, j, k}).Dist(g.PointOf(src)); d > 1e-12 {
					t.Fatalf("crop voxel (%d,%d,%d) is %g Å from original voxel %v", i, j, k, d, src)
				}
			}
		}
	}
}

func TestCropErrors(t *testing.T) {
	g := indexGrid()
	for _, r := range [][2]geom.Index{
		{{-1, 0, 0}, {3, 3, 3}},
		{{0, 0, 0}, {11, 3, 3}},
		{{2, 0, 0}, {2, 3, 3}},
	} {
		if _, err := Crop(g, r[0], r[1]); err == nil || !strings.Contains(err.Error(), "axis 0") {
			t.Errorf("Crop %v–%v: err = %v, want an error naming axis 0", r[0], r[1], err)
		}
	}
}

func TestCropAroundPoints(t *testing.T) {
	g := indexGrid()
	// Box x ∈ [-1.2, -0.1], y ∈ [6.1, 6.2], z ∈ [102, 102] Å; margin 0.8 Å.
	pts := []geom.Point{{-1.2, 6.1, 102}, {-0.1, 6.2, 102}}
	const margin = 0.8
	c, lo, err := CropAround(g, pts, margin)
	if err != nil {
		t.Fatal(err)
	}
	// Brute force: a voxel is in iff its centre is within the grown box.
	for k := 0; k < g.Shape[2]; k++ {
		for j := 0; j < g.Shape[1]; j++ {
			for i := 0; i < g.Shape[0]; i++ {
				p := g.PointOf(geom.Index{i, j, k})
				in := p[0] >= -1.2-margin && p[0] <= -0.1+margin &&
					p[1] >= 6.1-margin && p[1] <= 6.2+margin &&
					p[2] >= 102-margin && p[2] <= 102+margin
				inCrop := i >= lo[0] && i < lo[0]+c.Shape[0] &&
					j >= lo[1] && j < lo[1]+c.Shape[1] &&
					k >= lo[2] && k < lo[2]+c.Shape[2]
				if in != inCrop {
					t.Errorf("voxel (%d,%d,%d) at %v: within margin %v, in crop %v", i, j, k, p, in, inCrop)
				}
			}
		}
	}
	// A margin reaching past the map is clamped to it.
	c, lo, err = CropAround(g, pts, 50)
	if err != nil || lo != (geom.Index{}) || c.Shape != g.Shape {
		t.Errorf("huge margin: lo %v shape %v err %v, want the whole map", lo, c.Shape, err)
	}
}

func TestCropAroundErrors(t *testing.T) {
	g := indexGrid()
	cases := []struct {
		pts    []geom.Point
		margin float64
		want   string
	}{
		{nil, 1, "no points"},
		{[]geom.Point{{0, 5, 101}}, -1, "margin -1"},
		{[]geom.Point{{math.NaN(), 5, 101}}, 1, "point 0"},
		{[]geom.Point{{500, 5, 101}}, 1, "misses the map"},
	}
	for _, tc := range cases {
		if _, _, err := CropAround(g, tc.pts, tc.margin); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("CropAround(%v, %g): err = %v, want one containing %q", tc.pts, tc.margin, err, tc.want)
		}
	}
}
