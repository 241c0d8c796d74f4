package nb

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"os"
	"strings"

	"github.com/neuralem/neuralem/neuralem/charts"
	"github.com/neuralem/neuralem/neuralem/experiment"
	"github.com/neuralem/neuralem/neuralem/internal/atomicfile"
)

// ExperimentSizes holds the options of notebook 03's three experiments.
type ExperimentSizes struct {
	Interp experiment.InterpOptions
	Noise  experiment.NoiseOptions
	Graph  experiment.GraphOptions
}

// Experiments returns the options of the interpolation, noise and graph
// experiments with the cpu preset (learned and random initialisations, no
// wall-clock cap, checkpoints in the cache):
//
//   - full = false, notebook size (minutes on 2 cores): three simulated
//     models (5gob 1.15 Å, 4oz7 1.65 Å, 1blu 2.1 Å) cut to 24-voxel cubes;
//     the noise experiment on 4oz7 with white noise at peak/σ 1, 3, 10 and
//     ∞; B-spline graphs of the shipped EMD-20026 crop (with the neural map
//     of notebook 01) and of the whole EMD-2566 map.
//   - full = true, what bench/experiments/run.sh runs (hours on 2 cores):
//     all 14 models, whole maps up to 400,000 voxels (else the largest
//     cube within that budget); every model in 15-voxel cubes with white
//     and band-limited noise and three low-pass filters; neural maps of
//     every pair of the shared data within 6 Å of their models.
func Experiments(full bool) ExperimentSizes {
	inits := []string{experiment.InitLearned, experiment.InitRandom}
	fit := CropFitOptions() // the cpu preset without a wall-clock cap
	base := experiment.InterpOptions{Preset: CropPreset, Config: fit.Config, Tiling: fit.Tiling, Inits: inits,
		CheckpointDir: CachePath("experiments"), DataDir: SharedDir()}
	if full {
		interp := base
		interp.MaxInputVoxels, interp.ControlFraction = 400000, 0.25
		noise := experiment.NoiseOptions{InterpOptions: base, SNRs: []float64{1, 3, 10, math.Inf(1)},
			Kinds: []experiment.NoiseKind{experiment.NoiseWhite, experiment.NoiseBand}, LowPass: []float64{0.5, 1, 2}, NoiseSeed: 1}
		noise.CropVoxels = 15
		graph := experiment.GraphOptions{DataDir: SharedDir(), FitNeural: true, ModelMargin: 6, Preset: CropPreset,
			Config: fit.Config, Tiling: fit.Tiling, Init: experiment.InitLearned, CheckpointDir: base.CheckpointDir}
		return ExperimentSizes{Interp: interp, Noise: noise, Graph: graph}
	}
	interp := base
	interp.Models = []experiment.SimModel{
		{Name: "5gob", Path: "models/sim/5gob.pdb", Resolution: 1.15},
		{Name: "4oz7", Path: "models/sim/4oz7.pdb", Resolution: 1.65},
		{Name: "1blu", Path: "models/sim/1blu.pdb", Resolution: 2.1},
	}
	interp.CropVoxels = 24
	noise := experiment.NoiseOptions{InterpOptions: base, SNRs: []float64{1, 3, 10, math.Inf(1)},
		Kinds: []experiment.NoiseKind{experiment.NoiseWhite}, NoiseSeed: 1}
	noise.Models, noise.CropVoxels = interp.Models[1:2], 15
	crop := experiment.Pair{Name: "EMD-20026 crop", Map: RepoPath(CropMapFile), Model: RepoPath(CropModelFile),
		Resolution: CropResolution, Masked: true, ResolutionNote: "shipped default crop (neuralem/testdata/default)",
		NeuralMap: CachePath(CropCheckpoint)}
	graph := experiment.GraphOptions{Pairs: []experiment.Pair{crop, experiment.DefaultPairs()[1]}, DataDir: SharedDir(),
		ModelMargin: 3, CheckpointDir: base.CheckpointDir}
	return ExperimentSizes{Interp: interp, Noise: noise, Graph: graph}
}

// ExperimentProgress prints an experiment's stages, one line each: what it
// simulates, fits and builds (not every training step, walk step or
// sampled slab).
func ExperimentProgress(p experiment.Progress) {
	if p.Fit != nil || strings.HasPrefix(p.Stage, "walk") || strings.HasPrefix(p.Stage, "sample") {
		return
	}
	fmt.Printf("%s [%d/%d] %s %s\n", p.Item, p.Index+1, p.Total, p.Stage, p.Detail)
}

// InterpSeries returns the interpolation experiment's MAE against
// resolution per method (the neural map once per initialisation), for
// charts.InterpolationError.
func InterpSeries(r *experiment.InterpResults) []charts.ErrorSeries {
	var out []charts.ErrorSeries
	add := func(name string, res, mae float64) {
		for i := range out {
			if out[i].Name == name {
				out[i].Resolution, out[i].Error = append(out[i].Resolution, res), append(out[i].Error, mae)
				return
			}
		}
		out = append(out, charts.ErrorSeries{Name: name, Resolution: []float64{res}, Error: []float64{mae}})
	}
	seen := map[string]bool{}
	for _, row := range r.Rows {
		if !math.IsNaN(row.Neural.MAE) {
			add("neural, "+row.Init+" init", row.Resolution, row.Neural.MAE)
		}
		if seen[row.Model] { // the classical interpolators are the same in every initialisation's row
			continue
		}
		seen[row.Model] = true
		add("trilinear", row.Resolution, row.Trilinear.MAE)
		add("cubic B-spline", row.Resolution, row.BSpline.MAE)
	}
	return out
}

// NoiseSeries returns the noise experiment's mean MAE against peak/σ per
// method for one noise kind, for charts.ErrorVsSNR.
func NoiseSeries(r *experiment.NoiseResults, kind experiment.NoiseKind) []charts.SNRSeries {
	var out []charts.SNRSeries
	for _, c := range r.Curves() {
		if c.Kind == kind {
			out = append(out, charts.SNRSeries{Name: c.Method, SNR: c.SNR, Error: c.MAE})
		}
	}
	return out
}

// CAPoints returns the graph experiment's Cα metrics per graph (whole-model
// rows), for charts.CAMetrics.
func CAPoints(r *experiment.GraphResults) []charts.CAPoint {
	var out []charts.CAPoint
	for _, row := range r.Rows {
		if row.Chain != "" && row.Chain != "all" {
			continue
		}
		out = append(out, charts.CAPoint{Series: row.Field, Label: row.Pair, Resolution: row.Resolution,
			RMSD: row.CARMSD, Coverage: 100 * row.CACoverage, NodeFraction: 100 * row.CANodeFraction})
	}
	return out
}

// VerdictMarkdown is the verdict as a markdown table.
func VerdictMarkdown(rows []experiment.VerdictRow) string {
	var b strings.Builder
	Must(experiment.WriteVerdictMarkdown(&b, rows))
	return b.String()
}

// KeepResults writes an experiment's JSON output (its WriteJSON) to the
// cache as name.json, for the verdict cell.
func KeepResults(name string, write func(io.Writer) error) {
	var b bytes.Buffer
	Must(write(&b))
	Must(atomicfile.WriteBytes(CachePath(name+".json"), b.Bytes()))
}

// KeptTable reads the experiment results kept by KeepResults.
func KeptTable(name string) *experiment.Table {
	f := Must1(os.Open(CachePath(name + ".json")))
	defer f.Close()
	return Must1(experiment.ReadTable(f))
}
