package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/neuralem/neuralem/internal/datadir"
	"github.com/neuralem/neuralem/neuralem/charts"
	"github.com/neuralem/neuralem/neuralem/experiment"
	"github.com/neuralem/neuralem/neuralem/internal/atomicfile"
	"github.com/neuralem/neuralem/neuralem/region"
	"github.com/neuralem/neuralem/neuralem/siren"
)

func init() {
	register("experiment", "reproduce the paper's experiments (interp | noise | graph)", runExperiment)
}

// tableWriter is what the experiments' results can write.
type tableWriter interface {
	WriteCSV(io.Writer) error
	WriteJSON(io.Writer) error
	WriteMarkdown(io.Writer) error
}

const experimentDoc = `interp (§3.1, Fig. 5): simulate each model at resolution/3 (input) and 0.2 Å (control) in
one frame, fit the neural map on the input, and report MAE, max error and peak-height error
on the control's non-zero voxels for the neural map, trilinear and cubic B-spline (both
exactly aligned).
noise: the same with noise added to the input (white, and band-limited to the resolution) at
several peak/σ SNRs; adds the B-spline of a Gaussian low-pass of the input (σ = factor ×
R/(π√2)); every method is compared with the clean control.
graph (§3.2, Table 1, Fig. 6): density graphs of every map + model pair from the B-spline
field (and, with --fit-neural, a neural map), scored with the paper's metrics beside its
numbers; masked maps are flagged.
verdict: the paper's claims and the issue's science goals against the JSON outputs of
earlier runs (--interp-json, --noise-json, --graph-json; any may be missing).
Writes PREFIX.csv/.json/.md (noise also PREFIX.html, verdict PREFIX.csv/.md). Defaults are the paper's (full maps, paper preset: a GPU job);
crop (--crop-voxels, --max-input-voxels) and --preset cpu for CPUs.`

// experimentFlags are the experiment command's own flags.
type experimentFlags struct {
	out, data, ckpt, models, norm, inits, pairs, snrs, kinds, lowpass *string
	interpJSON, noiseJSON, graphJSON                                  *string
	crop, neuralCrop, margin, ctlFrac                                 *float64
	cropVox, maxVox                                                   *int
	noiseSeed                                                         *uint64
	noNeural, fitNeural, trilinear                                    *bool
}

func addExperimentFlags(fs *flag.FlagSet) *experimentFlags {
	return &experimentFlags{
		out:        fs.String("o", "", "output prefix (required)"),
		data:       fs.String("data", os.Getenv(datadir.EnvVar), "shared data directory (default $"+datadir.EnvVar+", else ../shared/data beside the repository)"),
		ckpt:       fs.String("checkpoint-dir", "", "keep fitted neural maps here and resume from them"),
		models:     fs.String("models", "", "interp, noise: model names (default: all of models/sim), e.g. 1CRN,4oz7"),
		crop:       fs.Float64("crop", 0, "interp, noise: crop cube edge in Å around the model centre (0: full maps)"),
		cropVox:    fs.Int("crop-voxels", 0, "interp, noise: crop as this many input voxels per axis (overrides --crop)"),
		maxVox:     fs.Int("max-input-voxels", 0, "interp, noise: whole maps up to this many input voxels, else the largest cube that has at most this many (0: no limit)"),
		ctlFrac:    fs.Float64("control-fraction", 0, "interp, noise: score a reproducible random fraction (0–1] of the non-zero control voxels, plus every peak (0: all)"),
		norm:       fs.String("normalization", "input", "interp: control normalisation: input (one mapping, fitted on the input) or own"),
		noNeural:   fs.Bool("no-neural", false, "interp, noise: classical interpolators only"),
		inits:      fs.String("inits", experiment.InitRandom, "neural initialisations (interp, noise: one fit each, comma-separated; graph: one): random (drawn from --seed), learned (the --preset's shipped one: cpu) or a .nemi file from 'neuralem meta-train'"),
		snrs:       fs.String("snrs", "1,3,10,inf", "noise: peak/σ ratios, comma-separated (inf: no noise)"),
		kinds:      fs.String("noise", "white,band", "noise: noise kinds, comma-separated: white, band"),
		noiseSeed:  fs.Uint64("noise-seed", 1, "noise: seed of the noise fields"),
		lowpass:    fs.String("lowpass", "1", "noise: Gaussian low-pass σ of the classical denoiser, as multiples of R/(π√2), comma-separated"),
		pairs:      fs.String("pairs", "", "graph: pair names (default: all), e.g. EMD-20026,EMD-2566"),
		fitNeural:  fs.Bool("fit-neural", false, "graph: also fit a neural map per pair on a crop"),
		neuralCrop: fs.Float64("neural-crop", 0, "graph: neural crop cube edge in Å (0: whole map)"),
		trilinear:  fs.Bool("trilinear", false, "graph: add trilinear graphs"),
		margin:     fs.Float64("model-margin", 0, "graph: restrict whole-map fields to this many Å around the model (0: whole map)"),
		interpJSON: fs.String("interp-json", "", "verdict: JSON output of an interp run"),
		noiseJSON:  fs.String("noise-json", "", "verdict: JSON output of a noise run"),
		graphJSON:  fs.String("graph-json", "", "verdict: JSON output of a graph run"),
	}
}

