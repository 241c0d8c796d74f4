package nb

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
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
//     models the learned initialisation was not trained on (7a4m 1.22 Å,
//     2src 1.5 Å, 1d66 2.7 Å; metainit.DefaultSplit) cut to 24-voxel
//     cubes; the noise experiment on 2src with white noise at peak/σ 1, 3,
//     10 and ∞; B-spline graphs of the shipped EMD-20026 crop (with the
//     neural map of notebook 01) and of the whole EMD-2566 map.
//   - full = true, what bench/experiments/run.sh runs (hours on 2 cores):
//     all 14 models, whole maps up to 24,000 voxels (else the largest
//     cube within that budget: a 27-voxel cube, 8 regions); every model in
//     15-voxel cubes with white and band-limited noise and three low-pass
//     filters; errors on a reproducible 25 % of the control's non-zero
//     voxels plus every peak; neural maps of every pair of the shared data
//     within 6 Å of their models. Keep it in step with run.sh.
func Experiments(full bool) ExperimentSizes {
	inits := []string{experiment.InitLearned, experiment.InitRandom}
	fit := CropFitOptions() // the cpu preset without a wall-clock cap
	base := experiment.InterpOptions{Preset: CropPreset, Config: fit.Config, Tiling: fit.Tiling, Inits: inits,
		CheckpointDir: CachePath("experiments"), DataDir: SharedDir()}
	if full {
		interp := base
		interp.MaxInputVoxels, interp.ControlFraction = 24000, 0.25
		noise := experiment.NoiseOptions{InterpOptions: base, SNRs: []float64{1, 3, 10, math.Inf(1)},
			Kinds: []experiment.NoiseKind{experiment.NoiseWhite, experiment.NoiseBand}, LowPass: []float64{0.5, 1, 2}, NoiseSeed: 1}
		noise.CropVoxels, noise.ControlFraction = 15, 0.25
		graph := experiment.GraphOptions{DataDir: SharedDir(), FitNeural: true, ModelMargin: 6, Preset: CropPreset,
			Config: fit.Config, Tiling: fit.Tiling, Init: experiment.InitLearned, CheckpointDir: base.CheckpointDir}
		return ExperimentSizes{Interp: interp, Noise: noise, Graph: graph}
	}
	interp := base
	interp.Models = []experiment.SimModel{
		{Name: "7a4m", Path: "models/sim/7a4m.cif", Resolution: 1.22},
		{Name: "2src", Path: "models/sim/2src.pdb", Resolution: 1.5},
		{Name: "1d66", Path: "models/sim/1d66.pdb", Resolution: 2.7},
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
// charts.InterpolationError, from its table (InterpResults.Table, or a JSON
// output read by Results).
func InterpSeries(t *experiment.Table) []charts.ErrorSeries {
	var out []charts.ErrorSeries
	add := func(name string, res, mae float64) {
		if math.IsNaN(res) || math.IsNaN(mae) {
			return
		}
		for i := range out {
			if out[i].Name == name {
				out[i].Resolution, out[i].Error = append(out[i].Resolution, res), append(out[i].Error, mae)
				return
			}
		}
		out = append(out, charts.ErrorSeries{Name: name, Resolution: []float64{res}, Error: []float64{mae}})
	}
	seen := map[string]bool{}
	for _, row := range t.Rows {
		res := experiment.Num(row, "resolution_A")
		add("neural, "+experiment.Str(row, "init")+" init", res, experiment.Num(row, "neural_mae"))
		model := experiment.Str(row, "model")
		if seen[model] { // the classical interpolators are the same in every initialisation's row
			continue
		}
		seen[model] = true
		add("trilinear", res, experiment.Num(row, "trilinear_mae"))
		add("cubic B-spline", res, experiment.Num(row, "bspline_mae"))
	}
	return out
}

// NoiseSeries returns the noise experiment's mean MAE against peak/σ per
// method for one noise kind, for charts.ErrorVsSNR, from its table's means
// (NoiseResults.Table, or a JSON output read by Results). The noise-free
// point (peak/σ ∞) is every curve's last.
func NoiseSeries(t *experiment.Table, kind experiment.NoiseKind) []charts.SNRSeries {
	var out []charts.SNRSeries
	at := map[string]int{}
	for _, row := range t.Means {
		k, snr := experiment.Str(row, "noise"), experiment.Num(row, "snr")
		if row["snr"] == "inf" {
			snr = math.Inf(1)
		}
		if (k != string(kind) && k != string(experiment.NoiseNone)) || math.IsNaN(snr) {
			continue
		}
		m := experiment.Str(row, "method")
		i, ok := at[m]
		if !ok {
			i, at[m] = len(out), len(out)
			out = append(out, charts.SNRSeries{Name: m})
		}
		out[i].SNR, out[i].Error = append(out[i].SNR, snr), append(out[i].Error, experiment.Num(row, "mean_mae"))
	}
	return out
}

// CAPoints returns the graph experiment's Cα metrics per graph (whole-model
// rows), for charts.CAMetrics, from its table (GraphResults.Table, or a JSON
// output read by Results).
func CAPoints(t *experiment.Table) []charts.CAPoint {
	var out []charts.CAPoint
	for _, row := range t.Rows {
		if c := experiment.Str(row, "chain"); c != "" && c != "all" {
			continue
		}
		out = append(out, charts.CAPoint{Series: experiment.Str(row, "field"), Label: experiment.Str(row, "pair"), Resolution: experiment.Num(row, "resolution_A"),
			RMSD: experiment.Num(row, "ca_rmsd_3A"), Coverage: experiment.Num(row, "ca_cov_3A_pct"), NodeFraction: experiment.Num(row, "ca_nodefrac_3A_pct")})
	}
	return out
}

// InterpChart is Figure 5 redrawn from an interpolation table: MAE against
// resolution per method, log scale, with the paper's two lines.
func InterpChart(t *experiment.Table) charts.Chart {
	return Must1(charts.InterpolationError("MAE vs the 0.2 Å control, [0, 1] scale", InterpSeries(t), true,
		charts.Ref{Value: 0.01, Label: "paper: neural < 0.01"}, charts.Ref{Value: 0.066, Label: "paper: linear 0.066 (mean)"}))
}

// NoiseChart is the noise experiment's chart for one noise kind: mean MAE
// against the clean control vs peak/σ, one line per method, log scale.
func NoiseChart(t *experiment.Table, kind experiment.NoiseKind) charts.Chart {
	title := fmt.Sprintf("Interpolation error vs noise (%s noise, mean over the models)", kind)
	return Must1(charts.ErrorVsSNR(title, "MAE vs clean control, [0, 1] scale", NoiseSeries(t, kind), true))
}

// CAChart is Figure 6's three Cα panels from a graph table, with the
// paper's values as reference lines.
func CAChart(t *experiment.Table) charts.Chart {
	return Must1(charts.CAMetrics(CAPoints(t), [3][]charts.Ref{
		{{Value: 1.13, Label: "paper, near-atomic: 1.13 Å"}},
		{{Value: 99.4, Label: "paper, atomic: 99.4 %"}, {Value: 84.5, Label: "near-atomic: 84.5 %"}},
		{{Value: 61.9, Label: "paper, mean: 61.9 %"}}}))
}

// Results reads the JSON output of a full-size run kept in the repository,
// bench/experiments/results/NAME.json (interp, noise or graph; see the
// README there for how each was made).
func Results(name string) *experiment.Table {
	f := Must1(os.Open(RepoPath(filepath.Join("bench", "experiments", "results", name+".json"))))
	defer f.Close()
	return Must1(experiment.ReadTable(f))
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
