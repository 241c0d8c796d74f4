package experiment

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gomlx/compute"
	"github.com/neuralem/neuralem/neuralem/geom"
	"github.com/neuralem/neuralem/neuralem/grid"
	"github.com/neuralem/neuralem/neuralem/model"
	"github.com/neuralem/neuralem/neuralem/molmap"
	"github.com/neuralem/neuralem/neuralem/neuralmap"
	"github.com/neuralem/neuralem/neuralem/region"
	"github.com/neuralem/neuralem/neuralem/siren"
)

// DefaultControlSpacing is the paper's control voxel size in Å (§3.1).
const DefaultControlSpacing = 0.2

// Normalization selects how the control's values are put on the [0, 1] scale
// of the interpolated values (see the package doc).
type Normalization int

const (
	// NormInput maps input and control with the same normalisation, fitted
	// on the input (default): a perfect interpolator has zero error.
	NormInput Normalization = iota
	// NormOwn maps the control with a normalisation fitted on the control
	// itself (each map by its own maximum: the literal reading of §3.1).
	NormOwn
)

// String returns "input" or "own".
func (n Normalization) String() string {
	if n == NormOwn {
		return "own"
	}
	return "input"
}

// ParseNormalization parses "input" or "own".
func ParseNormalization(s string) (Normalization, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "input", "shared", "":
		return NormInput, nil
	case "own", "each":
		return NormOwn, nil
	}
	return 0, fmt.Errorf("normalization %q: want input or own", s)
}

// Progress reports what an experiment is doing. Fit is set during a neural
// map fit (one call per training step and per finished region).
type Progress struct {
	Experiment string // "interp" or "graph"
	Item       string // model or pair name
	Index      int    // position of Item (0-based)
	Total      int    // number of items
	Stage      string // e.g. "simulate", "fit", "sample", "graph bspline"
	Detail     string
	Fit        *neuralmap.FitProgress
}

// InterpOptions configure RunInterp. The zero value runs the paper's
// full-size experiment with the paper's network on every default model.
type InterpOptions struct {
	// Models to simulate (nil: DefaultSimModels()). Relative paths are
	// looked up under DataDir (default: the shared data directory).
	Models  []SimModel
	DataDir string
	// ControlSpacing is the control's voxel size in Å (0: 0.2, the paper).
	ControlSpacing float64
	// Crop is the edge in Å of a cube applied to input and control (0: the
	// whole maps). The cube is centred on CropCenter if set, else on the
	// centroid of the atoms picked by CropResidues if set, else on the heavy
	// atom closest to the model's centroid (so that the cube holds protein
	// even when the centroid falls into a cavity).
	Crop float64
	// CropVoxels, if > 0, sets Crop to this many input voxels (CropVoxels ×
	// R/3 Å, giving N or N+1 voxels per axis) for each model, so that every model's neural map sees the same
	// number of voxels per region whatever its resolution (the paper's
	// regions are 64 voxels at every resolution, and SIREN's ω0 = 30 is
	// tuned to that sampling density: few-voxel regions interpolate badly).
	CropVoxels   int
	CropCenter   *geom.Point
	CropResidues string // "A:10-30" or "A:42": chain and residue number range
	// Preset names the SIREN configuration (siren.Preset; "" = "paper")
	// unless Config.Width is set, in which case Config is used as is.
	Preset string
	Config siren.Config
	// Seed, if not 0, replaces the configuration's seed.
	Seed uint64
	// Tiling of the neural map (zero value: the preset's — the paper's
	// 64/4, or 16/4 for "cpu"; see neuralmap.Preset).
	Tiling region.Options
	// Normalization of the control (default NormInput).
	Normalization Normalization
	// MaxInputVoxels, if > 0 and neither Crop nor CropVoxels is set, keeps
	// the whole input map of a model when it has at most this many voxels
	// and otherwise crops it to the largest cube of at most this many
	// voxels (InterpRow.Crop says which): "whole maps where the fit is
	// affordable, else the largest crop that is".
	MaxInputVoxels int `json:",omitempty"`
	// ControlFraction, if in (0, 1), samples the interpolators at that
	// fraction of the non-zero control voxels, picked pseudo-randomly but
	// reproducibly, plus every control peak (0: all of them, the paper).
	// The MAE is then an unbiased estimate; the maximum error is the
	// subset's. Whole maps at 0.2 Å have up to ~10⁸ non-zero voxels.
	ControlFraction float64 `json:",omitempty"`
	// NoNeural skips the neural map (classical interpolators only).
	NoNeural bool
	// Inits are the initialisations of the neural maps' networks, one fit
	// per model and entry (InitRandom, InitLearned or a .nemi file; nil:
	// InitRandom only). Each gives its own row.
	Inits []string `json:",omitempty"`
	// CheckpointDir, if set, keeps each fitted neural map there (named
	// after the model, resolution and crop) and resumes from it.
	CheckpointDir string
	// Workers and Stack are passed to neuralmap.FitOptions (0: its
	// defaults, one worker per core on the Go backend, no stacking).
	Workers, Stack int `json:",omitempty"`
	// Backend for the neural fit and sampling (nil: siren.NewBackend(),
	// i.e. $GOMLX_BACKEND, else siren.DefaultBackendConfig).
	Backend compute.Backend `json:"-"`
}

