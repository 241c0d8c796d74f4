package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/neuralem/neuralem/internal/datadir"
	"github.com/neuralem/neuralem/neuralem/internal/progress"
	"github.com/neuralem/neuralem/neuralem/metainit"
	"github.com/neuralem/neuralem/neuralem/neuralmap"
)

func init() {
	register("meta-train", "learn a SIREN initialisation for a preset (Reptile; resumable)", runMetaTrain)
}

func runMetaTrain(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("meta-train", "--preset cpu -o INIT.nemi",
		"Meta-learns initial weights for a preset's networks (Reptile): at each outer step it draws\n--batch 16³ regions from the training maps, trains the current initialisation on each for\n--inner-steps Adam steps and moves it towards the trained weights. The training set is\nexperimental maps (--maps) and models simulated with molmap (--models) at --resolutions on\ngrids of R/3 and of the experimental maps' voxel sizes; the default is the split of\nneuralem/metainit.DefaultSplit (held out: EMD-20026, EMD-2566 and four simulated models).\nThe output is rewritten atomically every --checkpoint-every outer steps: running the same\ncommand again resumes.", stderr)
	preset := fs.String("preset", "cpu", "preset whose network and region size are learned for (cpu)")
	out := fs.String("o", "", "output initialisation file (.nemi; required; resumed from if unfinished)")
	data := fs.String("data", os.Getenv(datadir.EnvVar), "shared data directory for the default split (default $"+datadir.EnvVar+", else ../shared/data beside the repository)")
	maps := fs.String("maps", "", "experimental training maps, comma-separated (default: the split's)")
	models := fs.String("models", "", "training models to simulate, comma-separated (default: the split's)")
	resolutions := fs.String("resolutions", "", "simulated resolutions in Å, comma-separated (default 1.2,1.5,2,2.5,3,3.5,4)")
	perMap := fs.Int("regions-per-map", 768, "regions drawn from each experimental map")
	perSim := fs.Int("regions-per-sim", 24, "regions drawn from each simulated map (model, resolution, voxel size)")
	def := metainit.DefaultTrainOptions()
	steps := fs.Int("steps", def.OuterSteps, "outer (meta) steps")
	batch := fs.Int("batch", def.Batch, "regions per outer step")
	inner := fs.Int("inner-steps", def.InnerSteps, "Adam steps per region in an outer step (k)")
	innerLR := fs.Float64("inner-lr", 0, "inner Adam learning rate (0: the preset's)")
	metaLR := fs.Float64("meta-lr", def.MetaLR, "Reptile step at the first outer step")
	metaLRFinal := fs.Float64("meta-lr-final", def.MetaLRFinal, "Reptile step at the last outer step (linear decay)")
	seed := fs.Uint64("seed", def.Seed, "seed of the initial network, the regions drawn and their symmetries")
	workers := fs.Int("workers", 0, "goroutines, each with its own backend (0: one per core on the Go backend)")
	every := fs.Int("checkpoint-every", 100, "write the output every this many outer steps")
	offGrid := fs.Int("offgrid", 0, "also supervise the inner loop at this many off-grid points per region (half-voxel lattice positions that are not voxel centres, whole symmetry orbits, so at least this many) with the cubic B-spline of the source map; 0: voxel centres only")
	shorten := fs.Bool("shorten", false, "finish the unfinished -o file in --steps outer steps instead of the number it was started for: from the step it reached, the Reptile step decays linearly to --meta-lr-final (recorded in the file, with both commands)")
	from := fs.String("from", "", "start from this initialisation instead of random weights (learned: the preset's shipped one, or a finished "+metainit.FileExt+" file): fine-tunes it with the settings given here; recorded (its sha256) in the output")
	asJSON := fs.Bool("json", false, "write a JSON summary to stdout")
	onParsed(fs, func(set map[string]bool) error {
		return firstErr(
			check(*preset == "cpu", "preset", *preset, "cpu: meta-training runs for the cpu preset only here (the paper preset's 256-wide network on 64³ regions is a GPU job)"),
			check(*steps > 0, "steps", *steps, "a number of outer steps > 0"),
			check(*batch > 0, "batch", *batch, "a number of regions per outer step > 0"),
			check(*inner > 0, "inner-steps", *inner, "a number of inner Adam steps > 0"),
			check(finite(*innerLR) && *innerLR >= 0, "inner-lr", *innerLR, "a finite learning rate > 0 (0: the preset's)"),
			check(*metaLR > 0 && *metaLR <= 1, "meta-lr", *metaLR, "a Reptile step in (0, 1]"),
			check(*metaLRFinal >= 0 && *metaLRFinal <= *metaLR, "meta-lr-final", *metaLRFinal, fmt.Sprintf("a Reptile step in [0, --meta-lr %g]", *metaLR)),
			check(*workers >= 0, "workers", *workers, "≥ 0 (0: one per core)"),
			check(*every > 0, "checkpoint-every", *every, "a number of outer steps > 0"),
			check(!*shorten || set["steps"], "shorten", *shorten, "it with --steps (the new total of outer steps)"),
			check(*perMap > 0, "regions-per-map", *perMap, "a number of regions > 0"),
			check(*perSim > 0, "regions-per-sim", *perSim, "a number of regions > 0"),
			check(*offGrid >= 0, "offgrid", *offGrid, "a number of off-grid points ≥ 0 (0: voxel centres only)"),
		)
	})
	if _, err := parse(fs, args, 0, 0); err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("-o INIT%s is required", metainit.FileExt)
	}
	var inputs []string
	if *from != "" && *from != metainit.KindLearned {
		inputs = append(inputs, *from)
	}
	if err := checkOutput("-o", *out, kindInit, false, inputs...); err != nil {
		return err
	}
	p, err := neuralmap.PresetNetwork(*preset)
	if err != nil {
		return err
	}
	if m := metainit.MaxOffGrid(p.Tiling.Size); *offGrid > m {
		return fmt.Errorf("--offgrid %d: want 0 to %d (the non-voxel points of a %d³ region's half-voxel lattice)", *offGrid, m, p.Tiling.Size)
	}
	if *data == "" {
		*data = datadir.Shared()
	}
	var fromInit *metainit.Init
	if *from != "" {
		if *from == metainit.KindRandom {
			return fmt.Errorf("--from random: leave --from out to start from random weights")
		}
		if fromInit, err = metainit.Resolve(*from, *preset, p.Config); err != nil {
			return fmt.Errorf("--from %s: %w", *from, err)
		}
	}
	split, err := metaSplit(*data, *maps, *models, *resolutions, *perMap, *perSim)
	if err != nil {
		return err
	}
	t := metainit.TrainOptions{OuterSteps: *steps, Batch: *batch, InnerSteps: *inner, InnerLR: *innerLR,
		MetaLR: *metaLR, MetaLRFinal: *metaLRFinal, Seed: *seed, Workers: *workers}
	if t.InnerLR == 0 {
		t.InnerLR = p.Config.LearningRate
	}
	if err := t.Validate(); err != nil {
		return err
	}
	printSplit(stderr, split)
	dataOpts := metainit.DefaultDataOptions(p.Tiling.Size, *seed)
	dataOpts.OffGrid = *offGrid
	if *offGrid > 0 {
		fmt.Fprintf(stderr, "off-grid supervision: %d points per region (cubic B-spline targets)\n", *offGrid)
	}
	opts := metainit.RunOptions{
		Preset: *preset, Config: p.Config, Edge: p.Tiling.Size, Sources: split.Train, HeldOut: heldOutNames(split),
		Data: dataOpts, Train: t, Output: *out, CheckpointEvery: *every,
		Command: "neuralem meta-train " + strings.Join(args, " "), Shorten: *shorten, From: fromInit,
	}
	if fromInit != nil {
		fmt.Fprintf(stderr, "starting from %s (sha256 %s)\n", fromInit.Name, fromInit.SHA256)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var bar *progress.Bar
	resumedAt, reached := 0, 0
	in, err := metainit.Run(ctx, opts, func(rp metainit.RunProgress) error {
		switch {
		case rp.Source != nil:
			if bar == nil {
				bar = progress.New(stderr, "data", rp.Total)
			}
			bar.Update(rp.Done, rp.Source.Name)
			if rp.Done == rp.Total {
				bar.Done(rp.Total, "")
				bar = nil
			}
		case rp.Resumed > 0:
			resumedAt = rp.Resumed
			fmt.Fprintf(stderr, "resuming %s at outer step %d\n", *out, rp.Resumed)
		case rp.Train != nil:
			if bar == nil {
				bar = progress.New(stderr, "meta-train", rp.Total)
			}
			tp := rp.Train
			reached = tp.Step
			bar.Update(tp.Step, fmt.Sprintf("MSE %.3g → %.3g after %d steps (%.1f s/outer step)", tp.Start, tp.Loss, t.InnerSteps,
				tp.Elapsed.Seconds()/float64(max(tp.Step-resumedAt, 1))))
		}
		return nil
	})
	if bar != nil {
		bar.Done(reached, "") // the step reached, not the planned total, when interrupted
	}
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return fmt.Errorf("interrupted; the last checkpoint is in %s — run the same command to resume", *out)
		}
		return err
	}
	sum := map[string]any{"output": *out, "sha256": in.SHA256, "outer_steps": in.Meta.Done, "seconds": in.Meta.Elapsed.Seconds(),
		"sources": len(split.Train), "held_out": opts.HeldOut, "offgrid_points": in.Meta.OffGrid}
	if *asJSON {
		return writeJSON(stdout, sum)
	}
	fmt.Fprintf(stdout, "wrote %s: %d outer steps, %d off-grid points per region, %.0f s of meta-training, sha256 %s\n", *out, in.Meta.Done, in.Meta.OffGrid, in.Meta.Elapsed.Seconds(), in.SHA256)
	return nil
}

