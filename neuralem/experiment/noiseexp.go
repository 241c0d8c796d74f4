package experiment

import (
	"context"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/neuralem/neuralem/neuralem/grid"
	"github.com/neuralem/neuralem/neuralem/neuralmap"
	"github.com/neuralem/neuralem/neuralem/siren"
	"gonum.org/v1/gonum/stat"
)

// NoiseOptions configure RunNoise: the interpolation experiment's options
// (models, crop, network, tiling, initialisations, checkpoints; the
// Normalization must be NormInput) plus the noise.
type NoiseOptions struct {
	InterpOptions
	// SNRs are the peak/σ ratios (peak: the clean input's maximum; σ: the
	// noise's standard deviation, both in molmap units); +Inf means no
	// noise. nil: DefaultSNRs.
	SNRs []float64
	// Kinds of noise (nil: DefaultNoiseKinds). The noise-free condition is
	// run once, whatever the kinds.
	Kinds []NoiseKind
	// NoiseSeed seeds the noise fields (0: 1). Each model and kind has its
	// own field, scaled to every SNR (the same pattern at every SNR).
	NoiseSeed uint64
	// LowPass are the Gaussian low-pass filters of the classical denoiser,
	// as multiples of the resolution's σ = R/(π√2) (nil: {1}, the matched
	// rule; see the package doc).
	LowPass []float64
}

// Method names of the noise experiment's rows (the low-pass denoiser is
// "lowpass-bspline" at factor 1 and "lowpass<f>-bspline" otherwise; the
// neural map is "neural-<init>").
const (
	MethodTrilinear = "trilinear"
	MethodBSpline   = "bspline"
	MethodLowPass   = "lowpass-bspline"
	MethodNeural    = "neural"
)

// NoiseRow is the error of one method on one model at one noise kind and
// SNR, against the clean control.
type NoiseRow struct {
	Model        string
	Resolution   float64 // Å
	InputSpacing float64 // Å
	// Crop is the cube edge in Å (0: the whole map) and InputShape the
	// input grid.
	Crop       float64
	InputShape [3]int
	Kind       NoiseKind
	// SNR is peak/σ (+Inf: no noise); NoiseSigma01 is σ on the error scale
	// (the clean input's [0, 1] scale) and NoiseStd01 the realised standard
	// deviation of the added noise there.
	SNR, NoiseSigma01, NoiseStd01 float64
	// Method is the row's label (trilinear, bspline, lowpass-bspline,
	// neural-random, …; NeuralFit.Init is the neural initialisation) and
	// LowPassSigma the denoiser's σ in Å (0 for the others).
	Method       string
	LowPassSigma float64
	// Non-zero control voxels, control peaks among them, and the voxels
	// the errors are over (see InterpOptions.ControlFraction).
	NonZero, Peaks, Sampled int
	Err                     ErrStats
	// Neural maps only: the fit, and the mean squared difference, over the
	// input's voxels on the networks' [−1, 1] scale, between the training
	// targets (the normalised noisy input) and the neural map (TrainMSE) or
	// the clean input on the same scale (CleanMSE, the noise's share of
	// the loss). TrainMSE < CleanMSE means the network has fitted part of
	// the noise.
	NeuralFit
	TrainMSE, CleanMSE float64
}

// NoiseResults is the output of RunNoise.
type NoiseResults struct {
	Options NoiseOptions
	Config  siren.Config
	Rows    []NoiseRow
}

// noiseCondition is one noise kind at one SNR.
type noiseCondition struct {
	kind NoiseKind
	snr  float64
}

// conditions returns the noise-free condition (if an SNR is +Inf) then
// every kind at every finite SNR, in the options' order.
func (o NoiseOptions) conditions() []noiseCondition {
	var out []noiseCondition
	if slices.ContainsFunc(o.SNRs, func(s float64) bool { return math.IsInf(s, 1) }) {
		out = append(out, noiseCondition{NoiseNone, math.Inf(1)})
	}
	for _, k := range o.Kinds {
		for _, s := range o.SNRs {
			if !math.IsInf(s, 1) {
				out = append(out, noiseCondition{k, s})
			}
		}
	}
	return out
}

