package metainit

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/gomlx/compute"
	"github.com/neuralem/neuralem/neuralem/internal/atomicfile"
	"github.com/neuralem/neuralem/neuralem/siren"
)

// RunOptions configure Run: one meta-training of a preset's network, from
// the data to the written file.
type RunOptions struct {
	// Preset names the network and the region size (siren.Preset and
	// neuralmap's tiling of the same name); Edge is that region edge in
	// voxels.
	Preset string
	Config siren.Config
	Edge   int
	// Sources are the training sources; HeldOut names what is kept out
	// (recorded in the file).
	Sources []Source
	HeldOut []string
	// Data and Train are the dataset and Reptile options (Data.Edge is set
	// from Edge and Data.Seed from Train.Seed; Data.OffGrid is recorded in
	// the file as Meta.OffGrid).
	Data  DataOptions
	Train TrainOptions
	// Output is the .nemi path. It is written atomically every
	// CheckpointEvery outer steps (0: 100) and at the end; an unfinished
	// file there is resumed (it must have been made with the same preset,
	// sources and options, Workers aside), a finished one is returned as
	// is. It may not be one of the sources' files.
	Output          string
	CheckpointEvery int
	// Command is recorded in the file.
	Command string
	// Shorten finishes an unfinished output in Train.OuterSteps outer
	// steps although it was started for more (TrainOptions.Shorten: the
	// meta step decays from its current value to the final one over the
	// remaining steps). The file records the planned and the actual
	// schedule, and both commands.
	Shorten bool
	// From, if not nil, is the initialisation meta-training starts from
	// instead of random weights (fine-tuning it with other settings); its
	// SHA-256 is recorded as Train.From, so a checkpoint resumes only from
	// the same one. It must have a SHA256 (a loaded or built-in file).
	From    *Init
	Backend compute.Backend
}

// RunProgress reports Run's progress: the dataset being built (Source
// set), then every outer step (Train set).
type RunProgress struct {
	Source         *Source
	Done, Total    int
	Train          *TrainProgress
	Resumed        int // outer steps found done in the output file
	CheckpointSave bool
}

// ErrUnfinished is wrapped by the error of Resolve for a file whose
// meta-training has not finished (a checkpoint).
var ErrUnfinished = errors.New("metainit: unfinished meta-training")