// InterpRow is the result for one model.
type InterpRow struct {
	Model      string  `json:"model"`
	Path       string  `json:"path"`
	Resolution float64 `json:"resolution"` // Å
	// InputSpacing and ControlSpacing are the voxel sizes in Å.
	InputSpacing, ControlSpacing float64
	// InputShape and ControlShape are the simulated (cropped) grids.
	InputShape, ControlShape [3]int
	// Origin is the shared frame origin of the uncropped input and control.
	Origin geom.Point
	// Crop is the cube edge in Å (0: none) and CropCenter its centre.
	Crop       float64
	CropCenter geom.Point
	// Domain is the input's (cropped) domain: the box of its voxel centres.
	Domain geom.Box
	// ControlVoxels is the number of control voxels inside Domain and
	// NonZero the number of those with a non-zero value: the evaluated ones.
	ControlVoxels, NonZero int
	// Normalization used for the control, and the control's statistics on
	// the [0, 1] scale over the evaluated voxels. ControlMax01 > 1 says how
	// much of the peaks the input grid missed (NormInput).
	Normalization               string
	ControlMean01, ControlStd01 float64
	ControlMin01, ControlMax01  float64
	// InputMaxRaw and ControlMaxRaw are the maps' maxima in molmap units.
	InputMaxRaw, ControlMaxRaw float64
	// Peaks is the number of control peaks (see PeakFloor) among the
	// non-zero voxels, where ErrStats.PeakMAE is measured, and Sampled the
	// number of voxels the errors are over (NonZero unless
	// InterpOptions.ControlFraction < 1).
	Peaks, Sampled int
	// Errors of each interpolator against the control.
	Neural, Trilinear, BSpline ErrStats
	// The neural map's fit (Init says which initialisation; empty without
	// a neural map).
	NeuralFit
	SimulateTime time.Duration
}

// NeuralFit records a neural map fit: the initialisation, the wall time
// of this run's fit call (FitTime: near 0 when resumed from a checkpoint)
// and the regions' summed training time (TrainTime, kept in the
// checkpoint), regions, total Adam steps, how many regions stopped for each
// reason, worst and median region loss (best MSE on the networks' [−1, 1]
// scale), parameters and the fit's summary.
type NeuralFit struct {
	Init          string
	FitTime       time.Duration
	TrainTime     time.Duration
	Stops         string
	Regions       int
	FitSteps      int
	FitWorstLoss  float64
	FitMedianLoss float64
	NeuralParams  int
	NeuralSummary string
}

// record fills f from a fitted neural map.
func (f *NeuralFit) record(nm *neuralmap.NeuralMap) {
	f.Regions = len(nm.Regions)
	f.FitSteps, f.FitWorstLoss = 0, 0
	f.TrainTime = 0
	losses := make([]float64, 0, len(nm.Regions))
	stops := map[string]int{}
	for _, r := range nm.Regions {
		f.FitSteps += r.Report.Steps
		f.FitWorstLoss = math.Max(f.FitWorstLoss, r.Report.BestLoss)
		f.TrainTime += r.Report.TrainTime
		losses = append(losses, r.Report.BestLoss)
		stops[r.Report.StopReason]++
	}
	f.FitMedianLoss = median(losses)
	reasons := make([]string, 0, len(stops))
	for k, n := range stops {
		reasons = append(reasons, fmt.Sprintf("%s: %d", k, n))
	}
	sort.Strings(reasons)
	f.Stops = strings.Join(reasons, "; ")
	f.NeuralParams = nm.NumParams()
	f.NeuralSummary = nm.FitSummary()
}

// InterpMean is the mean over the models simulated at one resolution
// (rounded to 0.1 Å, as Figure 5 groups them) with one initialisation; the
// mean over all resolutions has Resolution NaN.
type InterpMean struct {
	Resolution                                      float64
	Init                                            string
	Models                                          int
	NeuralMAE, TrilinearMAE, BSplineMAE             float64
	NeuralMax, TrilinearMax, BSplineMax             float64
	NeuralPeakMAE, TrilinearPeakMAE, BSplinePeakMAE float64
	ControlMax01                                    float64
	FitTime                                         time.Duration
}