// metaSplit is the default split of dataDir, with the training maps,
// models or resolutions replaced when given. Held-out maps and models used
// for training leave the held-out list.
func metaSplit(dataDir, maps, models, resolutions string, perMap, perSim int) (metainit.Split, error) {
	if dataDir == "" && (maps == "" || models == "") {
		return metainit.Split{}, fmt.Errorf("no shared data directory: pass --data (or both --maps and --models)")
	}
	split := metainit.DefaultSplit(dataDir)
	res := metainit.Resolutions
	if resolutions != "" {
		res = nil
		for _, f := range strings.Split(resolutions, ",") {
			var r float64
			if _, err := fmt.Sscanf(strings.TrimSpace(f), "%g", &r); err != nil || !(r > 0) {
				return split, fmt.Errorf("--resolutions: %q is not a resolution in Å > 0", f)
			}
			res = append(res, r)
		}
	}
	var train []metainit.Source
	if maps == "" {
		for _, s := range split.Train {
			if s.Map != "" {
				s.Regions = perMap
				train = append(train, s)
			}
		}
	} else {
		for _, m := range strings.Split(maps, ",") {
			m = strings.TrimSpace(m)
			train = append(train, metainit.Source{Name: filepath.Base(m), Map: m, Regions: perMap})
		}
	}
	var simModels []string
	if models == "" {
		seen := map[string]bool{}
		for _, s := range split.Train {
			if s.Model != "" && !seen[s.Model] {
				seen[s.Model] = true
				simModels = append(simModels, s.Model)
			}
		}
	} else {
		for _, m := range strings.Split(models, ",") {
			simModels = append(simModels, strings.TrimSpace(m))
		}
	}
	train = append(train, metainit.SimSources(simModels, res, metainit.RealVoxels, perSim)...)
	for _, s := range train {
		if _, err := os.Stat(s.File()); err != nil {
			return split, fmt.Errorf("training source %q: %w", s.Name, err)
		}
	}
	used := map[string]bool{}
	for _, s := range train {
		used[filepath.Clean(s.File())] = true
	}
	var hm []metainit.Source
	for _, s := range split.HeldOutMaps {
		if !used[filepath.Clean(s.Map)] {
			hm = append(hm, s)
		}
	}
	var hmod []string
	for _, m := range split.HeldOutModels {
		if !used[filepath.Clean(m)] {
			hmod = append(hmod, m)
		}
	}
	return metainit.Split{Train: train, HeldOutMaps: hm, HeldOutModels: hmod}, nil
}

