package grid

import (
	"fmt"
	"strings"

	"github.com/neuralem/neuralem/neuralem/geom"
)

// Interpolator is a classical interpolator of a Grid: a Field whose values
// and gradients (per Å) come from the voxel values, plus a single-point call.
//
// Both interpolators here are aligned exactly with the frame: voxel (i, j, k)
// is at Origin + (i, j, k)·Spacing and the interpolant equals the voxel value
// there. Their domain is the box spanned by the voxel centres,
// Frame.Box(); a point outside it (or a NaN) is an error that names the point.
// Along an axis with a single voxel the field is constant and its gradient
// along that axis is 0.
//
// Interpolators copy what they need from the grid at construction and are
// read-only afterwards: safe for concurrent use. Sample splits batches of
// 8192 points or more over GOMAXPROCS goroutines.
type Interpolator interface {
	Field
	// Eval returns the density at p and its gradient per Å.
	Eval(p geom.Point) (float64, geom.Vec3, error)
}

// Method names an interpolation method.
type Method int

const (
	// MethodTrilinear is piecewise-linear interpolation (Trilinear).
	MethodTrilinear Method = iota
	// MethodBSpline is interpolating cubic B-spline (BSpline).
	MethodBSpline
)

// String returns "trilinear" or "bspline".
func (m Method) String() string {
	switch m {
	case MethodTrilinear:
		return "trilinear"
	case MethodBSpline:
		return "bspline"
	}
	return fmt.Sprintf("Method(%d)", int(m))
}

// ParseMethod parses "trilinear" or "bspline" (also "linear", "cubic",
// "b-spline"), ignoring case.
func ParseMethod(s string) (Method, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "trilinear", "linear":
		return MethodTrilinear, nil
	case "bspline", "b-spline", "cubic":
		return MethodBSpline, nil
	}
	return 0, fmt.Errorf("grid: interpolation method %q: want trilinear or bspline", s)
}

// NewInterpolator builds the interpolator m of g.
func NewInterpolator(g *Grid, m Method) (Interpolator, error) {
	switch m {
	case MethodTrilinear:
		return NewTrilinear(g)
	case MethodBSpline:
		return NewBSpline(g)
	}
	return nil, fmt.Errorf("grid: unknown interpolation method %v", m)
}

// checkGrid validates g before an interpolator copies it.
func checkGrid(g *Grid) error {
	if g == nil {
		return fmt.Errorf("grid: nil grid")
	}
	if err := g.Validate(); err != nil {
		return err
	}
	if len(g.Data) != g.Len() {
		return fmt.Errorf("grid: data length %d does not match shape %v (%d voxels)", len(g.Data), g.Shape, g.Len())
	}
	if idx, x, found := g.firstNonFinite(); found {
		return fmt.Errorf("grid: voxel %v holds %g; interpolators need finite values", idx, x)
	}
	return nil
}

// firstNonFinite returns the index and value of the first NaN or Inf voxel.
func (g *Grid) firstNonFinite() (geom.Index, float32, bool) {
	for i, x := range g.Data {
		if !isFinite32(x) {
			return geom.Index{i % g.Shape[0], (i / g.Shape[0]) % g.Shape[1], i / (g.Shape[0] * g.Shape[1])}, x, true
		}
	}
	return geom.Index{}, 0, false
}

// axisMap holds what a point needs to find its cell along one axis.
type axisMap struct {
	origin, inv float64 // u = (x − origin)·inv, in voxels
	spacing     float64
	last        float64 // n − 1, the largest u
	maxCell     int     // largest cell index: max(n − 2, 0)
}

func newAxes(f Frame) [3]axisMap {
	var ax [3]axisMap
	for a := 0; a < 3; a++ {
		ax[a] = axisMap{
			origin:  f.Origin[a],
			inv:     1 / f.Spacing[a],
			spacing: f.Spacing[a],
			last:    float64(f.Shape[a] - 1),
			maxCell: max(f.Shape[a]-2, 0),
		}
	}
	return ax
}

