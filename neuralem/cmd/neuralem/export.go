package main

import (
	"fmt"
	"io"

	"github.com/neuralem/neuralem/neuralem/neuralmap"
)

func init() {
	register("export", "resample a neural map onto a grid and write MRC", runExport)
}

func runExport(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("export", "MAP.nem -o OUT.mrc [--spacing Å]",
		"Resamples a neural map onto a grid that starts at the input map's first voxel centre\n(the original grid by default, or any voxel size, e.g. --spacing 0.2) and writes MRC2014\nwith the ORIGIN words set, so ChimeraX and Coot open it on top of the input map and model.", stderr)
	out := fs.String("o", "", "output MRC file (required; .gz compresses)")
	spacing := fs.Float64("spacing", 0, "voxel size in Å (0: the input map's own grid)")
	units := fs.String("units", "original", "density scale: 01 (paper's [0,1]), signed ([-1,1]) or original (input map units)")
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
			return err
		}
	}
	if err := m.WriteMRC(*out, frame, u); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s: %v voxels of %.4g Å in %s units\n", *out, frame.Shape, frame.Spacing[0], u)
	return nil
}
