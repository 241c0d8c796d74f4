package main

import (
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/neuralem/neuralem/neuralem/densgraph"
	"github.com/neuralem/neuralem/neuralem/internal/progress"
	"github.com/neuralem/neuralem/neuralem/model"
	"github.com/neuralem/neuralem/neuralem/pipeline"
)

func init() {
	register("graph", "build a density graph from a neural map or a classical interpolator", runGraph)
}

// graphFlags are the density-graph flags shared by graph, demo and experiment graph.
type graphFlags struct {
	sigmaK, absThr, contour *float64
	seedSpacing, eps        *float64
	cutoff, resolution      *float64
	maskModel               *string
	maskMargin              *float64
	prune                   *string
	k, maxSteps             *int
}

func addGraphFlags(fs interface {
	String(string, string, string) *string
	Int(string, int, string) *int
	Float64(string, float64, string) *float64
}) *graphFlags {
	return &graphFlags{
		sigmaK:      fs.Float64("sigma", densgraph.DefaultSigmaK, "seed threshold μ + k·σ of the normalised map (paper: 3)"),
		absThr:      fs.Float64("threshold", -1, "absolute seed threshold on the [0,1] scale (overrides --sigma)"),
		contour:     fs.Float64("contour", -1, "seed threshold in the input map's units, e.g. the author-recommended contour (overrides --sigma)"),
		seedSpacing: fs.Float64("seed-spacing", 0, "seed grid spacing in Å (default 0.5, or the voxel size if smaller)"),
		eps:         fs.Float64("eps", densgraph.DefaultEps, "DBSCAN eps in Å (paper: 0.2)"),
		cutoff:      fs.Float64("cutoff", 0, "edge cutoff in Å (default 2 × resolution)"),
		resolution:  fs.Float64("resolution", 0, "map resolution in Å (default: the neural map's)"),
		maskModel:   fs.String("mask-model", "", "keep only seeds within --mask-margin Å of this model's atoms"),
		maskMargin:  fs.Float64("mask-margin", 3, "margin in Å for --mask-model"),
		prune:       fs.String("prune", "none", "edge pruning beyond the paper: none, mst or knn"),
		k:           fs.Int("k", 4, "neighbours for --prune knn"),
		maxSteps:    fs.Int("max-walk-steps", densgraph.DefaultMaxSteps, "step cap per seed in the gradient walk"),
	}
}

// settings turns the flags into graph settings (the paper's where a flag
// keeps its default).
func (gf *graphFlags) settings() (pipeline.GraphSettings, error) {
	s := pipeline.GraphSettings{SigmaK: *gf.sigmaK, SeedSpacing: *gf.seedSpacing, MaxSteps: *gf.maxSteps,
		Eps: *gf.eps, Cutoff: *gf.cutoff, Resolution: *gf.resolution}
	switch {
	case *gf.absThr >= 0:
		s.Level = gf.absThr
	case *gf.contour >= 0:
		s.Contour = gf.contour
	}
	if *gf.maskModel != "" {
		m, err := model.ReadFile(*gf.maskModel)
		if err != nil {
			return s, err
		}
		s.Mask = &densgraph.Mask{Atoms: m.HeavyAtoms().Positions(), Margin: *gf.maskMargin}
	}
	if *gf.cutoff < 0 || math.IsNaN(*gf.cutoff) {
		return s, fmt.Errorf("--cutoff %g: want a distance > 0 Å (0 = 2 × resolution)", *gf.cutoff)
	}
	if !(*gf.eps > 0) {
		return s, fmt.Errorf("--eps %g: want a distance > 0 Å", *gf.eps)
	}
	switch *gf.prune {
	case "none":
	case "mst":
		s.Prune = densgraph.PruneMST
	case "knn":
		s.Prune, s.K = densgraph.PruneKNN, *gf.k
	default:
		return s, fmt.Errorf("--prune %q: want none, mst or knn", *gf.prune)
	}
	return s, nil
}

// checkResolution fails, naming the flags, when src's edges would need a
// resolution nobody gave.
func checkResolution(s pipeline.GraphSettings, src *pipeline.Source) error {
	if s.Cutoff == 0 && s.Resolution == 0 && src.Resolution == 0 {
		return fmt.Errorf("resolution unknown: pass --resolution (edges join nodes closer than 2 × resolution) or --cutoff")
	}
	return nil
}

