package main

import (
	"fmt"
	"io"

	"github.com/neuralem/neuralem/neuralem/grid"
	"github.com/neuralem/neuralem/neuralem/neuralmap"
)

func init() {
	register("export", "resample a neural map onto a grid and write MRC", runExport)
}

func runExport(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("export", "MAP.nem -o OUT.mrc [--spacing Å]",
		"Resamples a neural map onto a grid that starts at the input map's first voxel centre\n(the original grid by default, or any voxel size, e.g. --spacing 0.2) and writes MRC2014\nwith the ORIGIN words set, so ChimeraX and Coot open it on top of the input map and model.\nA grid is at most "+fmt.Sprint(int64(grid.MaxVoxels))+" voxels (8.6 GB as float32).\n\n--units original maps the field back to the input map's units, but cannot restore what\nthe paper's normalisation clipped: every density ≤ 0 of the input was set to 0 before\nfitting, so negative densities come back as 0 (the output's MRC label says so).", stderr)
	out := fs.String("o", "", "output MRC file (required; .gz compresses)")
	spacing := fs.Float64("spacing", 0, "voxel size in Å, > 0 (default: the input map's own grid)")
	units := fs.String("units", "original", "density scale: 01 (paper's [0,1]), signed ([-1,1]) or original (input map units; densities ≤ 0 come back as 0)")
	force := fs.Bool("force", false, "overwrite -o even if it holds something other than an MRC map")
	onParsed(fs, func(set map[string]bool) error {
		return check(!set["spacing"] || (finite(*spacing) && *spacing > 0), "spacing", *spacing, "a voxel size > 0 Å (leave it out for the input map's grid)")
	})
	pos, err := parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("-o OUT.mrc is required")
	}
	u, err := parseUnits(*units)
	if err != nil {
		return err
	}
	if err := checkOutput("-o", *out, kindMRC, *force, pos[0]); err != nil {
		return err
	}
	m, err := neuralmap.Load(pos[0])
	if err != nil {
		return err
	}
	if !m.Complete() {
		return fmt.Errorf("%s: incomplete neural map (%s)", pos[0], m.FitSummary())
	}
	frame := m.Frame
	if *spacing != 0 {
		if frame, err = m.FrameAt(*spacing); err != nil {
			return fmt.Errorf("--spacing %g: %w", *spacing, err)
		}
	}
	if err := m.WriteMRC(*out, frame, u); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s: %s of %.4g Å in %s units\n", *out, grid.SizeString(frame.Shape), frame.Spacing[0], u)
	if u == neuralmap.UnitsOriginal && m.Norm.Clamped > 0 {
		fmt.Fprintf(stdout, "  note: the input's %d voxels ≤ 0 were clipped to 0 by the normalisation; the export cannot restore negative densities\n", m.Norm.Clamped)
	}
	return nil
}