// withDefaults validates the noise options and fills the defaults.
func (o NoiseOptions) withDefaults() (NoiseOptions, error) {
	if o.Normalization != NormInput {
		return o, fmt.Errorf("option Normalization %q: the noise experiment measures every method on the clean input's scale (want %q)", o.Normalization, NormInput)
	}
	if o.SNRs == nil {
		o.SNRs = DefaultSNRs
	}
	if o.Kinds == nil {
		o.Kinds = DefaultNoiseKinds
	}
	if o.LowPass == nil {
		o.LowPass = []float64{1}
	}
	if o.NoiseSeed == 0 {
		o.NoiseSeed = 1
	}
	if len(o.SNRs) == 0 {
		return o, fmt.Errorf("no SNRs")
	}
	for i, s := range o.SNRs {
		if !(s > 0) {
			return o, fmt.Errorf("option SNRs[%d] = %g, want > 0 (+Inf: no noise)", i, s)
		}
		if slices.Index(o.SNRs, s) != i {
			return o, fmt.Errorf("option SNRs[%d] = %g is repeated", i, s)
		}
	}
	for i, k := range o.Kinds {
		if k != NoiseWhite && k != NoiseBand {
			return o, fmt.Errorf("option Kinds[%d] = %q, want %q or %q (the noise-free condition comes from an SNR of +Inf)", i, k, NoiseWhite, NoiseBand)
		}
		if slices.Index(o.Kinds, k) != i {
			return o, fmt.Errorf("option Kinds[%d] = %q is repeated", i, k)
		}
	}
	for i, f := range o.LowPass {
		if !(f > 0) || math.IsInf(f, 0) {
			return o, fmt.Errorf("option LowPass[%d] = %g, want a finite factor > 0", i, f)
		}
		if slices.Index(o.LowPass, f) != i {
			return o, fmt.Errorf("option LowPass[%d] = %g is repeated", i, f)
		}
	}
	return o, nil
}

// RunNoise runs the noise experiment on every model of opts: the clean
// input at R/3 plus noise of each kind at each SNR is interpolated by
// trilinear and cubic B-spline interpolation, by the B-spline of a
// Gaussian low-pass of it and by neural maps fitted on it, and every
// method is compared with the clean 0.2 Å control (see the package doc).
// progress, if not nil, is called as the work advances.
func RunNoise(ctx context.Context, opts NoiseOptions, progress func(Progress)) (*NoiseResults, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("noise: %w", err)
	}
	p, err := o.prepare()
	if err != nil {
		return nil, fmt.Errorf("noise: %w", err)
	}
	o.InterpOptions = p.opts
	res := &NoiseResults{Options: o, Config: p.cfg}
	err = p.each(ctx, "noise", progress, func(sm SimModel, report func(string, string, *neuralmap.FitProgress)) error {
		rows, err := noiseOne(ctx, sm, o, p, report)
		res.Rows = append(res.Rows, rows...)
		return err
	})
	return res, err
}