// InterpResults is the output of RunInterp.
type InterpResults struct {
	Options InterpOptions
	// Config is the SIREN configuration actually used.
	Config siren.Config
	Rows   []InterpRow
}

// Means returns the per-resolution means of the rows for each
// initialisation, lowest resolution value first, then the mean over all
// resolutions for each initialisation (Resolution NaN).
func (r *InterpResults) Means() []InterpMean {
	type key struct {
		res  float64
		init string
	}
	groups := map[key][]*InterpRow{}
	var keys []key
	var inits []string
	for i := range r.Rows {
		row := &r.Rows[i]
		for _, k := range []key{{math.Round(row.Resolution*10) / 10, row.Init}, {math.Inf(1), row.Init}} {
			if groups[k] == nil {
				keys = append(keys, k)
				if math.IsInf(k.res, 1) {
					inits = append(inits, k.init)
				}
			}
			groups[k] = append(groups[k], row)
		}
	}
	initOrder := func(s string) int { return slices.Index(inits, s) }
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].res != keys[j].res {
			return keys[i].res < keys[j].res
		}
		return initOrder(keys[i].init) < initOrder(keys[j].init)
	})
	out := make([]InterpMean, 0, len(keys))
	for _, k := range keys {
		g := groups[k]
		col := func(f func(*InterpRow) float64) float64 {
			xs := make([]float64, len(g))
			for i, row := range g {
				xs[i] = f(row)
			}
			return mean(xs)
		}
		res := k.res
		if math.IsInf(res, 1) {
			res = math.NaN()
		}
		out = append(out, InterpMean{
			Resolution: res, Init: k.init, Models: len(g),
			NeuralMAE:        col(func(x *InterpRow) float64 { return x.Neural.MAE }),
			TrilinearMAE:     col(func(x *InterpRow) float64 { return x.Trilinear.MAE }),
			BSplineMAE:       col(func(x *InterpRow) float64 { return x.BSpline.MAE }),
			NeuralMax:        col(func(x *InterpRow) float64 { return x.Neural.Max }),
			TrilinearMax:     col(func(x *InterpRow) float64 { return x.Trilinear.Max }),
			BSplineMax:       col(func(x *InterpRow) float64 { return x.BSpline.Max }),
			NeuralPeakMAE:    col(func(x *InterpRow) float64 { return x.Neural.PeakMAE }),
			TrilinearPeakMAE: col(func(x *InterpRow) float64 { return x.Trilinear.PeakMAE }),
			BSplinePeakMAE:   col(func(x *InterpRow) float64 { return x.BSpline.PeakMAE }),
			ControlMax01:     col(func(x *InterpRow) float64 { return x.ControlMax01 }),
			FitTime:          time.Duration(col(func(x *InterpRow) float64 { return float64(x.FitTime) })),
		})
	}
	return out
}

func interpColumns() []column[InterpRow] {
	return []column[InterpRow]{
		{name: "model", get: func(r *InterpRow) any { return r.Model }},
		{name: "resolution_A", get: func(r *InterpRow) any { return r.Resolution }},
		{name: "input_spacing_A", get: func(r *InterpRow) any { return r.InputSpacing }},
		{name: "control_spacing_A", get: func(r *InterpRow) any { return r.ControlSpacing }},
		{name: "crop_A", get: func(r *InterpRow) any { return r.Crop }},
		{name: "init", get: func(r *InterpRow) any { return r.Init }},
		{name: "input_shape", get: func(r *InterpRow) any { return shapeString(r.InputShape) }},
		{name: "control_shape", get: func(r *InterpRow) any { return shapeString(r.ControlShape) }},
		{name: "control_voxels", get: func(r *InterpRow) any { return r.ControlVoxels }},
		{name: "nonzero_voxels", get: func(r *InterpRow) any { return r.NonZero }},
		{name: "sampled_voxels", get: func(r *InterpRow) any { return r.Sampled }},
		{name: "normalization", get: func(r *InterpRow) any { return r.Normalization }},
		{name: "control_mean01", get: func(r *InterpRow) any { return r.ControlMean01 }},
		{name: "control_std01", get: func(r *InterpRow) any { return r.ControlStd01 }},
		{name: "control_max01", get: func(r *InterpRow) any { return r.ControlMax01 }},
		{name: "neural_mae", get: func(r *InterpRow) any { return r.Neural.MAE }},
		{name: "neural_max", get: func(r *InterpRow) any { return r.Neural.Max }},
		{name: "neural_bias", get: func(r *InterpRow) any { return r.Neural.Bias }},
		{name: "trilinear_mae", get: func(r *InterpRow) any { return r.Trilinear.MAE }},
		{name: "trilinear_max", get: func(r *InterpRow) any { return r.Trilinear.Max }},
		{name: "trilinear_bias", get: func(r *InterpRow) any { return r.Trilinear.Bias }},
		{name: "bspline_mae", get: func(r *InterpRow) any { return r.BSpline.MAE }},
		{name: "bspline_max", get: func(r *InterpRow) any { return r.BSpline.Max }},
		{name: "bspline_bias", get: func(r *InterpRow) any { return r.BSpline.Bias }},
		{name: "peaks", get: func(r *InterpRow) any { return r.Peaks }},
		{name: "neural_peak_mae", get: func(r *InterpRow) any { return r.Neural.PeakMAE }},
		{name: "neural_peak_bias", get: func(r *InterpRow) any { return r.Neural.PeakBias }},
		{name: "trilinear_peak_mae", get: func(r *InterpRow) any { return r.Trilinear.PeakMAE }},
		{name: "trilinear_peak_bias", get: func(r *InterpRow) any { return r.Trilinear.PeakBias }},
		{name: "bspline_peak_mae", get: func(r *InterpRow) any { return r.BSpline.PeakMAE }},
		{name: "bspline_peak_bias", get: func(r *InterpRow) any { return r.BSpline.PeakBias }},
		{name: "fit_s", prec: 3, get: func(r *InterpRow) any { return r.FitTime }},
		{name: "train_s", prec: 3, get: func(r *InterpRow) any { return r.TrainTime }},
		{name: "stops", get: func(r *InterpRow) any { return r.Stops }},
		{name: "regions", get: func(r *InterpRow) any { return r.Regions }},
		{name: "fit_steps", get: func(r *InterpRow) any { return r.FitSteps }},
		{name: "fit_worst_mse", prec: 3, get: func(r *InterpRow) any { return r.FitWorstLoss }},
		{name: "fit_median_mse", prec: 3, get: func(r *InterpRow) any { return r.FitMedianLoss }},
	}
}

