package pipeline

import (
	"context"
	"fmt"
	"time"

	"github.com/neuralem/neuralem/neuralem/densgraph"
	"github.com/neuralem/neuralem/neuralem/eval"
	"github.com/neuralem/neuralem/neuralem/grid"
	"github.com/neuralem/neuralem/neuralem/model"
	"github.com/neuralem/neuralem/neuralem/neuralmap"
)

// Job is the method run end to end on a map and its atomic model: what
// `neuralem demo` does.
type Job struct {
	// Map is the density map and Model the atomic model fitted to it.
	Map   *grid.Grid
	Model *model.Model
	// Resolution is the map's resolution in Å (0: the model's, from its
	// file); it is stored in the neural map and sets the edge cutoff.
	Resolution float64
	// Fit configures the neural map's fit (Tiling, Config, Workers, …;
	// neuralmap.Preset gives a preset's). Its Resolution is set from the
	// job's; a Checkpoint makes the fit resumable.
	Fit neuralmap.FitOptions
	// Graph departs from the paper's graph settings (zero: the paper's).
	Graph GraphSettings
	// Eval selects the atoms scored and the matching (eval.Options).
	Eval eval.Options
	// Classical lists the interpolators whose graphs are built beside the
	// neural map's (nil: the cubic B-spline).
	Classical []grid.Method
	// FitProgress, if not nil, receives the fit's progress (see
	// neuralmap.Fit; an error stops the job).
	FitProgress func(neuralmap.FitProgress) error
	// WalkProgress, if not nil, receives each graph's walk progress with
	// the source's kind (see densgraph.WalkOptions.Progress).
	WalkProgress func(kind string, step, live, done, dropped int)
}

// GraphResult is one source's density graph and its scores.
type GraphResult struct {
	Source *Source
	Graph  *densgraph.Graph
	Report *densgraph.Report
	Eval   *eval.Result
}

// Result is what Run found.
type Result struct {
	// Resolution is the resolution used, in Å.
	Resolution float64
	// Map is the fitted neural map and FitTime the wall time of the fit
	// (short when resumed from a finished checkpoint).
	Map     *neuralmap.NeuralMap
	FitTime time.Duration
	// Accuracy compares the neural map with the normalised input map on
	// the input's voxels, on the [0, 1] scale.
	Accuracy grid.Errors
	// Graphs holds the neural map's graph, then the classical ones in
	// Job.Classical's order.
	Graphs []GraphResult
}

// Run fits the neural map of job.Map, measures its accuracy on the map's
// voxels, builds the density graphs of the neural map and of the classical
// interpolators with the same settings, and scores each against job.Model.
// Cancelling ctx stops the fit (finished regions are kept in the
// checkpoint) and returns an error wrapping ctx.Err().
func Run(ctx context.Context, job Job) (*Result, error) {
	if job.Map == nil || job.Model == nil {
		return nil, fmt.Errorf("pipeline: run: a Job needs a Map and a Model")
	}
	res := &Result{Resolution: job.Resolution}
	if res.Resolution == 0 {
		res.Resolution = job.Model.Resolution
	}
	if !(res.Resolution > 0) {
		return nil, fmt.Errorf("pipeline: run: resolution %g Å: the model %s gives none; set Job.Resolution", res.Resolution, job.Model.Source)
	}
	fo := job.Fit
	fo.Resolution = res.Resolution
	t0 := time.Now()
	nm, err := neuralmap.Fit(ctx, job.Map, fo, job.FitProgress)
	if err != nil {
		return nil, err
	}
	res.Map, res.FitTime = nm, time.Since(t0)
	if res.Accuracy, err = grid.CompareField(nm.Field(neuralmap.Units01), nm.Norm.Apply01(job.Map)); err != nil {
		return nil, fmt.Errorf("pipeline: run: accuracy on the map's voxels: %w", err)
	}
	neural, err := Neural(nm)
	if err != nil {
		return nil, err
	}
	sources := []*Source{neural}
	methods := job.Classical
	if methods == nil {
		methods = []grid.Method{grid.MethodBSpline}
	}
	for _, m := range methods {
		src, err := Interpolated(job.Map, m, res.Resolution)
		if err != nil {
			return nil, err
		}
		sources = append(sources, src)
	}
	for _, src := range sources {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		gr, err := graphAndScore(src, job)
		if err != nil {
			return res, fmt.Errorf("pipeline: run: graph of the %s field: %w", src.Kind, err)
		}
		res.Graphs = append(res.Graphs, *gr)
	}
	return res, nil
}

func graphAndScore(src *Source, job Job) (*GraphResult, error) {
	opts, err := job.Graph.Options(src)
	if err != nil {
		return nil, err
	}
	if job.WalkProgress != nil {
		opts.Walk.Progress = func(step, live, done, dropped int) { job.WalkProgress(src.Kind, step, live, done, dropped) }
	}
	g, rep, err := src.Graph(opts)
	if err != nil {
		return nil, err
	}
	ev, err := eval.EvaluateGraph(g, job.Model, job.Eval)
	if err != nil {
		return nil, err
	}
	return &GraphResult{Source: src, Graph: g, Report: rep, Eval: ev}, nil
}