// noiseOne runs the noise experiment on one model.
func noiseOne(ctx context.Context, sm SimModel, o NoiseOptions, p *preparedSim, report func(string, string, *neuralmap.FitProgress)) ([]NoiseRow, error) {
	s, base, err := newInterpSetup(sm, p.opts)
	if err != nil {
		return nil, err
	}
	clean, cleanNorm, err := s.simulateInput(base, report)
	if err != nil {
		return nil, err
	}
	scale := cleanNorm.Hi - cleanNorm.Lo
	ref := func(raw float64) float64 { return (raw - cleanNorm.Lo) / scale }
	peak := cleanNorm.Hi
	sigmaRes := s.pIn.Sigma()
	unit := map[NoiseKind]*grid.Grid{}
	var fields []scoredField
	var rows []NoiseRow
	add := func(row NoiseRow, f grid.Field) {
		fields = append(fields, scoredField{field: f, to01: ref})
		rows = append(rows, row)
	}
	for _, c := range o.conditions() {
		tmpl := NoiseRow{Model: sm.Name, Resolution: s.resolution, InputSpacing: s.pIn.Spacing, Crop: base.Crop, InputShape: base.InputShape,
			Kind: c.kind, SNR: c.snr, NoiseSigma01: 0, NoiseStd01: 0, TrainMSE: math.NaN(), CleanMSE: math.NaN()}
		tmpl.FitWorstLoss, tmpl.FitMedianLoss = math.NaN(), math.NaN()
		noisy := clean
		if c.kind != NoiseNone {
			if unit[c.kind] == nil {
				report("noise", fmt.Sprintf("%s noise on %v voxels", c.kind, clean.Shape), nil)
				if unit[c.kind], err = unitNoise(c.kind, clean.Frame, sigmaRes, noiseSeed(o.NoiseSeed, sm.Name, c.kind)); err != nil {
					return nil, err
				}
			}
			amp := peak / c.snr
			noisy = addNoise(clean, unit[c.kind], amp)
			tmpl.NoiseSigma01 = amp / scale
			tmpl.NoiseStd01 = amp / scale * stdDev(unit[c.kind].Data)
		}
		// Every method sees the paper's preprocessing: negative values set
		// to 0 (the low-pass filters first, then clamps).
		classic, err := classicalFields(clampNegative(noisy), nil)
		if err != nil {
			return nil, err
		}
		for k, m := range []string{MethodTrilinear, MethodBSpline} {
			row := tmpl
			row.Method = m
			add(row, classic[k].field)
		}
		for _, f := range o.LowPass {
			filt, err := gaussianFilter(noisy, f*sigmaRes)
			if err != nil {
				return nil, err
			}
			b, err := grid.NewInterpolator(clampNegative(filt), grid.MethodBSpline)
			if err != nil {
				return nil, err
			}
			row := tmpl
			row.Method, row.LowPassSigma = lowPassLabel(f), f*sigmaRes
			add(row, b)
		}
		if len(p.inits) == 0 {
			continue
		}
		norm, err := grid.FitNormalization(noisy)
		if err != nil {
			return nil, fmt.Errorf("%s noise at SNR %g: %w", c.kind, c.snr, err)
		}
		for _, init := range p.inits {
			row := tmpl
			row.Method = MethodNeural + "-" + init
			name := fmt.Sprintf("noise_%s_R%g_%s_snr%g_seed%d", sm.Name, s.resolution, c.kind, c.snr, o.NoiseSeed)
			nm, err := fitNeuralOn(ctx, noisy, norm, name, s.resolution, p.opts, p.cfg, init, &row.NeuralFit, report)
			if err != nil {
				return nil, fmt.Errorf("%s noise at SNR %g: %w", c.kind, c.snr, err)
			}
			if row.TrainMSE, row.CleanMSE, err = trainMSE(nm, noisy, clean, norm); err != nil {
				return nil, err
			}
			add(row, nm.Field(neuralmap.UnitsOriginal))
		}
	}
	slabs := newControlSlabs(s.m.Atoms, s.fCtl, s.pCtl, maxSlabVoxels)
	report("simulate", fmt.Sprintf("control %v at %g Å; %d fields to score", s.fCtl.Shape, s.pCtl.Spacing, len(fields)), nil)
	sc := newScorer(ctx, fields, p.opts.controlFraction())
	cs, err := sc.score(slabs, s.dom, cleanNorm.To01, report)
	if err != nil {
		return nil, err
	}
	for k := range rows {
		rows[k].Err = sc.stats(k)
		rows[k].NonZero, rows[k].Peaks, rows[k].Sampled = cs.NonZero, cs.Peaks, cs.Sampled
	}
	return rows, nil
}

// lowPassLabel names the low-pass denoiser with factor f.
func lowPassLabel(f float64) string {
	if f == 1 {
		return MethodLowPass
	}
	return "lowpass" + strconv.FormatFloat(f, 'g', -1, 64) + "-bspline"
}

// stdDev returns the standard deviation of v (gonum's, unbiased).
func stdDev(v []float32) float64 {
	x := make([]float64, len(v))
	for i, f := range v {
		x[i] = float64(f)
	}
	return stat.StdDev(x, nil)
}

// trainMSE returns, on the networks' [−1, 1] scale and over the input's
// voxels, the mean squared difference between the normalised noisy input
// (the training targets) and the neural map, and between the targets and
// the clean input.
func trainMSE(nm *neuralmap.NeuralMap, noisy, clean *grid.Grid, norm grid.Normalization) (fit, cleanMSE float64, err error) {
	pred, err := nm.Resample(nm.Frame, neuralmap.UnitsSigned)
	if err != nil {
		return 0, 0, err
	}
	target, cl := norm.Apply(noisy), norm.Apply(clean)
	var a, b float64
	for i, t := range target.Data {
		d := float64(pred.Data[i]) - float64(t)
		e := float64(cl.Data[i]) - float64(t)
		a += d * d
		b += e * e
	}
	n := float64(len(target.Data))
	return a / n, b / n, nil
}

