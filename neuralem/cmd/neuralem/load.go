package main

import (
	"flag"
	"fmt"

	"github.com/neuralem/neuralem/neuralem/grid"
	"github.com/neuralem/neuralem/neuralem/pipeline"
)

// fileKind sniffs what a file is: "nem" (neural map), "map" (MRC/CCP4, maybe
// gzipped) or "model" (PDB/mmCIF); see pipeline.FileKind.
func fileKind(path string) (string, error) { return pipeline.FileKind(path) }

// addLevelFlag adds --level-from to fs (pipeline.LevelFrom's values).
func addLevelFlag(fs *flag.FlagSet) *string {
	lf := fs.String("level-from", string(pipeline.LevelAuto), "normalisation and seed level μ+kσ: crop (the parent map's, which 'neuralem crop' records in its output's labels) or self (this map's own); default: crop when the map holds the record, else self")
	onParsed(fs, func(set map[string]bool) error {
		v := pipeline.LevelFrom(*lf)
		return check(v == pipeline.LevelAuto || v == pipeline.LevelCrop || v == pipeline.LevelSelf, "level-from", *lf, "crop or self")
	})
	return lf
}

// loadField opens a neural map (.nem) or a density map (MRC/CCP4) as a
// density source on the paper's [0, 1] scale (pipeline.OpenWith); a density
// map is interpolated with method (the --interp flag: trilinear or
// bspline). interpSet says whether --interp was given: it is refused for a
// neural map, which is sampled through its own networks. levelFrom is
// --level-from.
func loadField(path, method string, interpSet bool, levelFrom string) (*pipeline.Source, error) {
	m, err := grid.ParseMethod(method)
	if err != nil {
		return nil, fmt.Errorf("--interp: %w", err)
	}
	if interpSet {
		if kind, err := fileKind(path); err == nil && kind == pipeline.KindNeuralMap {
			return nil, fmt.Errorf("--interp %s: %s is a neural map, sampled through its own networks; --interp applies to a density map (MRC/CCP4)", method, path)
		}
	}
	return pipeline.OpenWith(path, pipeline.OpenOptions{Method: m, Level: pipeline.LevelFrom(levelFrom)})
}