// heldOutNames lists a split's held-out maps and models by name.
func heldOutNames(s metainit.Split) []string {
	var out []string
	for _, m := range s.HeldOutMaps {
		out = append(out, m.Name+" ("+filepath.Base(m.Map)+")")
	}
	for _, m := range s.HeldOutModels {
		out = append(out, filepath.Base(m))
	}
	return out
}

// printSplit prints the training sources (maps, and models with their
// resolutions) and what is held out.
func printSplit(w io.Writer, s metainit.Split) {
	regions := 0
	var maps []string
	sims := map[string]int{}
	var order []string
	for _, src := range s.Train {
		regions += src.Regions
		if src.Map != "" {
			maps = append(maps, fmt.Sprintf("%s (%s, %d regions)", src.Name, filepath.Base(src.Map), src.Regions))
			continue
		}
		b := filepath.Base(src.Model)
		if sims[b] == 0 {
			order = append(order, b)
		}
		sims[b]++
	}
	fmt.Fprintf(w, "training set: %d sources, %d regions\n", len(s.Train), regions)
	fmt.Fprintf(w, "  experimental maps: %s\n", strings.Join(maps, ", "))
	var ms []string
	for _, b := range order {
		ms = append(ms, fmt.Sprintf("%s ×%d", b, sims[b]))
	}
	fmt.Fprintf(w, "  simulated models (× resolution/voxel-size maps): %s\n", strings.Join(ms, ", "))
	fmt.Fprintf(w, "held out (never trained on): %s\n", strings.Join(heldOutNames(s), ", "))
}