// NoiseCurve is one method's mean MAE over the models against SNR, for one
// noise kind (the noise-free point, SNR +Inf, ends every curve): the series
// of the noise chart (charts.ErrorVsSNR takes charts.SNRSeries{Name:
// Method, SNR: SNR, Error: MAE}).
type NoiseCurve struct {
	Kind   NoiseKind
	Method string
	// SNR, MAE (mean over the models on the [0, 1] scale), MaxErr (mean
	// of the per-model maxima), PeakMAE (mean peak-height error) and Models
	// (how many models each mean is over), in the options' SNR order with
	// +Inf last.
	SNR, MAE, MaxErr, PeakMAE []float64
	Models                    []int
}

// Curves returns the mean-MAE-vs-SNR curve of every method for every noise
// kind: the series of the noise chart.
func (r *NoiseResults) Curves() []NoiseCurve {
	snrs := slices.Clone(r.Options.SNRs)
	slices.SortFunc(snrs, func(a, b float64) int {
		switch {
		case a < b:
			return -1
		case a > b:
			return 1
		}
		return 0
	})
	var out []NoiseCurve
	for _, kind := range r.Options.Kinds {
		for _, m := range r.methods() {
			c := NoiseCurve{Kind: kind, Method: m}
			for _, snr := range snrs {
				k := kind
				if math.IsInf(snr, 1) {
					k = NoiseNone
				}
				var mae, mx, pk []float64
				for i := range r.Rows {
					row := &r.Rows[i]
					if row.Kind == k && row.SNR == snr && row.Method == m {
						mae, mx, pk = append(mae, row.Err.MAE), append(mx, row.Err.Max), append(pk, row.Err.PeakMAE)
					}
				}
				if len(mae) == 0 {
					continue
				}
				c.SNR = append(c.SNR, snr)
				c.MAE, c.MaxErr, c.PeakMAE = append(c.MAE, mean(mae)), append(c.MaxErr, mean(mx)), append(c.PeakMAE, mean(pk))
				c.Models = append(c.Models, len(mae))
			}
			if len(c.SNR) > 0 {
				out = append(out, c)
			}
		}
	}
	return out
}

// methods returns the method labels in the order of the rows.
func (r *NoiseResults) methods() []string {
	return distinct(r.Rows, func(row *NoiseRow) string { return row.Method })
}

// NoiseWin is how often one method's MAE is at most another's over the
// models at one noise kind and SNR.
type NoiseWin struct {
	Kind          NoiseKind
	SNR           float64
	Method, Other string
	// Wins of Models have Method's MAE ≤ Other's.
	Wins, Models int
	Fraction     float64
}

// Wins compares every neural method with every classical one, per noise
// kind and SNR: the science goal "neural MAE ≤ cubic B-spline on ≥ 80 % of
// simulated maps".
func (r *NoiseResults) Wins() []NoiseWin {
	type key struct {
		model string
		kind  NoiseKind
		snr   float64
	}
	mae := map[key]map[string]float64{}
	var keys []key
	for _, row := range r.Rows {
		k := key{row.Model, row.Kind, row.SNR}
		if mae[k] == nil {
			mae[k] = map[string]float64{}
			keys = append(keys, k)
		}
		mae[k][row.Method] = row.Err.MAE
	}
	var out []NoiseWin
	for _, m := range r.methods() {
		if !strings.HasPrefix(m, MethodNeural+"-") {
			continue
		}
		for _, other := range r.methods() {
			if strings.HasPrefix(other, MethodNeural+"-") {
				continue
			}
			for _, c := range r.Options.conditions() {
				w := NoiseWin{Kind: c.kind, SNR: c.snr, Method: m, Other: other}
				for _, k := range keys {
					if k.kind != c.kind || k.snr != c.snr {
						continue
					}
					a, okA := mae[k][m]
					b, okB := mae[k][other]
					if !okA || !okB || math.IsNaN(a) || math.IsNaN(b) {
						continue
					}
					w.Models++
					if a <= b {
						w.Wins++
					}
				}
				if w.Models > 0 {
					w.Fraction = float64(w.Wins) / float64(w.Models)
					out = append(out, w)
				}
			}
		}
	}
	return out
}