func interpMeanColumns() []column[InterpMean] {
	return []column[InterpMean]{
		{name: "resolution_A", get: func(r *InterpMean) any {
			if math.IsNaN(r.Resolution) {
				return "all"
			}
			return r.Resolution
		}},
		{name: "init", get: func(r *InterpMean) any { return r.Init }},
		{name: "models", get: func(r *InterpMean) any { return r.Models }},
		{name: "neural_mae", get: func(r *InterpMean) any { return r.NeuralMAE }},
		{name: "trilinear_mae", get: func(r *InterpMean) any { return r.TrilinearMAE }},
		{name: "bspline_mae", get: func(r *InterpMean) any { return r.BSplineMAE }},
		{name: "neural_max", get: func(r *InterpMean) any { return r.NeuralMax }},
		{name: "trilinear_max", get: func(r *InterpMean) any { return r.TrilinearMax }},
		{name: "bspline_max", get: func(r *InterpMean) any { return r.BSplineMax }},
		{name: "neural_peak_mae", get: func(r *InterpMean) any { return r.NeuralPeakMAE }},
		{name: "trilinear_peak_mae", get: func(r *InterpMean) any { return r.TrilinearPeakMAE }},
		{name: "bspline_peak_mae", get: func(r *InterpMean) any { return r.BSplinePeakMAE }},
		{name: "control_max01", get: func(r *InterpMean) any { return r.ControlMax01 }},
		{name: "fit_s", prec: 3, get: func(r *InterpMean) any { return r.FitTime }},
	}
}

func shapeString(s [3]int) string { return fmt.Sprintf("%dx%dx%d", s[0], s[1], s[2]) }

// WriteCSV writes one row per model (errors on the [0, 1] scale, times in s).
func (r *InterpResults) WriteCSV(w io.Writer) error {
	return writeCSVTable(w, interpColumns(), r.Rows)
}

// WriteMeansCSV writes the per-resolution means.
func (r *InterpResults) WriteMeansCSV(w io.Writer) error {
	return writeCSVTable(w, interpMeanColumns(), r.Means())
}

// WriteMarkdown writes the per-model table and the per-resolution means.
func (r *InterpResults) WriteMarkdown(w io.Writer) error {
	cfg := r.Config
	fmt.Fprintf(w, "Interpolation experiment (paper §3.1): control spacing %g Å, crop %s, normalisation %q, SIREN width %d × %d hidden, lr %g, max steps %d.\n\n",
		r.controlSpacing(), cropText(r.Options), r.Options.Normalization, cfg.Width, cfg.HiddenLayers, cfg.LearningRate, cfg.MaxSteps)
	if err := writeMarkdownTable(w, interpColumns(), r.Rows); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nMeans per resolution (paper, Fig. 5: neural MAE < 0.01, trilinear mean 0.066, up to 0.12 at the lowest resolutions):\n\n")
	return writeMarkdownTable(w, interpMeanColumns(), r.Means())
}