func runGraph(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("graph", "MAP -o PREFIX",
		"Builds a density graph (paper §2.4): seeds on a 0.5 Å grid above μ+3σ, each walked\nuphill in 0.05 Å steps along its gradient to a peak (Algorithm 1), peaks clustered\nwith DBSCAN (eps 0.2 Å), nodes at cluster centroids, edges between nodes closer than\n2 × resolution. MAP is a neural map (.nem) or a density map (MRC/CCP4) interpolated\nwith --interp, normalised the same way, so graphs compare honestly.", stderr)
	out := fs.String("o", "", "output prefix (required): writes PREFIX.cif, .pdb, .json, .graphml, _nodes.csv")
	formats := fs.String("formats", "cif,pdb,json,graphml,csv", "output formats")
	interp := fs.String("interp", "bspline", "interpolator for a density map: trilinear or bspline")
	gf := addGraphFlags(fs)
	asJSON := fs.Bool("json", false, "write the report as JSON to stdout")
	pos, err := parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("-o PREFIX is required")
	}
	src, err := loadField(pos[0], *interp)
	if err != nil {
		return err
	}
	settings, err := gf.settings()
	if err != nil {
		return err
	}
	if err := checkResolution(settings, src); err != nil {
		return err
	}
	opts, err := settings.Options(src)
	if err != nil {
		return err
	}
	wb := newWalkBar(stderr, *asJSON)
	opts.Walk.Progress = func(step, live, done, dropped int) { wb.update(src.Kind, step, live, done, dropped) }
	g, rep, err := src.Graph(opts)
	wb.end()
	if err != nil {
		return err
	}
	files, err := writeGraph(g, *out, *formats)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(stdout, map[string]any{"field": src.Kind, "report": graphSummary(rep), "files": files})
	}
	printGraphReport(stdout, src.Kind, rep)
	fmt.Fprintf(stdout, "wrote %s\n", strings.Join(files, ", "))
	return nil
}

// walkBar draws one progress bar per walked field on stderr.
type walkBar struct {
	stderr     io.Writer
	quiet      bool
	bar        *progress.Bar
	kind       string
	step, done int
	dropped    int
}

func newWalkBar(stderr io.Writer, quiet bool) *walkBar { return &walkBar{stderr: stderr, quiet: quiet} }

// update reports a walk step of the field kind (a new kind ends the
// previous field's bar).
func (w *walkBar) update(kind string, step, live, done, dropped int) {
	if w.bar == nil || kind != w.kind {
		w.end()
		w.bar = progress.New(w.stderr, "walk "+kind, 0)
		w.bar.Silent = w.quiet
		w.kind = kind
	}
	w.step, w.done, w.dropped = step, done, dropped
	w.bar.Update(step, fmt.Sprintf("live %d, at peak %d, dropped %d", live, done, dropped))
}

// end ends the current bar, if any.
func (w *walkBar) end() {
	if w.bar != nil {
		w.bar.Done(w.step, fmt.Sprintf("%d peaks, %d dropped", w.done, w.dropped))
		w.bar = nil
	}
}

func writeGraph(g *densgraph.Graph, prefix, formats string) ([]string, error) {
	var files []string
	for _, f := range strings.Split(formats, ",") {
		var path string
		switch strings.TrimSpace(f) {
		case "":
			continue
		case "cif", "mmcif":
			path = prefix + ".cif"
		case "pdb":
			path = prefix + ".pdb"
		case "json":
			path = prefix + ".json"
		case "graphml":
			path = prefix + ".graphml"
		case "csv":
			path = prefix + "_nodes.csv"
		default:
			return files, fmt.Errorf("--formats: unknown format %q (want cif, pdb, json, graphml, csv)", f)
		}
		if err := densgraph.WriteFile(path, g); err != nil {
			return files, err
		}
		files = append(files, path)
		if strings.TrimSpace(f) == "csv" {
			files = append(files, densgraph.EdgesCSVPath(path))
		}
	}
	return files, nil
}

func graphSummary(r *densgraph.Report) map[string]any {
	return map[string]any{
		"seeds_made": r.Seeds.Made, "seeds_kept": r.Seeds.Kept, "seed_spacing_A": r.Seeds.Spacing,
		"threshold": r.Seeds.Threshold, "threshold_level": r.Seeds.Level,
		"peaks": r.Walk.Peaks, "dropped": r.Walk.Dropped, "capped": r.Walk.Capped, "walk_steps": r.Walk.Steps,
		"samples": r.Walk.Samples, "nodes": r.Nodes, "edges": r.Edges, "edges_before_pruning": r.EdgesAll,
		"eps_A": r.Eps, "cutoff_A": r.Cutoff,
		"seconds": map[string]float64{"seed": r.Times.Seed.Seconds(), "walk": r.Times.Walk.Seconds(), "cluster": r.Times.Cluster.Seconds(), "edges": r.Times.Edges.Seconds()},
	}
}

func printGraphReport(w io.Writer, kind string, r *densgraph.Report) {
	total := r.Times.Seed + r.Times.Walk + r.Times.Cluster + r.Times.Edges
	fmt.Fprintf(w, "graph on the %s field: %d seeds kept of %d (%s, level %.4g, spacing %.3g Å)\n", kind, r.Seeds.Kept, r.Seeds.Made, r.Seeds.Threshold, r.Seeds.Level, r.Seeds.Spacing)
	fmt.Fprintf(w, "  walk: %d peaks, %d dropped (left the map), %d capped, %d steps, %.0f seeds/s\n", r.Walk.Peaks, r.Walk.Dropped, r.Walk.Capped, r.Walk.Steps, float64(r.Seeds.Kept)/r.Times.Walk.Seconds())
	fmt.Fprintf(w, "  %d nodes (DBSCAN eps %.2g Å), %d edges under %.3g Å; %v total\n", r.Nodes, r.Eps, r.Edges, r.Cutoff, total.Round(time.Millisecond))
}
