// Command experiments runs the paper's two experiments through package
// experiment and writes their tables (CSV, JSON, markdown) under -out.
// It exists until `neuralem experiment interp|graph` is wired to the same
// API; see README.md for the commands and the measured tables.
//
//	go run ./bench/experiments -exp interp -models 4oz7,1CRN -crop-voxels 24 -preset cpu -out /tmp/x/interp
//	go run ./bench/experiments -exp graph -fit-neural -neural-crop 24 -pairs EMD-20026 -out /tmp/x/graph
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/neuralem/neuralem/neuralem/experiment"
	"github.com/neuralem/neuralem/neuralem/siren"
)

func main() {
	exp := flag.String("exp", "", "experiment: interp or graph")
	out := flag.String("out", "", "output prefix: writes PREFIX.csv, PREFIX.json, PREFIX.md")
	data := flag.String("data", "", "shared data directory (default: ../shared/data beside the repository)")
	preset := flag.String("preset", "paper", "SIREN preset: paper or cpu")
	maxSteps := flag.Int("max-steps", 0, "override the preset's MaxSteps (0: keep)")
	width := flag.Int("width", 0, "override the preset's Width (0: keep)")
	hidden := flag.Int("hidden", 0, "override the preset's HiddenLayers (0: keep)")
	lr := flag.Float64("lr", 0, "override the preset's LearningRate (0: keep)")
	maxTime := flag.Duration("max-time", 0, "override the preset's MaxTime per region (0: keep)")
	seed := flag.Uint64("seed", 0, "SIREN seed (0: the preset's)")
	ckpt := flag.String("checkpoint-dir", "", "keep fitted neural maps here and resume from them")
	models := flag.String("models", "", "interp: comma-separated model names from DefaultSimModels (default: all)")
	crop := flag.Float64("crop", 0, "interp: crop cube edge in Å (0: full maps)")
	cropVox := flag.Int("crop-voxels", 0, "interp: crop as this many input voxels per axis (overrides -crop)")
	norm := flag.String("normalization", "input", "interp: control normalisation, input or own")
	noNeural := flag.Bool("no-neural", false, "interp: classical interpolators only")
	pairs := flag.String("pairs", "", "graph: comma-separated pair names from DefaultPairs (default: all)")
	fitNeural := flag.Bool("fit-neural", false, "graph: fit a neural map per pair on a crop")
	neuralCrop := flag.Float64("neural-crop", 0, "graph: neural crop cube edge in Å (0: whole map)")
	trilinear := flag.Bool("trilinear", false, "graph: add trilinear graphs")
	margin := flag.Float64("model-margin", 0, "graph: restrict whole-map fields to this many Å around the model (0: whole map)")
	flag.Parse()
	override := func(c *siren.Config) {
		if *width > 0 {
			c.Width = *width
		}
		if *hidden > 0 {
			c.HiddenLayers = *hidden
		}
		if *lr > 0 {
			c.LearningRate = *lr
		}
		if *maxTime > 0 {
			c.MaxTime = *maxTime
		}
	}
	if err := run(override, *exp, *out, *data, *preset, *maxSteps, *seed, *ckpt, *models, *crop, *cropVox, *norm, *noNeural, *pairs, *fitNeural, *neuralCrop, *trilinear, *margin); err != nil {
		fmt.Fprintln(os.Stderr, "experiments:", err)
		os.Exit(1)
	}
}

func run(override func(*siren.Config), exp, out, data, preset string, maxSteps int, seed uint64, ckpt, models string, crop float64, cropVox int, norm string, noNeural bool,
	pairs string, fitNeural bool, neuralCrop float64, trilinear bool, margin float64) error {
	if out == "" {
		return fmt.Errorf("-out PREFIX is required")
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	cfg, err := experiment.SirenConfig(preset, experiment.InterpOptions{}.Config, seed)
	if err != nil {
		return err
	}
	if maxSteps > 0 {
		cfg.MaxSteps = maxSteps
	}
	override(&cfg)
	if err := cfg.Validate(); err != nil {
		return err
	}
	last := time.Now()
	progress := func(p experiment.Progress) {
		if p.Fit != nil && !p.Fit.Done && time.Since(last) < 10*time.Second {
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
		fmt.Fprintf(os.Stderr, "%s %s [%d/%d] %s: %s\n", time.Now().Format("15:04:05"), p.Experiment, p.Index+1, p.Total, p.Item+" "+p.Stage, msg)
	}
	ctx := context.Background()
	var csvF, jsonF, mdF func(*os.File) error
	switch exp {
	case "interp":
		o := experiment.InterpOptions{DataDir: data, Crop: crop, CropVoxels: cropVox, Config: cfg, NoNeural: noNeural, CheckpointDir: ckpt}
		if o.Normalization, err = experiment.ParseNormalization(norm); err != nil {
			return err
		}
		if models != "" {
			want := map[string]bool{}
			for _, m := range strings.Split(models, ",") {
				want[strings.TrimSpace(m)] = true
			}
			for _, m := range experiment.DefaultSimModels() {
				if want[m.Name] {
					o.Models = append(o.Models, m)
					delete(want, m.Name)
				}
			}
			if len(want) > 0 {
				return fmt.Errorf("-models: unknown %v", want)
			}
		}
		r, err := experiment.RunInterp(ctx, o, progress)
		if r == nil {
			return err
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "experiments: partial results:", err)
		}
		csvF = func(f *os.File) error { return r.WriteCSV(f) }
		jsonF = func(f *os.File) error { return r.WriteJSON(f) }
		mdF = func(f *os.File) error { return r.WriteMarkdown(f) }
	case "graph":
		o := experiment.GraphOptions{DataDir: data, FitNeural: fitNeural, NeuralCrop: neuralCrop, Config: cfg, CheckpointDir: ckpt, Trilinear: trilinear, ModelMargin: margin}
		if pairs != "" {
			want := map[string]bool{}
			for _, m := range strings.Split(pairs, ",") {
				want[strings.TrimSpace(m)] = true
			}
			for _, p := range experiment.DefaultPairs() {
				if want[p.Name] {
					o.Pairs = append(o.Pairs, p)
					delete(want, p.Name)
				}
			}
			if len(want) > 0 {
				return fmt.Errorf("-pairs: unknown %v", want)
			}
		}
		r, err := experiment.RunGraph(ctx, o, progress)
		if r == nil {
			return err
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "experiments: partial results:", err)
		}
		csvF = func(f *os.File) error { return r.WriteCSV(f) }
		jsonF = func(f *os.File) error { return r.WriteJSON(f) }
		mdF = func(f *os.File) error { return r.WriteMarkdown(f) }
	default:
		return fmt.Errorf("-exp %q: want interp or graph", exp)
	}
	for ext, f := range map[string]func(*os.File) error{".csv": csvF, ".json": jsonF, ".md": mdF} {
		file, err := os.Create(out + ext)
		if err != nil {
			return err
		}
		if err := f(file); err != nil {
			file.Close()
			return err
		}
		if err := file.Close(); err != nil {
			return err
		}
		fmt.Fprintln(os.Stderr, "wrote", out+ext)
	}
	return nil
}
