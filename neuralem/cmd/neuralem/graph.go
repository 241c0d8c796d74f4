package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/neuralem/neuralem/neuralem/densgraph"
	"github.com/neuralem/neuralem/neuralem/internal/atomicfile"
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
	chains                  *string
	prune                   *string
	k, maxSteps             *int

	set     map[string]bool // flags given, after parsing
	scoring bool            // --chains is also eval's (demo)
}

func addGraphFlags(fs *flag.FlagSet) *graphFlags {
	gf := &graphFlags{
		sigmaK:      fs.Float64("sigma", densgraph.DefaultSigmaK, "seed threshold μ + k·σ of the normalised map (paper: 3)"),
		absThr:      fs.Float64("threshold", 0, "absolute seed threshold on the [0,1] scale, in [0, 1) (instead of --sigma)"),
		contour:     fs.Float64("contour", 0, "seed threshold in the input map's units, > 0, e.g. the author-recommended contour (instead of --sigma)"),
		seedSpacing: fs.Float64("seed-spacing", 0, "seed grid spacing in Å, > 0 (default 0.5, or the voxel size if smaller)"),
		eps:         fs.Float64("eps", densgraph.DefaultEps, "DBSCAN eps in Å (paper: 0.2)"),
		cutoff:      fs.Float64("cutoff", 0, "edge cutoff in Å, > 0 (default 2 × resolution)"),
		resolution:  fs.Float64("resolution", 0, "map resolution in Å, > 0 (default: the neural map's)"),
		maskModel:   fs.String("mask-model", "", "keep only seeds within --mask-margin Å of this model's atoms"),
		maskMargin:  fs.Float64("mask-margin", 3, "margin in Å for --mask-model"),
		chains:      chainsFlag(fs, "with --mask-model: keep only seeds near these chains (e.g. A,B); the density near the other chains is left out and reported"),
		prune:       fs.String("prune", "none", "edge pruning beyond the paper: none, mst or knn"),
		k:           fs.Int("k", 4, "neighbours for --prune knn (≥ 1)"),
		maxSteps:    fs.Int("max-walk-steps", densgraph.DefaultMaxSteps, "step cap per seed in the gradient walk (≥ 1)"),
	}
	onParsed(fs, func(set map[string]bool) error {
		// Where eval's flags share --chains (demo), it also selects the
		// chains scored, so it does not need --mask-model.
		gf.scoring = fs.Lookup("ca-radius") != nil
		return gf.validate(set)
	})
	return gf
}

// validate checks every graph flag that can be checked without the map.
func (gf *graphFlags) validate(set map[string]bool) error {
	gf.set = set
	positive := func(name string, v float64, what string) error {
		return check(!set[name] || (finite(v) && v > 0), name, v, what)
	}
	return firstErr(
		check(finite(*gf.sigmaK) && *gf.sigmaK != 0, "sigma", *gf.sigmaK, "a finite, non-zero number of standard deviations (for the level μ itself use --threshold)"),
		check(!(set["threshold"] && set["contour"]), "threshold", *gf.absThr, "either --threshold or --contour, not both"),
		check(!(set["sigma"] && (set["threshold"] || set["contour"])), "sigma", *gf.sigmaK, "either --sigma or an absolute --threshold/--contour, not both"),
		check(!set["threshold"] || (finite(*gf.absThr) && *gf.absThr >= 0 && *gf.absThr < 1), "threshold", *gf.absThr, "a level in [0, 1) on the normalised [0,1] scale"),
		check(!set["contour"] || (finite(*gf.contour) && *gf.contour > 0), "contour", *gf.contour, "a density > 0 in the map's units (densities ≤ 0 are clipped to 0 by the paper's normalisation, so such a contour keeps every voxel)"),
		positive("seed-spacing", *gf.seedSpacing, "a spacing > 0 Å"),
		check(finite(*gf.eps) && *gf.eps > 0, "eps", *gf.eps, "a distance > 0 Å"),
		positive("cutoff", *gf.cutoff, "a distance > 0 Å (leave it out for 2 × resolution)"),
		positive("resolution", *gf.resolution, "a resolution > 0 Å"),
		check(finite(*gf.maskMargin) && *gf.maskMargin > 0, "mask-margin", *gf.maskMargin, "a margin > 0 Å"),
		check(!set["mask-margin"] || *gf.maskModel != "", "mask-margin", *gf.maskMargin, "it with --mask-model"),
		check(*gf.chains == "" || *gf.maskModel != "" || gf.scoring, "chains", *gf.chains, "it with --mask-model (the chains of that model to keep)"),
		check(*gf.prune == "none" || *gf.prune == "mst" || *gf.prune == "knn", "prune", *gf.prune, "none, mst or knn"),
		check(*gf.k >= 1, "k", *gf.k, "≥ 1"),
		check(!set["k"] || *gf.prune == "knn", "k", *gf.k, "it with --prune knn"),
		check(*gf.maxSteps >= 1, "max-walk-steps", *gf.maxSteps, "≥ 1"),
	)
}