func (r *InterpResults) controlSpacing() float64 {
	if r.Options.ControlSpacing > 0 {
		return r.Options.ControlSpacing
	}
	return DefaultControlSpacing
}

func cropText(o InterpOptions) string {
	switch {
	case o.CropVoxels > 0:
		return fmt.Sprintf("a cube of %d input voxels per model", o.CropVoxels)
	case o.Crop > 0:
		return fmt.Sprintf("%g Å cube", o.Crop)
	case o.MaxInputVoxels > 0:
		return fmt.Sprintf("whole maps up to %d input voxels, else the largest cube within that", o.MaxInputVoxels)
	}
	return "none (full maps)"
}

// WriteJSON writes the options, the SIREN configuration, the rows and the
// per-resolution means.
func (r *InterpResults) WriteJSON(w io.Writer) error {
	rows, err := jsonRows(interpColumns(), r.Rows)
	if err != nil {
		return err
	}
	means, err := jsonRows(interpMeanColumns(), r.Means())
	if err != nil {
		return err
	}
	return writeJSONDoc(w, "interp", r.Options, r.Config, rows, means)
}

// SirenConfig returns the SIREN configuration selected by preset and cfg
// (cfg wins when its Width is set) with seed applied when not 0.
func SirenConfig(preset string, cfg siren.Config, seed uint64) (siren.Config, error) {
	if cfg.Width == 0 {
		if preset == "" {
			preset = "paper"
		}
		var err error
		cfg, err = siren.Preset(preset)
		if err != nil {
			return cfg, err
		}
	}
	if seed != 0 {
		cfg.Seed = seed
	}
	return cfg, cfg.Validate()
}

// presetTiling returns t, or, when t is the zero value, the tiling of the
// preset that SirenConfig picks from preset and cfg (the paper's when cfg is
// given explicitly).
func presetTiling(preset string, cfg siren.Config, t region.Options) region.Options {
	if t != (region.Options{}) {
		return t
	}
	if cfg.Width != 0 || preset == "" {
		preset = "paper"
	}
	p, err := neuralmap.PresetNetwork(preset)
	if err != nil {
		return region.DefaultOptions // SirenConfig reports the bad name
	}
	return p.Tiling
}

// RunInterp runs the interpolation experiment on every model of opts.
// progress, if not nil, is called as the work advances.
func RunInterp(ctx context.Context, opts InterpOptions, progress func(Progress)) (*InterpResults, error) {
	p, err := opts.prepare()
	if err != nil {
		return nil, fmt.Errorf("interp: %w", err)
	}
	res := &InterpResults{Options: p.opts, Config: p.cfg}
	err = p.each(ctx, "interp", progress, func(sm SimModel, report func(string, string, *neuralmap.FitProgress)) error {
		rows, err := interpOne(ctx, sm, p.opts, p.cfg, p.inits, report)
		res.Rows = append(res.Rows, rows...)
		return err
	})
	return res, err
}

// preparedSim is a validated InterpOptions with what it selects.
type preparedSim struct {
	opts   InterpOptions // with Backend set when a neural map is fitted
	cfg    siren.Config
	inits  []string
	models []SimModel
}

// prepare validates the options shared by the simulated-map experiments
// and resolves the SIREN configuration, initialisations, models and
// backend.
func (o InterpOptions) prepare() (*preparedSim, error) {
	cfg, err := SirenConfig(o.Preset, o.Config, o.Seed)
	if err != nil && !o.NoNeural {
		return nil, fmt.Errorf("SIREN configuration: %w", err)
	}
	switch {
	case o.ControlSpacing < 0 || math.IsNaN(o.ControlSpacing) || math.IsInf(o.ControlSpacing, 0):
		return nil, fmt.Errorf("option ControlSpacing %g Å, want > 0 (or 0 for %g)", o.ControlSpacing, DefaultControlSpacing)
	case o.CropVoxels < 0 || o.CropVoxels == 1:
		return nil, fmt.Errorf("option CropVoxels %d, want ≥ 2 (or 0: use Crop)", o.CropVoxels)
	case o.Crop < 0 || math.IsNaN(o.Crop) || math.IsInf(o.Crop, 0):
		return nil, fmt.Errorf("option Crop %g Å, want ≥ 0 (0: no crop)", o.Crop)
	case o.MaxInputVoxels < 0 || (o.MaxInputVoxels > 0 && o.MaxInputVoxels < 8):
		return nil, fmt.Errorf("option MaxInputVoxels %d, want ≥ 8 (or 0: no limit)", o.MaxInputVoxels)
	case !(o.ControlFraction >= 0 && o.ControlFraction <= 1):
		return nil, fmt.Errorf("option ControlFraction %g, want in (0, 1] (or 0: every voxel)", o.ControlFraction)
	}
	inits, err := neuralInits(o.NoNeural, o.Inits)
	if err != nil {
		return nil, err
	}
	for _, init := range inits { // fail before any work
		if err := applyInit(init, o.Preset, &neuralmap.FitOptions{Config: cfg, Tiling: presetTiling(o.Preset, o.Config, o.Tiling)}); err != nil {
			return nil, err
		}
	}
	models := o.Models
	if models == nil {
		models = DefaultSimModels()
	}
	if len(models) == 0 {
		return nil, errors.New("no models")
	}
	if !o.NoNeural && o.Backend == nil {
		if o.Backend, err = siren.NewBackend(); err != nil {
			return nil, err
		}
	}
	return &preparedSim{opts: o, cfg: cfg, inits: inits, models: models}, nil
}

