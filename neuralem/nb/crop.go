package nb

import (
	"context"
	"fmt"
	"time"

	"github.com/neuralem/neuralem/neuralem/geom"
	"github.com/neuralem/neuralem/neuralem/grid"
	"github.com/neuralem/neuralem/neuralem/model"
	"github.com/neuralem/neuralem/neuralem/mrc"
	"github.com/neuralem/neuralem/neuralem/neuralmap"
)

// The shipped default (neuralem/testdata/default/README.md): a 27 × 35 × 40
// voxel crop (0.65 Å voxels) of EMD-20026, mouse apoferritin, with the atoms
// of its fitted model inside the box.
const (
	CropMapFile   = "neuralem/testdata/default/emd20026_crop.mrc.gz"
	CropModelFile = "neuralem/testdata/default/emd20026_crop.pdb"
	// CropResolution is EMD-20026's reported resolution in Å.
	CropResolution = 1.75
	// CropPreset is the preset the notebooks fit the crop with.
	CropPreset = "cpu"
	// CropCheckpoint is the cache file of the crop's neural map (the learned
	// initialisation fitted with K-FAC, the cpu preset's default).
	CropCheckpoint = "emd20026_crop_cpu_learned_kfac.nem"
)

// CropMap reads the shipped map.
func CropMap() *grid.Grid {
	g, _, err := mrc.ReadGrid(RepoPath(CropMapFile))
	Must(err)
	return g
}

// CropModel reads the shipped model.
func CropModel() *model.Model { return Must1(model.ReadFile(RepoPath(CropModelFile))) }

// CropFitOptions returns the options every notebook fits the crop with:
// neuralmap.Preset(CropPreset), so from the shipped learned initialisation
// (metainit.Default; set Init to nil for random weights), without its
// wall-clock cap (MaxTime; on a
// shared or paused machine a time cap makes the result depend on the load:
// the preset's step cap and stop rule decide), the crop's resolution, and a
// checkpoint in the cache, so that a fit is made once and loaded afterwards.
func CropFitOptions() neuralmap.FitOptions {
	opts, _ := Must2(Must1(neuralmap.Preset(CropPreset)).Override(neuralmap.Override{MaxTime: new(time.Duration(0))}))
	opts.Resolution = CropResolution
	opts.Checkpoint = CachePath(CropCheckpoint)
	return opts
}

// NeuralMap returns the crop's neural map as notebook 01 fits it: loaded
// from the cache, or fitted now (same options, same file) if 01 has not run.
func NeuralMap() *neuralmap.NeuralMap {
	return Must1(neuralmap.Fit(context.Background(), CropMap(), CropFitOptions(), nil))
}

// CropRandomCheckpoint is the cache file of the crop's neural map fitted
// from random initial weights.
const CropRandomCheckpoint = "emd20026_crop_cpu_random.nem"

// CropNeuralMap returns the crop's neural map fitted from the named
// initialisation: "learned" (CropFitOptions, NeuralMap) or "random"
// (the same options with Init nil, cached in CropRandomCheckpoint). Any
// other name panics with an error naming it (a notebook cell's mistake).
func CropNeuralMap(init string) *neuralmap.NeuralMap {
	switch init {
	case "learned":
		return NeuralMap()
	case "random":
		opts := CropFitOptions()
		opts.Init, opts.Checkpoint = nil, CachePath(CropRandomCheckpoint)
		return Must1(neuralmap.Fit(context.Background(), CropMap(), opts, nil))
	}
	Must(fmt.Errorf("nb: CropNeuralMap(%q): want \"learned\" or \"random\"", init))
	return nil
}

// XYZ converts points in Å to the plain triples the chart builders take.
func XYZ(pts []geom.Point) [][3]float64 {
	out := make([][3]float64, len(pts))
	for i, p := range pts {
		out[i] = [3]float64(p)
	}
	return out
}

// Traces converts chains of points (a Cα trace, walk paths) to plain
// triples for the chart builders.
func Traces(chains [][]geom.Point) [][][3]float64 {
	out := make([][][3]float64, len(chains))
	for i, c := range chains {
		out[i] = XYZ(c)
	}
	return out
}
