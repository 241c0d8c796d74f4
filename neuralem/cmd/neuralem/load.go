package main

import (
	"fmt"

	"github.com/neuralem/neuralem/neuralem/grid"
	"github.com/neuralem/neuralem/neuralem/pipeline"
)

// fileKind sniffs what a file is: "nem" (neural map), "map" (MRC/CCP4, maybe
// gzipped) or "model" (PDB/mmCIF); see pipeline.FileKind.
func fileKind(path string) (string, error) { return pipeline.FileKind(path) }

// loadField opens a neural map (.nem) or a density map (MRC/CCP4) as a
// density source on the paper's [0, 1] scale; a density map is interpolated
// with method (the --interp flag: trilinear or bspline). See pipeline.Open.
func loadField(path, method string) (*pipeline.Source, error) {
	m, err := grid.ParseMethod(method)
	if err != nil {
		return nil, fmt.Errorf("--interp: %w", err)
	}
	return pipeline.Open(path, m)
}
