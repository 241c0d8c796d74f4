package main

import (
	"fmt"
	"io"
	"path/filepath"
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
		"Cuts a box out of a map, keeping the frame exact (the origin moves by whole voxels).\nThe box holds every voxel within --margin Å of the selected atoms' bounding box, or\nthe voxel range [lo, hi] (inclusive). --model-out writes the model's atoms inside the box.\nThe output's MRC labels record the parent map's normalisation (the crop of a crop keeps\nthe original's), so 'fit' and 'graph' on the crop use the whole map's density level\n(μ+3σ of a crop is not the map's) unless --level-from self.", stderr)
	out := fs.String("o", "", "output MRC file (required; .gz compresses)")
	modelPath := fs.String("model", "", "atomic model to crop around (or, with --lo/--hi, only the atoms for --model-out)")
	residues := fs.String("residues", "", "only these residues of the model, CHAIN:FIRST-LAST")
	margin := fs.Float64("margin", 4, "margin in Å around the selected atoms (≥ 0)")
	lo := fs.String("lo", "", "first voxel i,j,k (with --hi, instead of a box around --model)")
	hi := fs.String("hi", "", "last voxel i,j,k (inclusive)")
	modelOut := fs.String("model-out", "", "write the model's atoms inside the cropped box to this PDB file")
	maxEdge := fs.Int("max-edge", 0, "refuse a box with more voxels than this along any axis (0: no limit)")
	res := fs.Float64("resolution", 0, "record this resolution (Å, > 0) in the --model-out file's REMARK 2 (default: keep the model's)")
	force := fs.Bool("force", false, "overwrite outputs even if they hold something else than this command writes")
	var set map[string]bool
	onParsed(fs, func(s map[string]bool) error {
		set = s
		byVoxels := *lo != "" || *hi != ""
		return firstErr(
			check(!(*lo != "" && *hi == ""), "lo", *lo, "it with --hi (the last voxel, inclusive)"),
			check(!(*hi != "" && *lo == ""), "hi", *hi, "it with --lo (the first voxel)"),
			check(!byVoxels || *modelPath == "" || *modelOut != "", "model", *modelPath,
				"either a box around --model or --lo/--hi, not both (with --lo/--hi, --model only gives the atoms for --model-out)"),
			check(!byVoxels || *residues == "", "residues", *residues, "it without --lo/--hi (it selects the atoms the box is cut around)"),
			check(!byVoxels || !set["margin"], "margin", *margin, "it without --lo/--hi (it grows the box around the atoms)"),
			check(*residues == "" || *modelPath != "", "residues", *residues, "it with --model"),
			check(finite(*margin) && *margin >= 0, "margin", *margin, "a margin ≥ 0 Å"),
			check(*maxEdge >= 0, "max-edge", *maxEdge, "≥ 0 (0: no limit)"),
			check(!set["resolution"] || (finite(*res) && *res > 0), "resolution", *res, "a resolution > 0 Å (leave it out to keep the model's)"),
			check(!set["resolution"] || *modelOut != "", "resolution", *res, "it with --model-out (it is written in that file's REMARK 2)"),
			check(*modelOut == "" || *modelPath != "", "model-out", *modelOut, "it with --model (the atoms to write)"),
		)
	})
	pos, err := parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("-o OUT.mrc is required")
	}
	if err := checkOutput("-o", *out, kindMRC, *force, pos[0], *modelPath, *modelOut); err != nil {
		return err
	}
	if *modelOut != "" {
		if err := checkOutput("--model-out", *modelOut, kindModel, *force, pos[0], *modelPath, *out); err != nil {
			return err
		}
		if filepath.Clean(*modelOut) == filepath.Clean(*out) {
			return fmt.Errorf("--model-out %s is also -o: give two files", *modelOut)
		}
	}
	var l, h geom.Index
	if *lo != "" {
		if l, err = parseIndex("lo", *lo); err != nil {
			return err
		}
		if h, err = parseIndex("hi", *hi); err != nil {
			return err
		}
	}
	g, hdr, err := mrc.ReadGrid(pos[0])
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
	case *lo != "":
		if c, err = grid.Crop(g, l, geom.Index{h[0] + 1, h[1] + 1, h[2] + 1}); err != nil {
			return fmt.Errorf("--lo %s --hi %s: %w", *lo, *hi, err)
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
	label := fmt.Sprintf("neuralem crop of %s", filepath.Base(pos[0]))
	if len(label) > 80 {
		label = label[:80]
	}
	labels := []string{label}
	// The parent's normalisation: the one its own labels record (a crop of
	// a crop), else fitted on it.
	parent, ok, err := mrc.ParentNormalization(hdr)
	if err != nil {
		return err
	}
	recorded := ""
	if !ok {
		if parent, err = grid.FitNormalization(g); err != nil {
			fmt.Fprintf(stderr, "note: %s cannot be normalised (%v); the crop records no parent normalisation\n", pos[0], err)
		} else {
			ok, recorded = true, "its own"
		}
	} else {
		recorded = "the one its labels record (it is itself a crop)"
	}
	if ok {
		labels = append(labels, mrc.ParentLabels(parent)...)
	}
	var inside *model.Model
	if *modelOut != "" {
		box := c.Box()
		inside = m.Select(func(a *model.Atom) bool { return box.Contains(a.Pos) })
		if set["resolution"] {
			inside.Resolution = *res
		}
	}
	if err := mrc.Write(*out, c, mrc.WriteOptions{Labels: labels}); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s: %v voxels, origin (%.3f, %.3f, %.3f) Å\n", *out, c.Shape, c.Origin[0], c.Origin[1], c.Origin[2])
	if ok {
		fmt.Fprintf(stdout, "  labels record the parent map's normalisation (%s): μ %.4g, σ %.4g on [0,1], level μ+3σ = %.4g\n",
			recorded, parent.Mean01, parent.Std01, parent.Threshold01(3))
	}
	if inside != nil {
		if err := model.WritePDBFile(*modelOut, inside); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s: %d of %d atoms inside the box\n", *modelOut, len(inside.Atoms), len(m.Atoms))
	}
	return nil
}