// interpOptions builds the options shared by interp and noise.
func (f *experimentFlags) interpOptions(cfg siren.Config, tiling region.Options, ff *fitFlags) (experiment.InterpOptions, error) {
	o := experiment.InterpOptions{DataDir: *f.data, Crop: *f.crop, CropVoxels: *f.cropVox, MaxInputVoxels: *f.maxVox, ControlFraction: *f.ctlFrac, Preset: *ff.preset, Config: cfg, Tiling: tiling,
		NoNeural: *f.noNeural, CheckpointDir: *f.ckpt, Workers: *ff.workers, Stack: *ff.stack, Inits: splitList(*f.inits)}
	var err error
	if o.Normalization, err = experiment.ParseNormalization(*f.norm); err != nil {
		return o, fmt.Errorf("--normalization: %w", err)
	}
	if *f.models != "" {
		if o.Models, err = pick(*f.models, experiment.DefaultSimModels(), func(m experiment.SimModel) string { return m.Name }); err != nil {
			return o, fmt.Errorf("--models: %w", err)
		}
	}
	return o, nil
}

// noiseOptions builds the noise experiment's options.
func (f *experimentFlags) noiseOptions(base experiment.InterpOptions) (experiment.NoiseOptions, error) {
	o := experiment.NoiseOptions{InterpOptions: base, NoiseSeed: *f.noiseSeed}
	for _, w := range splitList(*f.snrs) {
		v, err := strconv.ParseFloat(w, 64)
		if err != nil || !(v > 0) {
			return o, fmt.Errorf("--snrs: %q is not a ratio > 0 (or inf)", w)
		}
		o.SNRs = append(o.SNRs, v)
	}
	for _, w := range splitList(*f.kinds) {
		k, err := experiment.ParseNoiseKind(w)
		if err != nil || k == experiment.NoiseNone {
			return o, fmt.Errorf("--noise: %q, want white or band (the noise-free rows come from --snrs inf)", w)
		}
		o.Kinds = append(o.Kinds, k)
	}
	for _, w := range splitList(*f.lowpass) {
		v, err := strconv.ParseFloat(w, 64)
		if err != nil || !(v > 0) || math.IsInf(v, 0) {
			return o, fmt.Errorf("--lowpass: %q is not a finite factor > 0", w)
		}
		o.LowPass = append(o.LowPass, v)
	}
	if o.NoiseSeed == 0 {
		return o, fmt.Errorf("--noise-seed 0: want a seed ≥ 1")
	}
	return o, nil
}

// splitList splits a comma-separated list, dropping empty entries.
func splitList(s string) []string {
	var out []string
	for _, w := range strings.Split(s, ",") {
		if w = strings.TrimSpace(w); w != "" {
			out = append(out, w)
		}
	}
	return out
}