// Run meta-trains an initialisation for opts.Preset on opts.Sources and
// writes it to opts.Output (see RunOptions for checkpoints and resuming).
// A progress error or a cancelled ctx stops the run after saving the last
// complete step. Run holds an exclusive lock on the output for the whole
// run (atomicfile.Lock: a flock on Output+".lock"), so a second run of the
// same file fails at once naming the first one's PID.
func Run(ctx context.Context, opts RunOptions, progress func(RunProgress) error) (*Init, error) {
	if opts.Output == "" {
		return nil, fmt.Errorf("metainit: run: no output path")
	}
	if err := opts.Train.Validate(); err != nil {
		return nil, err
	}
	for _, s := range opts.Sources {
		if same(s.File(), opts.Output) {
			return nil, fmt.Errorf("metainit: run: the output %s is the input %s of source %q", opts.Output, s.File(), s.Name)
		}
	}
	if opts.From != nil {
		if opts.From.SHA256 == "" {
			return nil, fmt.Errorf("metainit: run: the initialisation %s to start from has no SHA-256 (save or load it first)", opts.From.Name)
		}
		opts.Train.From = opts.From.SHA256
	}
	lock, err := atomicfile.Lock(opts.Output)
	if err != nil {
		return nil, fmt.Errorf("metainit: run: %w", err)
	}
	defer lock.Release()
	if _, err := atomicfile.CleanStale(opts.Output); err != nil {
		return nil, fmt.Errorf("metainit: run: %w", err)
	}
	every := opts.CheckpointEvery
	if every <= 0 {
		every = 100
	}
	var start *Init
	prev, err := Load(opts.Output)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("metainit: run: resuming from %s: %w", opts.Output, err)
	case opts.Shorten:
		if prev.Meta.Done >= prev.Meta.Train.OuterSteps {
			return nil, fmt.Errorf("metainit: run: %s is finished (%d outer steps): nothing to shorten", opts.Output, prev.Meta.Done)
		}
		short, err := prev.Meta.Train.Shorten(prev.Meta.Done, opts.Train.OuterSteps)
		if err != nil {
			return nil, fmt.Errorf("metainit: run: %s: %w", opts.Output, err)
		}
		short.Workers = opts.Train.Workers
		want := opts.Train
		want.OuterSteps = prev.Meta.Train.OuterSteps
		opts.Train = want
		if err := resumable(prev, opts); err != nil {
			return nil, fmt.Errorf("metainit: run: %s was made differently (%v); remove it or use another path", opts.Output, err)
		}
		opts.Train = short
		prev.Meta.Train = short
		opts.Command = prev.Meta.Command + "; shortened by: " + opts.Command
		start = prev
	default:
		if opts.Train.OuterSteps != prev.Meta.Train.OuterSteps && prev.Meta.Done < prev.Meta.Train.OuterSteps && prev.Meta.Done < opts.Train.OuterSteps {
			return nil, fmt.Errorf("metainit: run: %s was started for %d outer steps, now %d: to finish it in %d, shorten it (meta-train --shorten)", opts.Output, prev.Meta.Train.OuterSteps, opts.Train.OuterSteps, opts.Train.OuterSteps)
		}
		if err := resumable(prev, opts); err != nil {
			return nil, fmt.Errorf("metainit: run: %s was made differently (%v); remove it or use another path", opts.Output, err)
		}
		if prev.Meta.Done >= opts.Train.OuterSteps {
			return prev, nil
		}
		start = prev
	}
	data := opts.Data
	data.Edge, data.Seed = opts.Edge, opts.Train.Seed
	report := func(p RunProgress) error {
		if progress == nil {
			return nil
		}
		return progress(p)
	}
	ds, err := BuildDataset(ctx, opts.Sources, data, func(done, total int, s Source) {
		_ = report(RunProgress{Source: &s, Done: done, Total: total})
	})
	if err != nil {
		return nil, err
	}
	if start != nil {
		if err := report(RunProgress{Resumed: start.Meta.Done}); err != nil {
			return nil, err
		}
	}
	var before time.Duration
	if start != nil {
		before = start.Meta.Elapsed
	}
	began := time.Now()
	finish := func(in *Init) error {
		in.Meta.Preset, in.Meta.RegionEdge = opts.Preset, opts.Edge
		in.Meta.Sources, in.Meta.HeldOut = opts.Sources, opts.HeldOut
		in.Meta.OffGrid = opts.Data.OffGrid
		in.Meta.Command = opts.Command
		in.Meta.Created = time.Now().UTC().Format(time.RFC3339)
		in.Meta.Elapsed = before + time.Since(began)
		return in.Save(opts.Output)
	}
	out, err := Train(ctx, ds, opts.Config, opts.Train, opts.From, start, opts.Backend, func(p TrainProgress) error {
		save := p.Step%every == 0 && p.Step < p.Total
		if save {
			if err := finish(p.Init); err != nil {
				return err
			}
		}
		return report(RunProgress{Train: &p, Done: p.Step, Total: p.Total, CheckpointSave: save})
	})
	if out != nil && (err == nil || out.Meta.Done > 0) {
		if serr := finish(out); serr != nil && err == nil {
			err = serr
		}
	}
	if err != nil {
		return out, err
	}
	return out, nil
}

// resumable reports why the file prev cannot be continued by opts.
func resumable(prev *Init, opts RunOptions) error {
	t := prev.Meta.Train
	t.Workers = opts.Train.Workers
	switch {
	case prev.Meta.Preset != opts.Preset:
		return fmt.Errorf("preset %q, now %q", prev.Meta.Preset, opts.Preset)
	case !prev.Net.Config.SameArch(opts.Config):
		return fmt.Errorf("network %s, now %s", prev.Net.Config.ArchString(), opts.Config.ArchString())
	case prev.Meta.RegionEdge != opts.Edge:
		return fmt.Errorf("region edge %d, now %d", prev.Meta.RegionEdge, opts.Edge)
	case t.From != opts.Train.From:
		return fmt.Errorf("started from %s, now from %s (meta-train --from)", startedFrom(t.From), startedFrom(opts.Train.From))
	case t != opts.Train:
		return fmt.Errorf("training options %+v, now %+v", prev.Meta.Train, opts.Train)
	case prev.Meta.OffGrid != opts.Data.OffGrid:
		return fmt.Errorf("%d off-grid points, now %d", prev.Meta.OffGrid, opts.Data.OffGrid)
	case len(prev.Meta.Sources) != len(opts.Sources):
		return fmt.Errorf("%d sources, now %d", len(prev.Meta.Sources), len(opts.Sources))
	}
	for i, s := range prev.Meta.Sources {
		if s != opts.Sources[i] {
			return fmt.Errorf("source %d is %+v, now %+v", i, s, opts.Sources[i])
		}
	}
	return nil
}

// startedFrom describes TrainOptions.From.
func startedFrom(sha string) string {
	if sha == "" {
		return "random weights"
	}
	return "the initialisation with sha256 " + sha
}

// same reports whether two paths name the same file (or, for a file that
// does not exist yet, the same absolute path).
func same(a, b string) bool {
	sa, ea := os.Stat(a)
	sb, eb := os.Stat(b)
	if ea == nil && eb == nil {
		return os.SameFile(sa, sb)
	}
	pa, _ := filepath.Abs(a)
	pb, _ := filepath.Abs(b)
	return pa == pb
}