// each runs one(model) for every model, with a progress reporter for it,
// and stops at the first error (naming the model) or when ctx is done.
func (p *preparedSim) each(ctx context.Context, experiment string, progress func(Progress), one func(SimModel, func(string, string, *neuralmap.FitProgress)) error) error {
	for i, sm := range p.models {
		if err := ctx.Err(); err != nil {
			return err
		}
		report := func(stage, detail string, fp *neuralmap.FitProgress) {
			if progress != nil {
				progress(Progress{Experiment: experiment, Item: sm.Name, Index: i, Total: len(p.models), Stage: stage, Detail: detail, Fit: fp})
			}
		}
		if err := one(sm, report); err != nil {
			return fmt.Errorf("%s: model %s (%s): %w", experiment, sm.Name, sm.Path, err)
		}
	}
	return nil
}

// ParseResidues parses "A:10-30", "A:42" or "A" (a whole chain) into a
// selector; the chain is matched exactly, residue numbers inclusively.
func ParseResidues(s string) (model.Selector, error) {
	chain, rng, hasRange := strings.Cut(strings.TrimSpace(s), ":")
	if chain == "" {
		return nil, fmt.Errorf("residues %q: want CHAIN[:FIRST[-LAST]], e.g. A:10-30", s)
	}
	lo, hi := math.MinInt, math.MaxInt
	if hasRange {
		a, b, isRange := strings.Cut(rng, "-")
		var err error
		if lo, err = strconv.Atoi(strings.TrimSpace(a)); err != nil {
			return nil, fmt.Errorf("residues %q: first residue %q is not an integer", s, a)
		}
		hi = lo
		if isRange {
			if hi, err = strconv.Atoi(strings.TrimSpace(b)); err != nil {
				return nil, fmt.Errorf("residues %q: last residue %q is not an integer", s, b)
			}
		}
		if hi < lo {
			return nil, fmt.Errorf("residues %q: last residue %d before first %d", s, hi, lo)
		}
	}
	return func(a *model.Atom) bool { return a.Chain == chain && a.ResSeq >= lo && a.ResSeq <= hi }, nil
}

// cropCenter returns the crop centre for m (see InterpOptions.Crop).
func cropCenter(m *model.Model, center *geom.Point, residues string) (geom.Point, error) {
	if center != nil {
		if !center.IsFinite() {
			return geom.Point{}, fmt.Errorf("crop centre %v is not finite", *center)
		}
		return *center, nil
	}
	heavy := m.HeavyAtoms()
	if residues != "" {
		sel, err := ParseResidues(residues)
		if err != nil {
			return geom.Point{}, err
		}
		picked := heavy.Select(sel)
		if len(picked.Atoms) == 0 {
			return geom.Point{}, fmt.Errorf("crop residues %q select no heavy atom of %s", residues, m.Source)
		}
		return centroid(picked.Positions()), nil
	}
	pts := heavy.Positions()
	if len(pts) == 0 {
		return geom.Point{}, fmt.Errorf("%s has no heavy atoms", m.Source)
	}
	c := centroid(pts)
	best, bd := pts[0], math.Inf(1)
	for _, p := range pts {
		if d := p.Dist2(c); d < bd {
			best, bd = p, d
		}
	}
	return best, nil
}

func centroid(pts []geom.Point) geom.Point {
	var s geom.Vec3
	for _, p := range pts {
		s = s.Add(geom.Vec3(p))
	}
	return geom.Point(s.Scale(1 / float64(len(pts))))
}