func runExperiment(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("experiment", "interp|noise|graph|verdict -o PREFIX", experimentDoc, stderr)
	ef := addExperimentFlags(fs)
	ff := addFitFlags(fs, "paper")
	pos, err := parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	if *ef.out == "" {
		return fmt.Errorf("-o PREFIX is required")
	}
	if pos[0] == "verdict" {
		return runVerdict(ef, stdout, stderr)
	}
	cfg, tiling, err := ff.config()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(*ef.out), 0o755); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	progress := experimentProgress(stderr)
	var res tableWriter
	var runErr error
	switch pos[0] {
	case "interp", "noise":
		base, err := ef.interpOptions(cfg, tiling, ff)
		if err != nil {
			return err
		}
		if pos[0] == "interp" {
			r, err := experiment.RunInterp(ctx, base, progress)
			if r == nil {
				return err
			}
			res, runErr = r, err
			break
		}
		o, err := ef.noiseOptions(base)
		if err != nil {
			return err
		}
		r, err := experiment.RunNoise(ctx, o, progress)
		if r == nil {
			return err
		}
		res, runErr = r, err
	case "graph":
		o := experiment.GraphOptions{DataDir: *ef.data, FitNeural: *ef.fitNeural, NeuralCrop: *ef.neuralCrop, Preset: *ff.preset, Config: cfg, Tiling: tiling, CheckpointDir: *ef.ckpt,
			Trilinear: *ef.trilinear, ModelMargin: *ef.margin, Workers: *ff.workers, Stack: *ff.stack}
		if *ef.fitNeural {
			inits := splitList(*ef.inits)
			if len(inits) != 1 {
				return fmt.Errorf("--inits %q: graph fits one neural map per pair, give one initialisation", *ef.inits)
			}
			o.Init = inits[0]
		}
		if *ef.pairs != "" {
			if o.Pairs, err = pick(*ef.pairs, experiment.DefaultPairs(), func(p experiment.Pair) string { return p.Name }); err != nil {
				return fmt.Errorf("--pairs: %w", err)
			}
		}
		r, err := experiment.RunGraph(ctx, o, progress)
		if r == nil {
			return err
		}
		res, runErr = r, err
	default:
		return fmt.Errorf("unknown experiment %q: want interp, noise, graph or verdict", pos[0])
	}
	if err := writeTables(*ef.out, res, stderr); err != nil {
		return err
	}
	if r, ok := res.(*experiment.NoiseResults); ok && len(r.Rows) > 0 {
		if err := writeNoiseCharts(*ef.out+".html", r); err != nil {
			return err
		}
		fmt.Fprintln(stderr, "wrote", *ef.out+".html")
	}
	if runErr != nil {
		return fmt.Errorf("partial results written: %w", runErr)
	}
	return res.WriteMarkdown(stdout)
}

// experimentProgress prints the experiments' progress on stderr, fit steps
// at most every 5 s.
func experimentProgress(stderr io.Writer) func(experiment.Progress) {
	last := time.Time{}
	return func(p experiment.Progress) {
		if p.Fit != nil && !p.Fit.Done && time.Since(last) < 5*time.Second {
			return
		}
		last = time.Now()
		msg := p.Detail
		if p.Fit != nil {
			msg = fmt.Sprintf("region %d/%d step %d loss %.3g best %.3g", p.Fit.Index+1, p.Fit.Total, p.Fit.Step.Step, p.Fit.Step.Loss, p.Fit.Step.Best)
			if p.Fit.Done {
				msg = fmt.Sprintf("region %d/%d done: %d steps, best %.3g, %s", p.Fit.Index+1, p.Fit.Total, p.Fit.Report.Steps, p.Fit.Report.BestLoss, p.Fit.Report.StopReason)
			}
		}
		fmt.Fprintf(stderr, "%s [%d/%d] %s %s: %s\n", p.Experiment, p.Index+1, p.Total, p.Item, p.Stage, msg)
	}
}

// writeTables writes PREFIX.csv, .json and .md: all three or none, each
// atomically (atomicfile.Group).
func writeTables(prefix string, res tableWriter, stderr io.Writer) error {
	var grp atomicfile.Group
	for _, w := range []struct {
		ext string
		f   func(io.Writer) error
	}{{".csv", res.WriteCSV}, {".json", res.WriteJSON}, {".md", res.WriteMarkdown}} {
		if err := grp.Stage(prefix+w.ext, w.f); err != nil {
			return err // Stage removed every temporary
		}
	}
	files := grp.Paths()
	if err := grp.Commit(); err != nil {
		return err
	}
	fmt.Fprintln(stderr, "wrote", strings.Join(files, ", "))
	return nil
}

