package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/neuralem/neuralem/neuralem/experiment"
)

func init() {
	register("experiment", "reproduce the paper's experiments (interp | graph)", runExperiment)
}

// tableWriter is what both experiments' results can write.
type tableWriter interface {
	WriteCSV(io.Writer) error
	WriteJSON(io.Writer) error
	WriteMarkdown(io.Writer) error
}

func runExperiment(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("experiment", "interp|graph -o PREFIX",
		"interp (§3.1, Fig. 5): simulate each model at resolution/3 (input) and 0.2 Å (control) in\none frame, fit the neural map on the input, and report MAE and max error on the control's\nnon-zero voxels for the neural map, trilinear and cubic B-spline (both exactly aligned).\ngraph (§3.2, Table 1, Fig. 6): density graphs of every map + model pair from the B-spline\nfield (and, with --fit-neural, a neural map fitted on a crop), scored with the paper's\nmetrics beside its numbers; masked maps are flagged. Writes PREFIX.csv/.json/.md.\nDefaults are the paper's (full maps, paper preset: a GPU job); crop for CPUs.", stderr)
	out := fs.String("o", "", "output prefix (required)")
	data := fs.String("data", "", "shared data directory (default: ../shared/data beside the repository)")
	ff := addFitFlags(fs, "paper")
	ckpt := fs.String("checkpoint-dir", "", "keep fitted neural maps here and resume from them")
	models := fs.String("models", "", "interp: model names (default: all of models/sim), e.g. 1CRN,4oz7")
	crop := fs.Float64("crop", 0, "interp: crop cube edge in Å around the model centre (0: full maps)")
	cropVox := fs.Int("crop-voxels", 0, "interp: crop as this many input voxels per axis (overrides --crop)")
	norm := fs.String("normalization", "input", "interp: control normalisation: input (one mapping, fitted on the input) or own")
	noNeural := fs.Bool("no-neural", false, "interp: classical interpolators only")
	pairs := fs.String("pairs", "", "graph: pair names (default: all), e.g. EMD-20026,EMD-2566")
	fitNeural := fs.Bool("fit-neural", false, "graph: also fit a neural map per pair on a crop")
	neuralCrop := fs.Float64("neural-crop", 0, "graph: neural crop cube edge in Å (0: whole map)")
	trilinear := fs.Bool("trilinear", false, "graph: add trilinear graphs")
	margin := fs.Float64("model-margin", 0, "graph: restrict whole-map fields to this many Å around the model (0: whole map)")
	pos, err := parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("-o PREFIX is required")
	}
	cfg, tiling, err := ff.config()
	if err != nil {
		return err
	}
	in, err := ff.initFor(cfg, tiling)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(*out), 0o755); err != nil {
		return err
	}
	last := time.Time{}
	progress := func(p experiment.Progress) {
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
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var res tableWriter
	var runErr error
	switch pos[0] {
	case "interp":
		o := experiment.InterpOptions{DataDir: *data, Crop: *crop, CropVoxels: *cropVox, Config: cfg, Init: in, Tiling: tiling, NoNeural: *noNeural, CheckpointDir: *ckpt,
			Workers: *ff.workers, Stack: *ff.stack}
		if o.Normalization, err = experiment.ParseNormalization(*norm); err != nil {
			return err
		}
		if *models != "" {
			if o.Models, err = pick(*models, experiment.DefaultSimModels(), func(m experiment.SimModel) string { return m.Name }); err != nil {
				return fmt.Errorf("--models: %w", err)
			}
		}
		r, err := experiment.RunInterp(ctx, o, progress)
		if r == nil {
			return err
		}
		res, runErr = r, err
	case "graph":
		o := experiment.GraphOptions{DataDir: *data, FitNeural: *fitNeural, NeuralCrop: *neuralCrop, Config: cfg, Init: in, Tiling: tiling, CheckpointDir: *ckpt, Trilinear: *trilinear, ModelMargin: *margin,
			Workers: *ff.workers, Stack: *ff.stack}
		if *pairs != "" {
			if o.Pairs, err = pick(*pairs, experiment.DefaultPairs(), func(p experiment.Pair) string { return p.Name }); err != nil {
				return fmt.Errorf("--pairs: %w", err)
			}
		}
		r, err := experiment.RunGraph(ctx, o, progress)
		if r == nil {
			return err
		}
		res, runErr = r, err
	default:
		return fmt.Errorf("unknown experiment %q: want interp or graph", pos[0])
	}
	for _, w := range []struct {
		ext string
		f   func(io.Writer) error
	}{{".csv", res.WriteCSV}, {".json", res.WriteJSON}, {".md", res.WriteMarkdown}} {
		file, err := os.Create(*out + w.ext)
		if err != nil {
			return err
		}
		if err := w.f(file); err != nil {
			file.Close()
			return err
		}
		if err := file.Close(); err != nil {
			return err
		}
		fmt.Fprintln(stderr, "wrote", *out+w.ext)
	}
	if runErr != nil {
		return fmt.Errorf("partial results written: %w", runErr)
	}
	return res.WriteMarkdown(stdout)
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