func noiseColumns() []column[NoiseRow] {
	return []column[NoiseRow]{
		{name: "model", get: func(r *NoiseRow) any { return r.Model }},
		{name: "resolution_A", get: func(r *NoiseRow) any { return r.Resolution }},
		{name: "input_spacing_A", prec: 3, get: func(r *NoiseRow) any { return r.InputSpacing }},
		{name: "crop_A", prec: 3, get: func(r *NoiseRow) any { return r.Crop }},
		{name: "input_shape", get: func(r *NoiseRow) any { return shapeString(r.InputShape) }},
		{name: "noise", get: func(r *NoiseRow) any { return string(r.Kind) }},
		{name: "snr", get: func(r *NoiseRow) any { return snrCell(r.SNR) }},
		{name: "noise_sigma01", prec: 3, get: func(r *NoiseRow) any { return r.NoiseSigma01 }},
		{name: "noise_std01", prec: 3, get: func(r *NoiseRow) any { return r.NoiseStd01 }},
		{name: "method", get: func(r *NoiseRow) any { return r.Method }},
		{name: "init", get: func(r *NoiseRow) any { return r.Init }},
		{name: "lowpass_sigma_A", prec: 3, get: func(r *NoiseRow) any { return r.LowPassSigma }},
		{name: "nonzero_voxels", get: func(r *NoiseRow) any { return r.NonZero }},
		{name: "sampled_voxels", get: func(r *NoiseRow) any { return r.Sampled }},
		{name: "peaks", get: func(r *NoiseRow) any { return r.Peaks }},
		{name: "mae", get: func(r *NoiseRow) any { return r.Err.MAE }},
		{name: "max", get: func(r *NoiseRow) any { return r.Err.Max }},
		{name: "rmse", get: func(r *NoiseRow) any { return r.Err.RMSE }},
		{name: "bias", get: func(r *NoiseRow) any { return r.Err.Bias }},
		{name: "peak_mae", get: func(r *NoiseRow) any { return r.Err.PeakMAE }},
		{name: "peak_bias", get: func(r *NoiseRow) any { return r.Err.PeakBias }},
		{name: "fit_s", prec: 3, get: func(r *NoiseRow) any { return r.FitTime }},
		{name: "train_s", prec: 3, get: func(r *NoiseRow) any { return r.TrainTime }},
		{name: "stops", get: func(r *NoiseRow) any { return r.Stops }},
		{name: "regions", get: func(r *NoiseRow) any { return r.Regions }},
		{name: "fit_steps", get: func(r *NoiseRow) any { return r.FitSteps }},
		{name: "fit_worst_mse", prec: 3, get: func(r *NoiseRow) any { return r.FitWorstLoss }},
		{name: "fit_median_mse", prec: 3, get: func(r *NoiseRow) any { return r.FitMedianLoss }},
		{name: "train_mse", prec: 3, get: func(r *NoiseRow) any { return r.TrainMSE }},
		{name: "clean_mse", prec: 3, get: func(r *NoiseRow) any { return r.CleanMSE }},
	}
}

// snrCell writes +Inf as "inf" (CSV, JSON and markdown alike).
func snrCell(s float64) any {
	if math.IsInf(s, 1) {
		return "inf"
	}
	return s
}

func noiseCurveColumns() []column[noiseCurvePoint] {
	return []column[noiseCurvePoint]{
		{name: "noise", get: func(r *noiseCurvePoint) any { return string(r.kind) }},
		{name: "method", get: func(r *noiseCurvePoint) any { return r.method }},
		{name: "snr", get: func(r *noiseCurvePoint) any { return snrCell(r.snr) }},
		{name: "models", get: func(r *noiseCurvePoint) any { return r.models }},
		{name: "mean_mae", get: func(r *noiseCurvePoint) any { return r.mae }},
		{name: "mean_max", get: func(r *noiseCurvePoint) any { return r.max }},
		{name: "mean_peak_mae", get: func(r *noiseCurvePoint) any { return r.peak }},
	}
}

type noiseCurvePoint struct {
	kind           NoiseKind
	method         string
	snr            float64
	models         int
	mae, max, peak float64
}