// pick returns the items of all named (case-insensitively) in the
// comma-separated list, in the list's order.
func pick[T any](list string, all []T, name func(T) string) ([]T, error) {
	var out []T
	for _, w := range strings.Split(list, ",") {
		w = strings.TrimSpace(w)
		i := slices.IndexFunc(all, func(x T) bool { return strings.EqualFold(name(x), w) })
		if i < 0 {
			names := make([]string, len(all))
			for j, x := range all {
				names[j] = name(x)
			}
			return nil, fmt.Errorf("unknown name %q (have %s)", w, strings.Join(names, ", "))
		}
		out = append(out, all[i])
	}
	return out, nil
}

// writeNoiseCharts writes a page with the noise chart of every noise kind:
// mean MAE against the clean control vs peak/σ, one line per method.
func writeNoiseCharts(path string, r *experiment.NoiseResults) error {
	var cs []charts.Chart
	for _, kind := range r.Options.Kinds {
		var series []charts.SNRSeries
		for _, c := range r.Curves() {
			if c.Kind == kind {
				series = append(series, charts.SNRSeries{Name: c.Method, SNR: c.SNR, Error: c.MAE})
			}
		}
		if len(series) == 0 {
			continue
		}
		models := r.Models()
		over := fmt.Sprintf("%d models", len(models))
		if len(models) == 1 {
			over = models[0]
		}
		c, err := charts.ErrorVsSNR(fmt.Sprintf("Interpolation error vs noise (%s noise, mean over %s)", kind, over),
			"mean MAE vs clean control ([0, 1] scale)", series, false)
		if err != nil {
			return err
		}
		cs = append(cs, c)
	}
	if len(cs) == 0 {
		return nil
	}
	// A standalone page; each chart's snippet carries the (guarded, so
	// evaluated once) ECharts JavaScript.
	var page strings.Builder
	page.WriteString("<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n<title>neuralem noise experiment</title>\n</head>\n<body>\n")
	for _, c := range cs {
		h, err := charts.HTML(c)
		if err != nil {
			return err
		}
		page.WriteString(h + "\n")
	}
	page.WriteString("</body>\n</html>\n")
	return atomicfile.WriteBytes(path, []byte(page.String()))
}

// runVerdict reads the experiments' JSON outputs and writes the verdict.
func runVerdict(ef *experimentFlags, stdout, stderr io.Writer) error {
	var tables [3]*experiment.Table
	for i, f := range []struct{ flag, path, want string }{
		{"--interp-json", *ef.interpJSON, "interp"}, {"--noise-json", *ef.noiseJSON, "noise"}, {"--graph-json", *ef.graphJSON, "graph"},
	} {
		if f.path == "" {
			continue
		}
		r, err := os.Open(f.path)
		if err != nil {
			return fmt.Errorf("%s: %w", f.flag, err)
		}
		t, err := experiment.ReadTable(r)
		r.Close()
		if err != nil {
			return fmt.Errorf("%s %s: %w", f.flag, f.path, err)
		}
		if t.Experiment != f.want {
			return fmt.Errorf("%s %s: the output of a %q run, want %q", f.flag, f.path, t.Experiment, f.want)
		}
		tables[i] = t
	}
	if tables == [3]*experiment.Table{} {
		return fmt.Errorf("verdict: give at least one of --interp-json, --noise-json, --graph-json")
	}
	v := experiment.Verdict(tables[0], tables[1], tables[2])
	for _, w := range []struct {
		ext string
		f   func(io.Writer, []experiment.VerdictRow) error
	}{{".csv", experiment.WriteVerdictCSV}, {".md", experiment.WriteVerdictMarkdown}} {
		if err := atomicfile.Write(*ef.out+w.ext, func(out io.Writer) error { return w.f(out, v) }); err != nil {
			return err
		}
		fmt.Fprintln(stderr, "wrote", *ef.out+w.ext)
	}
	return experiment.WriteVerdictMarkdown(stdout, v)
}
