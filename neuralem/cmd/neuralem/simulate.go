package main

import (
	"fmt"
	"io"

	"github.com/neuralem/neuralem/neuralem/model"
	"github.com/neuralem/neuralem/neuralem/molmap"
	"github.com/neuralem/neuralem/neuralem/mrc"
)

func init() {
	register("simulate", "simulate a map from an atomic model (ChimeraX molmap semantics)", runSimulate)
}

func runSimulate(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("simulate", "MODEL -o OUT.mrc --resolution Å",
		"Simulates a density map from an atomic model as ChimeraX molmap does: a Gaussian of\nσ = resolution/(π√2) per atom weighted by atomic number, cut off at 5σ, on a grid of\nspacing resolution/3 (or --spacing) padded by 3×resolution. The origin is the atoms'\nminimum minus the padding at any spacing, so maps at different spacings share a frame.", stderr)
	out := fs.String("o", "", "output MRC file (required)")
	res := fs.Float64("resolution", 0, "resolution in Å, > 0 (default: the model file's REMARK 2 / mmCIF resolution)")
	spacing := fs.Float64("spacing", 0, "voxel size in Å, > 0 (default resolution/3)")
	hyd := fs.Bool("hydrogens", false, "include hydrogen atoms (ChimeraX molmap semantics here exclude them by default)")
	force := fs.Bool("force", false, "overwrite -o even if it holds something other than an MRC map")
	asJSON := fs.Bool("json", false, "write a JSON summary to stdout")
	var set map[string]bool
	onParsed(fs, func(s map[string]bool) error {
		set = s
		return check(!set["spacing"] || (finite(*spacing) && *spacing > 0), "spacing", *spacing, "a voxel size > 0 Å (leave it out for resolution/3)")
	})
	pos, err := parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("-o OUT.mrc is required")
	}
	if err := checkOutput("-o", *out, kindMRC, *force, pos[0]); err != nil {
		return err
	}
	m, err := model.ReadFile(pos[0])
	if err != nil {
		return err
	}
	fileRes := "the file gives none"
	if m.Resolution > 0 {
		fileRes = fmt.Sprintf("the file gives %.3g Å", m.Resolution)
	}
	r := *res
	switch {
	case set["resolution"] && !(finite(r) && r > 0):
		return fmt.Errorf("--resolution %g: want a resolution > 0 Å (leave it out to use the model file's; %s)", r, fileRes)
	case !set["resolution"]:
		r = m.Resolution
		if r <= 0 {
			return fmt.Errorf("%s: resolution unknown (%s): pass --resolution", pos[0], fileRes)
		}
	}
	p := molmap.Defaults(r)
	if set["spacing"] {
		p.Spacing = *spacing
	}
	p.IncludeHydrogens = *hyd
	g, err := molmap.FromModel(m, p)
	if err != nil {
		return err
	}
	if err := mrc.Write(*out, g, mrc.WriteOptions{Labels: []string{fmt.Sprintf("neuralem simulate %.3g A from %s", r, pos[0])}}); err != nil {
		return err
	}
	sum := map[string]any{"output": *out, "shape": g.Shape, "spacing_A": g.Spacing, "origin_A": g.Origin, "resolution_A": r, "sigma_A": p.Sigma()}
	if *asJSON {
		return writeJSON(stdout, sum)
	}
	fmt.Fprintf(stdout, "wrote %s: %v voxels of %.4g Å, origin (%.3f, %.3f, %.3f) Å, resolution %.3g Å (σ %.3f Å)\n", *out, g.Shape, g.Spacing[0], g.Origin[0], g.Origin[1], g.Origin[2], r, p.Sigma())
	return nil
}
