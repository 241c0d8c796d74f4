package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/neuralem/neuralem/neuralem/geom"
	"github.com/neuralem/neuralem/neuralem/grid"
	"github.com/neuralem/neuralem/neuralem/model"
	"github.com/neuralem/neuralem/neuralem/mrc"
)

func init() {
	register("crop", "cut a box out of a map (around a model, residues, or voxel bounds)", runCrop)
}

// parseResidues parses "A:20-30" (chain A, residues 20 to 30) into a selector.
func parseResidues(s string) (model.Selector, error) {
	chain, rng, ok := strings.Cut(s, ":")
	if !ok {
		return nil, fmt.Errorf("--residues %q: want CHAIN:FIRST-LAST, e.g. A:20-30", s)
	}
	var lo, hi int
	if _, err := fmt.Sscanf(strings.Replace(rng, "-", " ", 1), "%d %d", &lo, &hi); err != nil || hi < lo {
		return nil, fmt.Errorf("--residues %q: want CHAIN:FIRST-LAST with FIRST ≤ LAST", s)
	}
	return func(a *model.Atom) bool { return a.Chain == chain && a.ResSeq >= lo && a.ResSeq <= hi }, nil
}

func runCrop(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("crop", "MAP -o OUT.mrc (--model M [--residues A:20-30] | --lo i,j,k --hi i,j,k)",
		"Cuts a box out of a map, keeping the frame exact (the origin moves by whole voxels).\nThe box holds every voxel within --margin Å of the selected atoms' bounding box, or\nthe voxel range [lo, hi] (inclusive). --model-out writes the model's atoms inside the box.", stderr)
	out := fs.String("o", "", "output MRC file (required; .gz compresses)")
	modelPath := fs.String("model", "", "atomic model to crop around")
	residues := fs.String("residues", "", "only these residues of the model, CHAIN:FIRST-LAST")
	margin := fs.Float64("margin", 4, "margin in Å around the selected atoms")
	lo := fs.String("lo", "", "first voxel i,j,k (with --hi, instead of --model)")
	hi := fs.String("hi", "", "last voxel i,j,k (inclusive)")
	modelOut := fs.String("model-out", "", "write the model's atoms inside the cropped box to this PDB file")
	maxEdge := fs.Int("max-edge", 0, "refuse a box with more voxels than this along any axis (0: no limit)")
	res := fs.Float64("resolution", 0, "record this resolution (Å) in the --model-out file's REMARK 2 (0: keep the model's)")
	pos, err := parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("-o OUT.mrc is required")
	}
	g, _, err := mrc.ReadGrid(pos[0])
	if err != nil {
		return err
	}
	var m *model.Model
	if *modelPath != "" {
		if m, err = model.ReadFile(*modelPath); err != nil {
			return err
		}
	}
	var c *grid.Grid
	switch {
	case *lo != "" || *hi != "":
		a, err1 := parseTriple(*lo)
		b, err2 := parseTriple(*hi)
		if err1 != nil || err2 != nil {
			return fmt.Errorf("--lo/--hi: want i,j,k integers (%v %v)", err1, err2)
		}
		l := geom.Index{int(a[0]), int(a[1]), int(a[2])}
		h := geom.Index{int(b[0]) + 1, int(b[1]) + 1, int(b[2]) + 1}
		if c, err = grid.Crop(g, l, h); err != nil {
			return err
		}
	case m != nil:
		sel := m.HeavyAtoms()
		if *residues != "" {
			s, err := parseResidues(*residues)
			if err != nil {
				return err
			}
			sel = sel.Select(s)
		}
		if len(sel.Atoms) == 0 {
			return fmt.Errorf("%s: no heavy atoms selected (--residues %q)", *modelPath, *residues)
		}
		if c, _, err = grid.CropAround(g, sel.Positions(), *margin); err != nil {
			return err
		}
	default:
		return fmt.Errorf("give --model (optionally with --residues) or --lo and --hi")
	}
	for a := 0; a < 3; a++ {
		if *maxEdge > 0 && c.Shape[a] > *maxEdge {
			return fmt.Errorf("cropped box %v exceeds --max-edge %d along axis %c", c.Shape, *maxEdge, "XYZ"[a])
		}
	}
	label := fmt.Sprintf("neuralem crop of %s", pos[0])
	if len(label) > 80 {
		label = label[:80]
	}
	if err := mrc.Write(*out, c, mrc.WriteOptions{Labels: []string{label}}); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s: %v voxels, origin (%.3f, %.3f, %.3f) Å\n", *out, c.Shape, c.Origin[0], c.Origin[1], c.Origin[2])
	if *modelOut != "" {
		if m == nil {
			return fmt.Errorf("--model-out needs --model")
		}
		box := c.Box()
		inside := m.Select(func(a *model.Atom) bool { return box.Contains(a.Pos) })
		if *res > 0 {
			inside.Resolution = *res
		}
		if err := model.WritePDBFile(*modelOut, inside); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s: %d of %d atoms inside the box\n", *modelOut, len(inside.Atoms), len(m.Atoms))
	}
	return nil
}