// interpOne runs the experiment on one model: set up the frames, simulate
// the input, fit one neural map per initialisation, then score every
// interpolator against the control, simulated slab by slab. It returns one
// row per initialisation (one row without neural maps).
func interpOne(ctx context.Context, sm SimModel, opts InterpOptions, cfg siren.Config, inits []string, report func(string, string, *neuralmap.FitProgress)) ([]InterpRow, error) {
	s, row, err := newInterpSetup(sm, opts)
	if err != nil {
		return nil, err
	}
	in, norm, err := s.simulateInput(row, report)
	if err != nil {
		return nil, err
	}
	in01 := norm.Apply01(in)
	fields, err := classicalFields(in01, nil)
	if err != nil {
		return nil, err
	}
	fits := make([]NeuralFit, len(inits))
	for k, init := range inits {
		nm, err := fitNeuralOn(ctx, in, norm, fmt.Sprintf("interp_%s_R%g", sm.Name, s.resolution), s.resolution, opts, cfg, init, &fits[k], report)
		if err != nil {
			return nil, err
		}
		fields = append(fields, scoredField{field: nm})
	}
	slabs := newControlSlabs(s.m.Atoms, s.fCtl, s.pCtl, maxSlabVoxels)
	report("simulate", fmt.Sprintf("control %v at %g Å", s.fCtl.Shape, s.pCtl.Spacing), nil)
	to01, err := controlTo01(slabs, norm, opts.Normalization)
	if err != nil {
		return nil, err
	}
	sc := newScorer(ctx, fields, opts.controlFraction())
	cs, err := sc.score(slabs, s.dom, to01, report)
	if err != nil {
		return nil, err
	}
	row.setControl(cs)
	row.Trilinear, row.BSpline = sc.stats(0), sc.stats(1)
	if len(inits) == 0 {
		row.Neural = (&errAcc{}).stats()
		row.FitWorstLoss, row.FitMedianLoss = math.NaN(), math.NaN()
		return []InterpRow{*row}, nil
	}
	rows := make([]InterpRow, len(inits))
	for k := range inits {
		rows[k] = *row
		rows[k].Neural, rows[k].NeuralFit = sc.stats(2+k), fits[k]
	}
	return rows, nil
}

// controlFraction is ControlFraction with 0 meaning 1 (every voxel).
func (o InterpOptions) controlFraction() float64 {
	if o.ControlFraction == 0 {
		return 1
	}
	return o.ControlFraction
}

// setControl records the control's summary in the row.
func (r *InterpRow) setControl(cs controlSummary) {
	r.ControlVoxels, r.NonZero, r.Peaks, r.Sampled = cs.Voxels, cs.NonZero, cs.Peaks, cs.Sampled
	r.ControlMean01, r.ControlStd01 = cs.Mean01, cs.Std01
	r.ControlMin01, r.ControlMax01 = cs.Min01, cs.Max01
	r.ControlMaxRaw = cs.RawMax
}

// classicalFields returns the trilinear and cubic B-spline interpolators of
// g, with to01 mapping their values to the control's scale.
func classicalFields(g *grid.Grid, to01 func(float64) float64) ([]scoredField, error) {
	var out []scoredField
	for _, m := range []grid.Method{grid.MethodTrilinear, grid.MethodBSpline} {
		f, err := grid.NewInterpolator(g, m)
		if err != nil {
			return nil, err
		}
		out = append(out, scoredField{field: f, to01: to01})
	}
	return out, nil
}

// interpSetup is one model's simulation set-up: the model, the molmap
// parameters of the input and the control, their (cropped) frames and the
// input's domain.
type interpSetup struct {
	m          *model.Model
	resolution float64 // Å
	pIn, pCtl  molmap.Params
	fIn, fCtl  grid.Frame
	dom        geom.Box
}