func (r *NoiseResults) curvePoints() []noiseCurvePoint {
	var out []noiseCurvePoint
	for _, c := range r.Curves() {
		for i := range c.SNR {
			out = append(out, noiseCurvePoint{c.Kind, c.Method, c.SNR[i], c.Models[i], c.MAE[i], c.MaxErr[i], c.PeakMAE[i]})
		}
	}
	return out
}

func noiseWinColumns() []column[NoiseWin] {
	return []column[NoiseWin]{
		{name: "noise", get: func(r *NoiseWin) any { return string(r.Kind) }},
		{name: "snr", get: func(r *NoiseWin) any { return snrCell(r.SNR) }},
		{name: "method", get: func(r *NoiseWin) any { return r.Method }},
		{name: "vs", get: func(r *NoiseWin) any { return r.Other }},
		{name: "models_with_mae_le", get: func(r *NoiseWin) any { return fmt.Sprintf("%d/%d", r.Wins, r.Models) }},
		{name: "fraction", prec: 3, get: func(r *NoiseWin) any { return r.Fraction }},
	}
}

// WriteCSV writes one row per model, noise condition and method.
func (r *NoiseResults) WriteCSV(w io.Writer) error { return writeCSVTable(w, noiseColumns(), r.Rows) }

// WriteJSON writes the options, the SIREN configuration, the rows and the
// curves (as "means").
func (r *NoiseResults) WriteJSON(w io.Writer) error {
	rows, err := jsonRows(noiseColumns(), r.Rows)
	if err != nil {
		return err
	}
	curves, err := jsonRows(noiseCurveColumns(), r.curvePoints())
	if err != nil {
		return err
	}
	return writeJSONDoc(w, "noise", r.jsonOptions(), r.Config, rows, curves)
}

// jsonOptions is Options with the SNRs as JSON can hold them (+Inf as
// "inf").
func (r *NoiseResults) jsonOptions() any {
	snrs := make([]any, len(r.Options.SNRs))
	for i, s := range r.Options.SNRs {
		snrs[i] = snrCell(s)
	}
	return struct {
		InterpOptions
		SNRs      []any
		Kinds     []NoiseKind
		NoiseSeed uint64
		LowPass   []float64
	}{r.Options.InterpOptions, snrs, r.Options.Kinds, r.Options.NoiseSeed, r.Options.LowPass}
}

// WriteMarkdown writes the curves (mean MAE per method and SNR), the
// neural-vs-classical comparison per SNR and the per-model rows.
func (r *NoiseResults) WriteMarkdown(w io.Writer) error {
	cfg := r.Config
	fmt.Fprintf(w, "Noise experiment: peak/σ SNRs %v, noise %v (seed %d), low-pass σ = %v × R/(π√2), control spacing %g Å, crop %s; SIREN width %d × %d hidden, lr %g, max steps %d.\n\n",
		snrList(r.Options.SNRs), r.Options.Kinds, r.Options.NoiseSeed, r.Options.LowPass, r.controlSpacing(), cropText(r.Options.InterpOptions), cfg.Width, cfg.HiddenLayers, cfg.LearningRate, cfg.MaxSteps)
	fmt.Fprintf(w, "Mean over the models (errors on the clean input's [0, 1] scale; peak = control maxima ≥ %g):\n\n", PeakFloor)
	if err := writeMarkdownTable(w, noiseCurveColumns(), r.curvePoints()); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nNeural MAE ≤ classical MAE, models per noise condition:\n\n")
	if err := writeMarkdownTable(w, noiseWinColumns(), r.Wins()); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nPer model:\n\n")
	return writeMarkdownTable(w, noiseColumns(), r.Rows)
}

func (r *NoiseResults) controlSpacing() float64 {
	if r.Options.ControlSpacing > 0 {
		return r.Options.ControlSpacing
	}
	return DefaultControlSpacing
}

func snrList(s []float64) string {
	parts := make([]string, len(s))
	for i, x := range s {
		parts[i] = fmt.Sprint(snrCell(x))
	}
	return strings.Join(parts, ", ")
}

// Models returns the models of the rows, in order.
func (r *NoiseResults) Models() []string {
	return distinct(r.Rows, func(row *NoiseRow) string { return row.Model })
}