// cell returns the cell index i and the fraction t ∈ [0, 1] of x along the
// axis. x must already be inside the domain; rounding is clamped.
func (m *axisMap) cell(x float64) (int, float64) {
	u := (x - m.origin) * m.inv
	u = min(max(u, 0), m.last)
	i := min(int(u), m.maxCell)
	return i, u - float64(i)
}

// rangeSampler evaluates points already known to be in the domain.
type rangeSampler interface {
	sampleRange(pts []geom.Point, val []float64, grad []geom.Vec3)
}

const (
	parallelMinPoints = 8192 // batches below this run on the calling goroutine
	parallelChunk     = 2048 // points per work item
)

// sampleField is the shared Sample: argument checks, domain check naming the
// first offending point, then evaluation in parallel chunks for big batches.
func sampleField(name string, dom geom.Box, s rangeSampler, pts []geom.Point, val []float64, grad []geom.Vec3) error {
	if len(val) != len(pts) {
		return fmt.Errorf("grid: %s sample: len(val) = %d, want len(pts) = %d", name, len(val), len(pts))
	}
	if grad != nil && len(grad) != len(pts) {
		return fmt.Errorf("grid: %s sample: len(grad) = %d, want len(pts) = %d", name, len(grad), len(pts))
	}
	for i, p := range pts {
		if !dom.Contains(p) {
			return fmt.Errorf("grid: %s sample: point %d at (%g, %g, %g) Å is outside the domain (%g, %g, %g)–(%g, %g, %g) Å",
				name, i, p[0], p[1], p[2], dom.Min[0], dom.Min[1], dom.Min[2], dom.Max[0], dom.Max[1], dom.Max[2])
		}
	}
	if len(pts) < parallelMinPoints {
		s.sampleRange(pts, val, grad)
		return nil
	}
	parallelChunks(len(pts), parallelChunk, func(lo, hi int) {
		var g []geom.Vec3
		if grad != nil {
			g = grad[lo:hi]
		}
		s.sampleRange(pts[lo:hi], val[lo:hi], g)
	})
	return nil
}

// evalOne is the shared Eval.
func evalOne(f Field, p geom.Point) (float64, geom.Vec3, error) {
	var v [1]float64
	var g [1]geom.Vec3
	err := f.Sample([]geom.Point{p}, v[:], g[:])
	return v[0], g[0], err
}

// Resample evaluates field at every voxel centre of frame and returns the
// values as a grid (float32). Every centre must lie in field.Domain(); use a
// frame inside the domain (e.g. with Frame.Box() ⊆ Domain()).
func Resample(field Field, frame Frame) (*Grid, error) {
	if err := frame.Validate(); err != nil {
		return nil, fmt.Errorf("grid: resample: %w", err)
	}
	out := New(frame)
	nx, ny, nz := frame.Shape[0], frame.Shape[1], frame.Shape[2]
	planes := max(1, (1<<16)/(nx*ny)) // about 64k points per call
	pts := make([]geom.Point, 0, planes*nx*ny)
	val := make([]float64, planes*nx*ny)
	for k0 := 0; k0 < nz; k0 += planes {
		k1 := min(k0+planes, nz)
		pts = pts[:0]
		for k := k0; k < k1; k++ {
			for j := 0; j < ny; j++ {
				for i := 0; i < nx; i++ {
					pts = append(pts, frame.PointOf(geom.Index{i, j, k}))
				}
			}
		}
		v := val[:len(pts)]
		if err := field.Sample(pts, v, nil); err != nil {
			return nil, fmt.Errorf("grid: resample onto %v voxels of %v Å from %v Å: %w", frame.Shape, frame.Spacing, frame.Origin, err)
		}
		base := frame.Offset(0, 0, k0)
		for i, x := range v {
			out.Data[base+i] = float32(x)
		}
	}
	return out, nil
}

