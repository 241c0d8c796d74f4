package neuralmap

import (
	"fmt"
	"math"

	"github.com/neuralem/neuralem/neuralem/geom"
	"github.com/neuralem/neuralem/neuralem/grid"
	"github.com/neuralem/neuralem/neuralem/mrc"
)

// unitField is m as a grid.Field in the given units.
type unitField struct {
	m     *NeuralMap
	units Units
}

func (f unitField) Domain() geom.Box { return f.m.Domain() }
func (f unitField) Sample(pts []geom.Point, val []float64, grad []geom.Vec3) error {
	return f.m.SampleUnits(pts, val, grad, f.units)
}

// Field returns m as a grid.Field sampling in the given units (Sample is
// the Units01 one).
func (m *NeuralMap) Field(units Units) grid.Field { return unitField{m, units} }

// FrameAt returns the frame with the given voxel size (Å) whose first voxel
// centre is the map's first voxel centre and whose voxel centres fill the
// map's domain: shape_a = ⌊extent_a/spacing⌋ + 1. FrameAt(0.2) is a 0.2 Å
// grid of the whole map in the input map's origin convention. A frame of
// more than grid.MaxVoxels voxels is an error giving its size.
func (m *NeuralMap) FrameAt(spacing float64) (grid.Frame, error) {
	if !(spacing > 0) || math.IsInf(spacing, 0) {
		return grid.Frame{}, fmt.Errorf("neuralmap: frame at voxel size %g Å, want a finite value > 0", spacing)
	}
	ext := m.Domain().Size()
	f := grid.Frame{Spacing: geom.Vec3{spacing, spacing, spacing}, Origin: m.Frame.Origin}
	var n [3]float64
	total := 1.0
	for a := 0; a < 3; a++ {
		// The small tolerance keeps a centre that lands on the last original
		// centre up to rounding.
		n[a] = math.Floor(ext[a]/spacing*(1+1e-12)) + 1
		total *= n[a]
	}
	if total > grid.MaxVoxels {
		return grid.Frame{}, fmt.Errorf("neuralmap: a %g Å grid of the map's %.4g×%.4g×%.4g Å would be %.0f×%.0f×%.0f = %.3g voxels (%.3g GB as float32), over the cap of %d voxels: use a larger voxel size",
			spacing, ext[0], ext[1], ext[2], n[0], n[1], n[2], total, 4*total/1e9, int64(grid.MaxVoxels))
	}
	for a := 0; a < 3; a++ {
		f.Shape[a] = int(n[a])
	}
	// Keep every centre inside the domain despite the tolerance.
	for a := 0; a < 3; a++ {
		if last := f.Origin[a] + float64(f.Shape[a]-1)*spacing; last > m.Domain().Max[a] {
			f.Shape[a]--
		}
	}
	return f, f.Validate()
}

// Resample evaluates m at every voxel centre of frame, in the given units.
// Every centre must lie in m.Domain() (use m.Frame or FrameAt).
func (m *NeuralMap) Resample(frame grid.Frame, units Units) (*grid.Grid, error) {
	g, err := grid.Resample(m.Field(units), frame)
	if err != nil {
		return nil, fmt.Errorf("neuralmap: %w", err)
	}
	return g, nil
}

// WriteMRC resamples m onto frame and writes it as an MRC2014 float32 map at
// path (gzip if it ends in .gz). The origin convention is the one mrc.Write
// uses (ORIGIN words = position of voxel (0,0,0), NSTART = 0), so ChimeraX
// and Coot place the export where they place the input map.
func (m *NeuralMap) WriteMRC(path string, frame grid.Frame, units Units) error {
	g, err := m.Resample(frame, units)
	if err != nil {
		return fmt.Errorf("neuralmap: export %s: %w", path, err)
	}
	labels := []string{fmt.Sprintf("neuralem neural map, %s units, %d regions", units, len(m.Regions))}
	if units == UnitsOriginal {
		// The normalisation clamps densities below 0 (Norm.Lo); the inverse
		// cannot bring them back.
		labels[0] = fmt.Sprintf("neuralem neural map, original units, densities <= %.4g clipped to %.4g", max(m.Norm.Lo, 0), m.Norm.Lo)
		labels = append(labels, fmt.Sprintf("neuralem %d regions; negative input densities are not restored", len(m.Regions)))
	}
	return mrc.Write(path, g, mrc.WriteOptions{Labels: labels})
}
