// Package grid holds a dense float32 density grid with its frame (origin and
// voxel size in Å), Å ⇄ voxel transforms, statistics, the paper's two-step
// normalisation, cropping, and classical interpolators (trilinear and cubic
// B-spline) that return density and gradient per Å.
//
// Frames: voxel (i, j, k) has its centre at Origin + (i·Spacing.x, j·Spacing.y,
// k·Spacing.z) in Å. Data are stored X fastest: index = i + Nx·(j + Ny·k).
// Axes are always X, Y, Z here; readers permute MAPC/MAPR/MAPS before building
// a Grid.
//
// Overview:
//   - Stats / ComputeStats: min, max, mean, σ and NaN/Inf counts in one
//     parallel pass (float64 accumulation).
//   - Normalize / FitNormalization / Normalization: the paper's [0, 1] then
//     [−1, 1] normalisation, its inverse, and μ, σ of the normalised map; the
//     Normalization comment states exactly which d_min is used and why.
//   - Crop, CropAround, Frame.SubFrame, Frame.BoundsAround: sub-grids whose
//     origin moves by whole voxels, so positions stay exact.
//   - Trilinear, BSpline (Interpolator, NewInterpolator): Fields whose
//     domain is the box of voxel centres, returning density and gradient
//     per Å; Resample evaluates any Field on a Frame.
package grid

import (
	"fmt"

	"github.com/neuralem/neuralem/neuralem/geom"
)

// Frame places a grid of voxels in Å space. It holds no data.
type Frame struct {
	// Shape is the number of voxels along X, Y, Z.
	Shape [3]int
	// Spacing is the voxel size along X, Y, Z in Å (may be anisotropic).
	Spacing geom.Vec3
	// Origin is the Å position of the centre of voxel (0, 0, 0).
	Origin geom.Point
}

// Len returns the number of voxels.
func (f Frame) Len() int { return f.Shape[0] * f.Shape[1] * f.Shape[2] }

// Offset returns the linear index of voxel (i, j, k) in X-fastest order.
func (f Frame) Offset(i, j, k int) int { return i + f.Shape[0]*(j+f.Shape[1]*k) }

// ToVoxel converts a position in Å to a fractional voxel coordinate.
func (f Frame) ToVoxel(p geom.Point) geom.VoxelCoord {
	return geom.VoxelCoord{
		(p[0] - f.Origin[0]) / f.Spacing[0],
		(p[1] - f.Origin[1]) / f.Spacing[1],
		(p[2] - f.Origin[2]) / f.Spacing[2],
	}
}

// ToPoint converts a fractional voxel coordinate to a position in Å.
func (f Frame) ToPoint(v geom.VoxelCoord) geom.Point {
	return geom.Point{
		f.Origin[0] + v[0]*f.Spacing[0],
		f.Origin[1] + v[1]*f.Spacing[1],
		f.Origin[2] + v[2]*f.Spacing[2],
	}
}

// PointOf returns the Å position of the centre of voxel idx.
func (f Frame) PointOf(idx geom.Index) geom.Point {
	return f.ToPoint(geom.VoxelCoord{float64(idx[0]), float64(idx[1]), float64(idx[2])})
}

// Box returns the Å box spanned by the voxel centres (first to last).
func (f Frame) Box() geom.Box {
	return geom.Box{
		Min: f.Origin,
		Max: f.PointOf(geom.Index{f.Shape[0] - 1, f.Shape[1] - 1, f.Shape[2] - 1}),
	}
}

// MaxVoxels is the largest grid this package (and every reader and writer
// built on it) accepts: 2^31 voxels, 8 GiB of float32, the largest map an
// MRC header's 32-bit words describe in practice. Frame.Validate refuses
// larger frames, so nothing allocates a grid from an absurd size.
const MaxVoxels = 1 << 31

// SizeString describes a grid size for messages: "27×35×40 = 37,800 voxels
// (151 kB as float32)".
func SizeString(shape [3]int) string {
	n := float64(shape[0]) * float64(shape[1]) * float64(shape[2])
	return fmt.Sprintf("%d×%d×%d = %s voxels (%s as float32)", shape[0], shape[1], shape[2], groupDigits(n), byteSize(4*n))
}

func groupDigits(n float64) string {
	if n >= 1e15 {
		return fmt.Sprintf("%.3g", n)
	}
	s := fmt.Sprintf("%.0f", n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func byteSize(b float64) string {
	for _, u := range []struct {
		div  float64
		name string
	}{{1e15, "PB"}, {1e12, "TB"}, {1e9, "GB"}, {1e6, "MB"}, {1e3, "kB"}} {
		if b >= u.div {
			return fmt.Sprintf("%.3g %s", b/u.div, u.name)
		}
	}
	return fmt.Sprintf("%.0f B", b)
}

// Validate reports a frame that cannot place voxels: non-positive shape or
// spacing, non-finite values, or more than MaxVoxels voxels (the message
// gives the size).
func (f Frame) Validate() error {
	for a := 0; a < 3; a++ {
		if f.Shape[a] <= 0 {
			return fmt.Errorf("grid: shape[%d] = %d, want > 0", a, f.Shape[a])
		}
		if !(f.Spacing[a] > 0) || f.Spacing[a] > 1e6 {
			return fmt.Errorf("grid: spacing[%d] = %g Å, want a finite value > 0", a, f.Spacing[a])
		}
	}
	if !f.Origin.IsFinite() {
		return fmt.Errorf("grid: origin %v is not finite", f.Origin)
	}
	if n := float64(f.Shape[0]) * float64(f.Shape[1]) * float64(f.Shape[2]); n > MaxVoxels {
		return fmt.Errorf("grid: shape %s exceeds the cap of %s voxels (%s)", SizeString(f.Shape), groupDigits(MaxVoxels), byteSize(4*MaxVoxels))
	}
	return nil
}

// Grid is a dense float32 density grid in X-fastest order.
type Grid struct {
	Frame
	// Data holds Shape[0]·Shape[1]·Shape[2] values, index = i + Nx·(j + Ny·k).
	Data []float32
}

// New returns a zero-filled grid with the given frame.
func New(f Frame) *Grid {
	return &Grid{Frame: f, Data: make([]float32, f.Len())}
}

// At returns the value of voxel (i, j, k). It panics if out of range.
func (g *Grid) At(i, j, k int) float32 { return g.Data[g.Offset(i, j, k)] }

// Set sets the value of voxel (i, j, k). It panics if out of range.
func (g *Grid) Set(i, j, k int, v float32) { g.Data[g.Offset(i, j, k)] = v }

// Clone returns a deep copy of g.
func (g *Grid) Clone() *Grid {
	return &Grid{Frame: g.Frame, Data: append([]float32(nil), g.Data...)}
}

// Field is anything that gives density and its gradient per Å at points in Å:
// the classical interpolators here and the neural map. The density graph and
// the evaluation work on any Field.
type Field interface {
	// Domain is the Å box in which the field may be sampled.
	Domain() geom.Box
	// Sample writes the density at each point into val and, if grad is not
	// nil, its gradient per Å into grad. val (and grad) must have len(pts).
	// A point outside Domain is an error naming the point; nothing is clamped.
	Sample(pts []geom.Point, val []float64, grad []geom.Vec3) error
}
