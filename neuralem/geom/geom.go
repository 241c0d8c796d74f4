// Package geom holds the unit-carrying coordinate types shared by every other
// neuralem package. It sits at the bottom of the import graph.
//
// Three frames appear throughout neuralem and each has its own type, so the
// compiler refuses to mix them:
//
//   - Point: a position in Å in the map's Cartesian frame (the frame of the
//     atomic model, as ChimeraX and Coot show it).
//   - Vec3: a displacement, direction or gradient in Å (or per Å).
//   - VoxelCoord: a fractional voxel index along the grid's X, Y, Z axes
//     (after any MAPC/MAPR/MAPS permutation). Integer values are voxel centres.
//   - Index: an integer voxel index (i, j, k) along X, Y, Z.
//
// Conversions between Å and voxels live on grid.Frame, which knows the origin
// and the voxel size.
package geom

import "math"

// Point is a position in Å (x, y, z) in the map's Cartesian frame.
type Point [3]float64

// Vec3 is a displacement or a gradient in Å units (x, y, z).
type Vec3 [3]float64

// VoxelCoord is a fractional voxel index along the grid's X, Y, Z axes.
// VoxelCoord{0,0,0} is the centre of the first voxel.
type VoxelCoord [3]float64

// Index is an integer voxel index along the grid's X, Y, Z axes.
type Index [3]int

// Sub returns the displacement p - q in Å.
func (p Point) Sub(q Point) Vec3 { return Vec3{p[0] - q[0], p[1] - q[1], p[2] - q[2]} }

// Add returns p displaced by v.
func (p Point) Add(v Vec3) Point { return Point{p[0] + v[0], p[1] + v[1], p[2] + v[2]} }

// Dist returns the distance between p and q in Å.
func (p Point) Dist(q Point) float64 { return p.Sub(q).Norm() }

// Dist2 returns the squared distance between p and q in Å².
func (p Point) Dist2(q Point) float64 { d := p.Sub(q); return d.Dot(d) }

// Add returns v + w.
func (v Vec3) Add(w Vec3) Vec3 { return Vec3{v[0] + w[0], v[1] + w[1], v[2] + w[2]} }

// Scale returns s·v.
func (v Vec3) Scale(s float64) Vec3 { return Vec3{s * v[0], s * v[1], s * v[2]} }

// Dot returns the dot product v·w.
func (v Vec3) Dot(w Vec3) float64 { return v[0]*w[0] + v[1]*w[1] + v[2]*w[2] }

// Norm returns the Euclidean length of v.
func (v Vec3) Norm() float64 { return math.Sqrt(v.Dot(v)) }

// Box is an axis-aligned box in Å, closed on both ends.
type Box struct {
	Min, Max Point
}

// Contains reports whether p lies inside b (boundary included).
func (b Box) Contains(p Point) bool {
	for a := 0; a < 3; a++ {
		if !(p[a] >= b.Min[a] && p[a] <= b.Max[a]) { // also false for NaN
			return false
		}
	}
	return true
}

// Size returns the edge lengths of b in Å.
func (b Box) Size() Vec3 { return b.Max.Sub(b.Min) }

// IsFinite reports whether all components are finite numbers.
func (p Point) IsFinite() bool {
	for _, x := range p {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}
