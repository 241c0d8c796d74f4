// Package region implements the paper's sub-region tiling of a voxel grid
// (§2.1, "Sub-regions"): each axis of n_v voxels is cut into n_r overlapping
// windows of v_r voxels,
//
//	v_r = min(n_v, Size)                       (paper: Size = 64)
//	n_r = ceil((n_v − v_r) / (v_r − Overlap)) + 1  (paper: Overlap = 4)
//	s   = (n_v − v_r) / max(n_r − 1, 1)
//	i_n = floor((n − 1)·s),  n = 1 … n_r
//
// and the 3-D regions are the Cartesian product of the per-axis windows. Each
// region is trained as one SIREN (package siren).
//
// All indices here are integer voxel indices (geom.Index) along the grid's X,
// Y, Z axes; nothing is in Å. Regions are half-open boxes [Lo, Hi): voxel idx
// belongs to r when r.Lo[a] ≤ idx[a] < r.Hi[a] on every axis a.
//
// The start i_n is computed in exact integer arithmetic,
// floor((n−1)·(n_v−v_r) / (n_r−1)), which equals the paper's formula without
// the floating-point rounding that could otherwise make the last window stop
// one voxel short of the edge (Size 16, Overlap 4, n_v = 262 in float64 puts
// the last start at 245 and leaves voxel 261 uncovered). Consequences
// (tested): the first window starts
// at 0, the last ends at n_v, and neighbouring windows overlap by at least
// Overlap voxels whenever an axis has more than one window.
package region

import (
	"fmt"
	"math"

	"github.com/neuralem/neuralem/neuralem/geom"
)

// Options are the tiling parameters, in voxels.
type Options struct {
	// Size is the maximum region edge in voxels (paper: 64).
	Size int
	// Overlap is the minimum overlap between neighbouring regions along an
	// axis, in voxels (paper: 4). Must satisfy 0 ≤ Overlap < Size.
	Overlap int
}

// DefaultOptions are the paper's parameters: 64-voxel regions overlapping by
// at least 4 voxels.
var DefaultOptions = Options{Size: 64, Overlap: 4}

// Validate reports options that cannot tile: Size ≤ 0, Overlap < 0 or
// Size ≤ Overlap.
func (o Options) Validate() error {
	if o.Size <= 0 {
		return fmt.Errorf("region: options Size = %d voxels, want > 0", o.Size)
	}
	if o.Overlap < 0 {
		return fmt.Errorf("region: options Overlap = %d voxels, want ≥ 0", o.Overlap)
	}
	if o.Size <= o.Overlap {
		return fmt.Errorf("region: options Size = %d voxels ≤ Overlap = %d voxels, want Size > Overlap", o.Size, o.Overlap)
	}
	return nil
}

// Region is one sub-region: the half-open voxel box [Lo, Hi).
type Region struct {
	// ID is the region's position in the tiling, X fastest:
	// ID = ix + nx·(iy + ny·iz) where (ix, iy, iz) are the window numbers
	// along each axis and nx, ny the window counts along X and Y.
	ID int
	// Lo is the first voxel index (inclusive) along X, Y, Z.
	Lo geom.Index
	// Hi is one past the last voxel index (exclusive) along X, Y, Z.
	Hi geom.Index
}

// Shape returns the number of voxels along X, Y, Z.
func (r Region) Shape() [3]int {
	return [3]int{r.Hi[0] - r.Lo[0], r.Hi[1] - r.Lo[1], r.Hi[2] - r.Lo[2]}
}

// Len returns the number of voxels in r.
func (r Region) Len() int { s := r.Shape(); return s[0] * s[1] * s[2] }

// Contains reports whether voxel idx lies in r (Lo inclusive, Hi exclusive).
func (r Region) Contains(idx geom.Index) bool {
	for a := 0; a < 3; a++ {
		if idx[a] < r.Lo[a] || idx[a] >= r.Hi[a] {
			return false
		}
	}
	return true
}

// Axis tiles one axis of n voxels. It returns the window length v_r and the
// start index of each window (i_1 … i_{n_r}); window k covers
// [starts[k], starts[k]+size).
func Axis(n int, opts Options) (starts []int, size int, err error) {
	if err := opts.Validate(); err != nil {
		return nil, 0, err
	}
	if n <= 0 {
		return nil, 0, fmt.Errorf("region: axis length %d voxels, want > 0", n)
	}
	size = min(n, opts.Size)
	if n == size {
		return []int{0}, size, nil
	}
	step := size - opts.Overlap // > 0 by Validate
	count := (n-size+step-1)/step + 1
	starts = make([]int, count)
	for k := range starts {
		// floor(k·(n−size)/(count−1)), count ≥ 2 here.
		starts[k] = k * (n - size) / (count - 1)
	}
	return starts, size, nil
}

// MaxRegions caps the number of regions Tile makes (2^24: a 2^31-voxel map
// in 16-voxel regions overlapping by 4 has about 1.2 million).
const MaxRegions = 1 << 24

// Count returns the number of windows Axis makes along each axis of shape
// and their product, without building the regions: use it to check a size
// read from a file before Tile allocates.
func Count(shape [3]int, opts Options) (perAxis [3]int, total int64, err error) {
	if err := opts.Validate(); err != nil {
		return perAxis, 0, err
	}
	total = 1
	for a := 0; a < 3; a++ {
		n := shape[a]
		if n <= 0 {
			return perAxis, 0, fmt.Errorf("region: shape[%d] = %d voxels, want > 0", a, n)
		}
		size := min(n, opts.Size)
		perAxis[a] = 1
		if n > size {
			step := size - opts.Overlap
			perAxis[a] = (n-size+step-1)/step + 1
		}
		if total > math.MaxInt64/int64(perAxis[a]) {
			return perAxis, 0, fmt.Errorf("region: shape %v with %+v has too many regions to count", shape, opts)
		}
		total *= int64(perAxis[a])
	}
	return perAxis, total, nil
}

// Tile cuts a grid of shape (Nx, Ny, Nz) voxels into overlapping regions,
// per axis with Axis, and returns their Cartesian product ordered by ID
// (X fastest). Every voxel lies in at least one region.
func Tile(shape [3]int, opts Options) ([]Region, error) {
	if _, n, err := Count(shape, opts); err != nil {
		return nil, err
	} else if n > MaxRegions {
		return nil, fmt.Errorf("region: shape %v with regions of ≤ %d voxels overlapping by ≥ %d makes %d regions, more than the cap of %d", shape, opts.Size, opts.Overlap, n, MaxRegions)
	}
	var starts [3][]int
	var size [3]int
	for a := 0; a < 3; a++ {
		if shape[a] <= 0 {
			return nil, fmt.Errorf("region: shape[%d] = %d voxels, want > 0", a, shape[a])
		}
		var err error
		starts[a], size[a], err = Axis(shape[a], opts)
		if err != nil {
			return nil, err
		}
	}
	regions := make([]Region, 0, len(starts[0])*len(starts[1])*len(starts[2]))
	for _, z := range starts[2] {
		for _, y := range starts[1] {
			for _, x := range starts[0] {
				lo := geom.Index{x, y, z}
				regions = append(regions, Region{
					ID: len(regions),
					Lo: lo,
					Hi: geom.Index{x + size[0], y + size[1], z + size[2]},
				})
			}
		}
	}
	return regions, nil
}
