package grid

import (
	"fmt"
	"math"

	"github.com/neuralem/neuralem/neuralem/geom"
)

// SubFrame returns the frame of the voxels lo ≤ idx < hi (half-open on each
// axis) of f. The origin moves by whole voxels, so voxel idx of the sub-frame
// sits exactly where voxel lo+idx of f sits.
func (f Frame) SubFrame(lo, hi geom.Index) (Frame, error) {
	for a := 0; a < 3; a++ {
		if lo[a] < 0 || hi[a] > f.Shape[a] || lo[a] >= hi[a] {
			return Frame{}, fmt.Errorf("grid: crop range [%d, %d) on axis %d is not a non-empty range inside shape %v", lo[a], hi[a], a, f.Shape)
		}
	}
	return Frame{
		Shape:   [3]int{hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2]},
		Spacing: f.Spacing,
		Origin:  f.PointOf(lo),
	}, nil
}

// Crop returns a copy of the voxels lo ≤ idx < hi of g (half-open ranges, like
// Go slices) in a new grid whose origin is the Å position of voxel lo of g.
func Crop(g *Grid, lo, hi geom.Index) (*Grid, error) {
	if len(g.Data) != g.Len() {
		return nil, fmt.Errorf("grid: data length %d does not match shape %v", len(g.Data), g.Shape)
	}
	f, err := g.SubFrame(lo, hi)
	if err != nil {
		return nil, err
	}
	out := New(f)
	nx := f.Shape[0]
	for k := 0; k < f.Shape[2]; k++ {
		for j := 0; j < f.Shape[1]; j++ {
			src := g.Offset(lo[0], lo[1]+j, lo[2]+k)
			dst := f.Offset(0, j, k)
			copy(out.Data[dst:dst+nx], g.Data[src:src+nx])
		}
	}
	return out, nil
}

// BoundsAround returns the half-open voxel range [lo, hi) of f that covers
// the bounding box of pts (Å) grown by margin Å on every side, clamped to the
// frame. A voxel is included when its centre lies within the grown box. It
// fails when pts is empty, a point is not finite, the margin is negative or
// not finite, or the grown box misses the frame's voxel centres entirely.
func (f Frame) BoundsAround(pts []geom.Point, margin float64) (lo, hi geom.Index, err error) {
	if len(pts) == 0 {
		return lo, hi, fmt.Errorf("grid: crop around points: no points given")
	}
	if !(margin >= 0) || math.IsInf(margin, 0) {
		return lo, hi, fmt.Errorf("grid: crop around points: margin %g Å, want a finite value ≥ 0", margin)
	}
	bmin, bmax := pts[0], pts[0]
	for i, p := range pts {
		if !p.IsFinite() {
			return lo, hi, fmt.Errorf("grid: crop around points: point %d %v is not finite", i, p)
		}
		for a := 0; a < 3; a++ {
			bmin[a] = math.Min(bmin[a], p[a])
			bmax[a] = math.Max(bmax[a], p[a])
		}
	}
	for a := 0; a < 3; a++ {
		// Voxel centres u with (bmin−margin) ≤ origin + u·s ≤ (bmax+margin).
		// A relative slack of 1e-9 voxel keeps a centre that lies exactly on
		// the grown box's face despite rounding.
		u0 := (bmin[a] - margin - f.Origin[a]) / f.Spacing[a]
		u1 := (bmax[a] + margin - f.Origin[a]) / f.Spacing[a]
		l := int(math.Ceil(u0 - 1e-9))
		h := int(math.Floor(u1+1e-9)) + 1
		l = max(l, 0)
		h = min(h, f.Shape[a])
		if l >= h {
			return lo, hi, fmt.Errorf("grid: crop around points: box %v–%v Å grown by %g Å misses the map (axis %d covers %g–%g Å)",
				bmin, bmax, margin, a, f.Origin[a], f.Origin[a]+float64(f.Shape[a]-1)*f.Spacing[a])
		}
		lo[a], hi[a] = l, h
	}
	return lo, hi, nil
}

// CropAround crops g to the voxels whose centres lie within margin Å of the
// bounding box of pts (an atomic model, say), clamped to the map. It returns
// the cropped grid and the index in g of its first voxel.
func CropAround(g *Grid, pts []geom.Point, margin float64) (*Grid, geom.Index, error) {
	lo, hi, err := g.BoundsAround(pts, margin)
	if err != nil {
		return nil, geom.Index{}, err
	}
	out, err := Crop(g, lo, hi)
	return out, lo, err
}
