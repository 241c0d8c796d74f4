package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/neuralem/neuralem/neuralem/densgraph"
	"github.com/neuralem/neuralem/neuralem/eval"
	"github.com/neuralem/neuralem/neuralem/model"
)

func init() {
	register("eval", "compare a density graph with an atomic model", runEval)
}

// atomSelector builds the atom selection scored by the all-atom metrics.
func atomSelector(hydrogens, waters, proteinOnly bool) model.Selector {
	var ss []model.Selector
	if !hydrogens {
		ss = append(ss, model.Heavy)
	}
	if !waters {
		ss = append(ss, model.Not(model.Water))
	}
	if proteinOnly {
		ss = append(ss, model.Protein)
	}
	if len(ss) == 0 {
		return model.All
	}
	return model.And(ss...)
}

type evalFlags struct {
	radius, caRadius           *float64
	hydrogens, waters, protein *bool
	greedy                     *bool
	chains                     *string
}

func addEvalFlags(fs *flag.FlagSet) *evalFlags {
	e := &evalFlags{
		radius:    fs.Float64("radius", eval.DefaultRadius, "all-atom matching radius in Å (paper Table 1: 1)"),
		caRadius:  fs.Float64("ca-radius", eval.DefaultCARadius, "C-alpha radius in Å (paper Fig. 6: 3)"),
		hydrogens: fs.Bool("hydrogens", false, "score hydrogen atoms too (cryo-EM maps rarely resolve them)"),
		waters:    fs.Bool("waters", true, "score water oxygens"),
		protein:   fs.Bool("protein-only", false, "score protein atoms only"),
		greedy:    fs.Bool("greedy", false, "greedy matching by distance instead of the optimal one-to-one matching"),
		chains:    chainsFlag(fs, "score only these chains (e.g. A,B); nodes near the other chains only are left out of specificity and reported"),
	}
	onParsed(fs, func(set map[string]bool) error {
		return firstErr(
			check(finite(*e.radius) && *e.radius > 0, "radius", *e.radius, "a radius > 0 Å"),
			check(finite(*e.caRadius) && *e.caRadius > 0, "ca-radius", *e.caRadius, "a radius > 0 Å"),
			check(!set["chains"] || len(parseChains(*e.chains)) > 0, "chains", fmt.Sprintf("%q", *e.chains), "chain IDs, e.g. A,B"),
		)
	})
	return e
}

func (e *evalFlags) options() eval.Options {
	o := eval.Options{Radius: *e.radius, CARadius: *e.caRadius, Atoms: atomSelector(*e.hydrogens, *e.waters, *e.protein), Chains: parseChains(*e.chains)}
	if *e.greedy {
		o.Method = eval.Greedy
	}
	return o
}

func runEval(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("eval", "GRAPH MODEL",
		"Scores a density graph (any format 'graph' writes) against an atomic model with the\npaper's metrics (§3.2, Table 1, Fig. 6): one-to-one node–atom matching within 1 Å\n(sensitivity, specificity, RMSD) and C-alpha coverage within 3 Å. Hydrogens are not\nscored unless --hydrogens (maps do not resolve them; the paper's models are heavy-atom).", stderr)
	ef := addEvalFlags(fs)
	asJSON := fs.Bool("json", false, "write the metrics as JSON to stdout")
	pos, err := parse(fs, args, 2, 2)
	if err != nil {
		return err
	}
	gk, mk := sniff(pos[0]), sniff(pos[1])
	switch {
	case gk == kindModel && mk == kindGraph:
		return fmt.Errorf("the arguments are swapped: %s is an atomic model and %s a density graph; give the graph first: neuralem eval %s %s", pos[0], pos[1], pos[1], pos[0])
	case mk == kindGraph:
		return fmt.Errorf("MODEL %s is a density graph written by 'neuralem graph', not an atomic model", pos[1])
	case gk == kindModel:
		return fmt.Errorf("GRAPH %s is an atomic model, not a density graph written by 'neuralem graph'", pos[0])
	case gk == kindDir || mk == kindDir:
		return fmt.Errorf("%s is a directory, want a file", map[bool]string{true: pos[0], false: pos[1]}[gk == kindDir])
	}
	g, err := densgraph.ReadFile(pos[0])
	if err != nil {
		return err
	}
	m, err := model.ReadFile(pos[1])
	if err != nil {
		return err
	}
	r, err := eval.EvaluateGraph(g, m, ef.options())
	var fe *eval.FrameError
	if errors.As(err, &fe) {
		return fmt.Errorf("graph %s against model %s: %w", pos[0], pos[1], err)
	}
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(stdout, evalSummary(r))
	}
	printEval(stdout, r)
	return nil
}

func nanToNil(v float64) any {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return v
}

func evalSummary(r *eval.Result) map[string]any {
	return map[string]any{
		"nodes": r.Nodes, "atoms": r.Atoms, "radius_A": r.Radius, "matched": r.Matched,
		"chains": r.Chains, "excluded_nodes": r.ExcludedNodes,
		"sensitivity": nanToNil(r.Sensitivity), "specificity": nanToNil(r.Specificity), "rmsd_A": nanToNil(r.RMSD),
		"ca": map[string]any{
			"radius_A": r.CA.Radius, "calphas": r.CA.CAs, "coverage": nanToNil(r.CA.Coverage),
			"node_fraction": nanToNil(r.CA.NodeFraction), "closest_rmsd_A": nanToNil(r.CA.ClosestRMSD),
			"exclusive_sensitivity": nanToNil(r.CA.ExclusiveSensitivity), "exclusive_specificity": nanToNil(r.CA.ExclusiveSpecificity),
			"exclusive_rmsd_A": nanToNil(r.CA.ExclusiveRMSD),
		},
	}
}

func pct(v float64) string {
	if math.IsNaN(v) {
		return "n/a"
	}
	return fmt.Sprintf("%.1f%%", 100*v)
}

func printEval(w io.Writer, r *eval.Result) {
	if len(r.Chains) > 0 {
		fmt.Fprintf(w, "chains %s scored; %d nodes near the other chains only were left out (their density is not counted against specificity)\n", strings.Join(r.Chains, ","), r.ExcludedNodes)
	}
	fmt.Fprintf(w, "all atoms within %.2g Å (one-to-one): sensitivity %s (%d/%d atoms), specificity %s (%d nodes), RMSD %.3f Å\n",
		r.Radius, pct(r.Sensitivity), r.Matched, r.Atoms, pct(r.Specificity), r.Nodes, r.RMSD)
	fmt.Fprintf(w, "C-alpha within %.2g Å: coverage %s (%d/%d), nodes near a Cα %s, closest-node RMSD %.3f Å; one-to-one: %s / %s, RMSD %.3f Å\n",
		r.CA.Radius, pct(r.CA.Coverage), r.CA.Covered, r.CA.CAs, pct(r.CA.NodeFraction), r.CA.ClosestRMSD,
		pct(r.CA.ExclusiveSensitivity), pct(r.CA.ExclusiveSpecificity), r.CA.ExclusiveRMSD)
}