// parseChains splits a --chains list.
func parseChains(s string) []string {
	var out []string
	for _, c := range strings.Split(s, ",") {
		if c = strings.TrimSpace(c); c != "" {
			out = append(out, c)
		}
	}
	return out
}

// settings turns the flags into graph settings (the paper's where a flag
// keeps its default).
func (gf *graphFlags) settings() (pipeline.GraphSettings, error) {
	s := pipeline.GraphSettings{SigmaK: *gf.sigmaK, SeedSpacing: *gf.seedSpacing, MaxSteps: *gf.maxSteps,
		Eps: *gf.eps, Cutoff: *gf.cutoff, Resolution: *gf.resolution}
	switch {
	case gf.set["threshold"]:
		s.Level = gf.absThr
	case gf.set["contour"]:
		s.Contour = gf.contour
	}
	if *gf.maskModel != "" {
		m, err := model.ReadFile(*gf.maskModel)
		if err != nil {
			return s, err
		}
		if s.Mask, err = pipeline.ModelMask(m, *gf.maskMargin, parseChains(*gf.chains)); err != nil {
			return s, fmt.Errorf("--chains %s: %w", *gf.chains, err)
		}
	}
	switch *gf.prune {
	case "mst":
		s.Prune = densgraph.PruneMST
	case "knn":
		s.Prune, s.K = densgraph.PruneKNN, *gf.k
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

// graphFormats are the formats graph writes, in order, with their file
// suffixes; csv writes two files.
var graphFormats = []struct{ name, suffix string }{
	{"cif", ".cif"}, {"pdb", ".pdb"}, {"json", ".json"}, {"graphml", ".graphml"}, {"csv", "_nodes.csv"},
}

// parseFormats checks a --formats list (before any work is done).
func parseFormats(s string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, f := range strings.Split(s, ",") {
		f = strings.ToLower(strings.TrimSpace(f))
		if f == "mmcif" {
			f = "cif"
		}
		if f == "" {
			continue
		}
		ok := false
		for _, g := range graphFormats {
			ok = ok || g.name == f
		}
		if !ok {
			return nil, fmt.Errorf("--formats %q: unknown format %q (want cif, pdb, json, graphml, csv)", s, f)
		}
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("--formats %q names no format (want some of cif, pdb, json, graphml, csv)", s)
	}
	return out, nil
}

// graphPaths returns the files graph writes for prefix and formats.
func graphPaths(prefix string, formats []string) []string {
	var paths []string
	for _, f := range formats {
		for _, g := range graphFormats {
			if g.name == f {
				paths = append(paths, prefix+g.suffix)
				if f == "csv" {
					paths = append(paths, densgraph.EdgesCSVPath(prefix+g.suffix))
				}
			}
		}
	}
	return paths
}

// checkPrefix refuses an output prefix that names a directory (it would
// write hidden files ".cif", ".pdb" in it) or whose files would overwrite an
// input or a file graph does not write.
func checkPrefix(prefix string, formats []string, force bool, inputs ...string) error {
	if prefix == "" {
		return fmt.Errorf("-o PREFIX is required")
	}
	base := filepath.Base(prefix)
	if strings.HasSuffix(prefix, "/") || base == "." || base == ".." {
		return fmt.Errorf("-o %s: a prefix names files (e.g. %s), not a directory", prefix, filepath.Join(prefix, "graph"))
	}
	if st, err := os.Stat(prefix); err == nil && st.IsDir() {
		return fmt.Errorf("-o %s is a directory: a prefix names files (e.g. %s)", prefix, filepath.Join(prefix, "graph"))
	}
	for _, p := range graphPaths(prefix, formats) {
		if err := checkOutput("-o", p, kindGraph, force, inputs...); err != nil {
			return err
		}
	}
	return nil
}

func runGraph(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("graph", "MAP -o PREFIX",
		"Builds a density graph (paper §2.4): seeds on a 0.5 Å grid above μ+3σ, each walked\nuphill in 0.05 Å steps along its gradient to a peak (Algorithm 1), peaks clustered\nwith DBSCAN (eps 0.2 Å), nodes at cluster centroids, edges between nodes closer than\n2 × resolution. MAP is a neural map (.nem) or a density map (MRC/CCP4) interpolated\nwith --interp, normalised the same way, so graphs compare honestly. A crop made by\n'neuralem crop' uses its parent map's normalisation and level by default (--level-from).\nWrites PREFIX.cif, PREFIX.pdb, PREFIX.json, PREFIX.graphml and, for csv, two tables:\nPREFIX_nodes.csv and PREFIX_nodes_edges.csv. All files are written, or none is.", stderr)
	out := fs.String("o", "", "output prefix (required): writes PREFIX.cif, .pdb, .json, .graphml, _nodes.csv and _nodes_edges.csv")
	formatsFlag := fs.String("formats", "cif,pdb,json,graphml,csv", "output formats (csv writes PREFIX_nodes.csv and PREFIX_nodes_edges.csv)")
	interp := fs.String("interp", "bspline", "interpolator for a density map: trilinear or bspline (refused for a neural map)")
	gf := addGraphFlags(fs)
	levelFrom := addLevelFlag(fs)
	force := fs.Bool("force", false, "overwrite output files even if they hold something other than a density graph")
	asJSON := fs.Bool("json", false, "write the report as JSON to stdout")
	pos, err := parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	formats, err := parseFormats(*formatsFlag)
	if err != nil {
		return err
	}
	if err := checkPrefix(*out, formats, *force, pos[0], *gf.maskModel); err != nil {
		return err
	}
	src, err := loadField(pos[0], *interp, setFlags(fs)["interp"], *levelFrom)
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
	files, err := writeGraphFormats(g, *out, formats)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(stdout, map[string]any{"field": src.Kind, "level_from": src.LevelFrom, "report": graphSummary(rep), "files": files})
	}
	printGraphReport(stdout, src.Kind, rep)
	fmt.Fprintf(stdout, "  normalisation and level: %s\n", src.LevelFrom)
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

// writeGraph writes g under prefix in the formats listed (comma-separated).
func writeGraph(g *densgraph.Graph, prefix, formats string) ([]string, error) {
	fl, err := parseFormats(formats)
	if err != nil {
		return nil, err
	}
	return writeGraphFormats(g, prefix, fl)
}

// writeGraphFormats writes every format's file all or none
// (atomicfile.Group): each is written to a synced temporary first, and only
// when all succeeded are they renamed into place.
func writeGraphFormats(g *densgraph.Graph, prefix string, formats []string) ([]string, error) {
	writers := map[string]func(io.Writer, *densgraph.Graph) error{
		"cif": densgraph.WriteMMCIF, "pdb": densgraph.WritePDB, "json": densgraph.WriteJSON, "graphml": densgraph.WriteGraphML,
	}
	var grp atomicfile.Group
	for _, f := range formats {
		paths := graphPaths(prefix, []string{f})
		if f == "csv" {
			var edges bytes.Buffer
			if err := grp.Stage(paths[0], func(w io.Writer) error { return densgraph.WriteCSV(w, &edges, g) }); err != nil {
				return nil, err
			}
			if err := grp.Stage(paths[1], func(w io.Writer) error { _, err := w.Write(edges.Bytes()); return err }); err != nil {
				return nil, err
			}
			continue
		}
		if err := grp.Stage(paths[0], func(w io.Writer) error { return writers[f](w, g) }); err != nil {
			return nil, err
		}
	}
	files := grp.Paths()
	if err := grp.Commit(); err != nil {
		return nil, err
	}
	return files, nil
}

func graphSummary(r *densgraph.Report) map[string]any {
	return map[string]any{
		"seeds_made": r.Seeds.Made, "seeds_kept": r.Seeds.Kept, "seeds_excluded": r.Seeds.Excluded, "seed_spacing_A": r.Seeds.Spacing,
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
	if r.Seeds.Excluded > 0 {
		fmt.Fprintf(w, "  excluded density: %d seed points above the level lie near the other chains only (--chains) and were left out\n", r.Seeds.Excluded)
	}
	fmt.Fprintf(w, "  walk: %d peaks, %d dropped (left the map), %d capped, %d steps, %.0f seeds/s\n", r.Walk.Peaks, r.Walk.Dropped, r.Walk.Capped, r.Walk.Steps, float64(r.Seeds.Kept)/r.Times.Walk.Seconds())
	fmt.Fprintf(w, "  %d nodes (DBSCAN eps %.2g Å), %d edges under %.3g Å; %v total\n", r.Nodes, r.Eps, r.Edges, r.Cutoff, total.Round(time.Millisecond))
}