// Trilinear is piecewise-trilinear interpolation of a grid, aligned so that
// it returns the voxel values exactly at voxel centres (voxel i at
// Origin + i·Spacing, with no half-voxel or origin offset; the paper's
// trilinear baseline was not aligned this way). It reproduces affine
// functions exactly everywhere in its domain.
//
// The gradient is the exact derivative of the interpolant inside each cell.
// It is discontinuous across cell faces; on a face (in particular at a voxel
// centre) the cell on the + side is used, except on the domain's upper face,
// where the last cell is used. Gradients are per Å (the voxel-unit derivative
// divided by the spacing of each axis).
type Trilinear struct {
	frame Frame
	dom   geom.Box
	ax    [3]axisMap
	step  [3]int // linear offset to the + neighbour, 0 on a 1-voxel axis
	data  []float32
}

// NewTrilinear copies g's values and returns its trilinear interpolator.
func NewTrilinear(g *Grid) (*Trilinear, error) {
	if err := checkGrid(g); err != nil {
		return nil, err
	}
	t := &Trilinear{frame: g.Frame, dom: g.Box(), ax: newAxes(g.Frame), data: append([]float32(nil), g.Data...)}
	strides := [3]int{1, g.Shape[0], g.Shape[0] * g.Shape[1]}
	for a := 0; a < 3; a++ {
		if g.Shape[a] > 1 {
			t.step[a] = strides[a]
		}
	}
	return t, nil
}

// Frame returns the frame of the interpolated grid.
func (t *Trilinear) Frame() Frame { return t.frame }

// Domain returns the box spanned by the voxel centres.
func (t *Trilinear) Domain() geom.Box { return t.dom }

// Sample implements Field.
func (t *Trilinear) Sample(pts []geom.Point, val []float64, grad []geom.Vec3) error {
	return sampleField("trilinear", t.dom, t, pts, val, grad)
}

// Eval returns the density at p and its gradient per Å.
func (t *Trilinear) Eval(p geom.Point) (float64, geom.Vec3, error) { return evalOne(t, p) }

func (t *Trilinear) sampleRange(pts []geom.Point, val []float64, grad []geom.Vec3) {
	nx, nxy := t.frame.Shape[0], t.frame.Shape[0]*t.frame.Shape[1]
	sx, sy, sz := t.step[0], t.step[1], t.step[2]
	d := t.data
	for n, p := range pts {
		i, tx := t.ax[0].cell(p[0])
		j, ty := t.ax[1].cell(p[1])
		k, tz := t.ax[2].cell(p[2])
		o := i + nx*j + nxy*k
		v000 := float64(d[o])
		v100 := float64(d[o+sx])
		v010 := float64(d[o+sy])
		v110 := float64(d[o+sx+sy])
		v001 := float64(d[o+sz])
		v101 := float64(d[o+sx+sz])
		v011 := float64(d[o+sy+sz])
		v111 := float64(d[o+sx+sy+sz])
		// Interpolate along x on the four x-edges of the cell.
		e00 := v000 + tx*(v100-v000)
		e10 := v010 + tx*(v110-v010)
		e01 := v001 + tx*(v101-v001)
		e11 := v011 + tx*(v111-v011)
		// Then along y on the two z-faces, then z.
		f0 := e00 + ty*(e10-e00)
		f1 := e01 + ty*(e11-e01)
		val[n] = f0 + tz*(f1-f0)
		if grad == nil {
			continue
		}
		// ∂/∂u: differences along x, interpolated in y and z.
		dx00, dx10, dx01, dx11 := v100-v000, v110-v010, v101-v001, v111-v011
		dxf0 := dx00 + ty*(dx10-dx00)
		dxf1 := dx01 + ty*(dx11-dx01)
		gx := dxf0 + tz*(dxf1-dxf0)
		gy := (e10 - e00) + tz*((e11-e01)-(e10-e00))
		gz := f1 - f0
		grad[n] = geom.Vec3{gx * t.ax[0].inv, gy * t.ax[1].inv, gz * t.ax[2].inv}
	}
}

// mirror folds index k into [0, n) by whole-sample symmetric reflection about
// 0 and n−1 (… 2 1 | 0 1 2 … n−1 | n−2 n−3 …), the extension the B-spline
// prefilter assumes.
func mirror(k, n int) int {
	if n == 1 {
		return 0
	}
	p := 2*n - 2
	k %= p
	if k < 0 {
		k += p
	}
	if k >= n {
		k = p - k
	}
	return k
}