// newInterpSetup reads the model, picks the resolution, builds the shared
// input and control frames and crops them (InterpOptions.Crop), and starts
// the row with what it knows.
func newInterpSetup(sm SimModel, opts InterpOptions) (*interpSetup, *InterpRow, error) {
	path, err := resolve(opts.DataDir, sm.Path)
	if err != nil {
		return nil, nil, err
	}
	m, err := model.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	R := sm.Resolution
	if R == 0 {
		R = m.Resolution
	}
	if !(R > 0) || math.IsInf(R, 0) {
		return nil, nil, fmt.Errorf("resolution %g Å: want > 0 (the model file gives none; set SimModel.Resolution)", R)
	}
	ctlSpacing := opts.ControlSpacing
	if ctlSpacing == 0 {
		ctlSpacing = DefaultControlSpacing
	}
	pIn := molmap.Defaults(R)
	pCtl := pIn
	pCtl.Spacing = ctlSpacing
	fIn, err := molmap.BoundingFrame(m.Atoms, pIn)
	if err != nil {
		return nil, nil, err
	}
	fCtl, err := molmap.BoundingFrame(m.Atoms, pCtl)
	if err != nil {
		return nil, nil, err
	}
	if fIn.Origin != fCtl.Origin {
		return nil, nil, fmt.Errorf("input origin %v Å and control origin %v Å differ: the maps do not share a frame", fIn.Origin, fCtl.Origin)
	}
	if opts.MaxInputVoxels > 0 && opts.Crop == 0 && opts.CropVoxels == 0 && fIn.Len() > opts.MaxInputVoxels {
		// A cube of n voxels' edge holds n or n+1 voxels per axis.
		opts.CropVoxels = max(2, int(math.Floor(math.Cbrt(float64(opts.MaxInputVoxels))))-1)
	}
	if opts.CropVoxels > 0 {
		opts.Crop = float64(opts.CropVoxels) * pIn.Spacing
	}
	row := &InterpRow{Model: sm.Name, Path: path, Resolution: R, InputSpacing: pIn.Spacing, ControlSpacing: ctlSpacing,
		Origin: fIn.Origin, Crop: opts.Crop, Normalization: opts.Normalization.String()}

	// The input (cropped) frame.
	if opts.Crop > 0 {
		c, err := cropCenter(m, opts.CropCenter, opts.CropResidues)
		if err != nil {
			return nil, nil, err
		}
		row.CropCenter = c
		lo, hi, err := fIn.BoundsAround([]geom.Point{c}, opts.Crop/2)
		if err != nil {
			return nil, nil, fmt.Errorf("crop of %g Å around %v: %w", opts.Crop, c, err)
		}
		if fIn, err = fIn.SubFrame(lo, hi); err != nil {
			return nil, nil, err
		}
	}
	for a := 0; a < 3; a++ {
		if fIn.Shape[a] < 2 {
			return nil, nil, fmt.Errorf("input grid %v voxels of %g Å: need at least 2 voxels per axis (crop %g Å too small?)", fIn.Shape, pIn.Spacing, opts.Crop)
		}
	}
	dom := fIn.Box()
	row.Domain = dom
	row.InputShape = fIn.Shape
	// The control frame: voxels of the 0.2 Å frame whose centres lie in dom.
	lo, hi, err := fCtl.BoundsAround([]geom.Point{dom.Min, dom.Max}, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("control crop: %w", err)
	}
	if fCtl, err = fCtl.SubFrame(lo, hi); err != nil {
		return nil, nil, err
	}
	row.ControlShape = fCtl.Shape
	return &interpSetup{m: m, resolution: R, pIn: pIn, pCtl: pCtl, fIn: fIn, fCtl: fCtl, dom: dom}, row, nil
}

// simulateInput simulates the input map on its frame and fits its
// normalisation.
func (s *interpSetup) simulateInput(row *InterpRow, report func(string, string, *neuralmap.FitProgress)) (*grid.Grid, grid.Normalization, error) {
	report("simulate", fmt.Sprintf("input %v at %.3g Å", s.fIn.Shape, s.pIn.Spacing), nil)
	t0 := time.Now()
	in, err := molmap.OnFrame(s.m.Atoms, s.fIn, s.pIn)
	if err != nil {
		return nil, grid.Normalization{}, err
	}
	row.SimulateTime = time.Since(t0)
	norm, err := grid.FitNormalization(in)
	if err != nil {
		return nil, grid.Normalization{}, fmt.Errorf("input map: %w", err)
	}
	row.InputMaxRaw = norm.Hi
	return in, norm, nil
}

// fitNeuralOn fits (or resumes) the neural map of g with the given
// initialisation, checks that it has g's normalisation norm, records the
// fit in fit and returns the map, ready to sample. name (plus the
// initialisation) names its checkpoint.
func fitNeuralOn(ctx context.Context, g *grid.Grid, norm grid.Normalization, name string, R float64, opts InterpOptions, cfg siren.Config,
	init string, fit *NeuralFit, report func(string, string, *neuralmap.FitProgress)) (*neuralmap.NeuralMap, error) {
	fo := neuralmap.FitOptions{Tiling: presetTiling(opts.Preset, opts.Config, opts.Tiling), Config: cfg, Resolution: R, Backend: opts.Backend,
		Workers: opts.Workers, Stack: opts.Stack}
	if err := applyInit(init, opts.Preset, &fo); err != nil {
		return nil, err
	}
	fit.Init = init
	nm, fitTime, err := fitNeural(ctx, g, fo, opts.CheckpointDir, name+"_"+initKey(init), report)
	fit.FitTime = fitTime
	if err != nil {
		return nil, err
	}
	es, err := neuralmap.NewEvaluators(0, opts.Backend)
	if err != nil {
		return nil, err
	}
	nm.SetEvaluators(es...)
	if nm.Norm.Hi != norm.Hi || nm.Norm.Lo != norm.Lo {
		return nil, fmt.Errorf("neural map normalisation [%g, %g] differs from the input's [%g, %g]", nm.Norm.Lo, nm.Norm.Hi, norm.Lo, norm.Hi)
	}
	fit.record(nm)
	return nm, nil
}
