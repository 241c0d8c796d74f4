package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/neuralem/neuralem/neuralem/grid"
	"github.com/neuralem/neuralem/neuralem/mrc"
	"github.com/neuralem/neuralem/neuralem/neuralmap"
)

// fileKind sniffs what a file is: "nem" (neural map), "nemi" (SIREN
// initialisation), "map" (MRC/CCP4, maybe gzipped) or "model" (PDB/mmCIF). It reads the magic bytes, not the name.
func fileKind(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	head := make([]byte, 16)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	switch {
	case bytes.HasPrefix(head, []byte("NEURALEM-INIT")):
		return "nemi", nil
	case bytes.HasPrefix(head, []byte("NEURALEM")):
		return "nem", nil
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		// gzip: maps and models both come gzipped; decide by the name.
		name := strings.TrimSuffix(strings.ToLower(path), ".gz")
		for _, ext := range []string{".pdb", ".ent", ".cif", ".mmcif"} {
			if strings.HasSuffix(name, ext) {
				return "model", nil
			}
		}
		return "map", nil
	}
	name := strings.ToLower(path)
	for _, ext := range []string{".mrc", ".map", ".ccp4", ".mrcs"} {
		if strings.HasSuffix(name, ext) {
			return "map", nil
		}
	}
	for _, ext := range []string{".pdb", ".ent", ".cif", ".mmcif"} {
		if strings.HasSuffix(name, ext) {
			return "model", nil
		}
	}
	if n >= 16 {
		// An MRC header has small positive integers in words 1-4.
		return "map", nil
	}
	return "", fmt.Errorf("%s: cannot tell whether this is a map, a model or a neural map", path)
}

// loadedField is a field to sample plus what the density graph needs to know.
type loadedField struct {
	Field      grid.Field
	Kind       string // "neural" or the interpolation method
	Mu, Sigma  float64
	Voxel      [3]float64
	Resolution float64
	Norm       grid.Normalization
	Map        *neuralmap.NeuralMap // nil for a classical interpolator
}

// loadField opens a neural map (.nem) or a density map (MRC/CCP4) as a field on
// the paper's [0, 1] scale: a neural map samples its networks; a density map
// is normalised with the same two-step normalisation and interpolated with
// method (trilinear or bspline), so thresholds mean the same on both.
func loadField(path, method string) (*loadedField, error) {
	kind, err := fileKind(path)
	if err != nil {
		return nil, err
	}
	switch kind {
	case "nem":
		m, err := neuralmap.Load(path)
		if err != nil {
			return nil, err
		}
		if !m.Complete() {
			return nil, fmt.Errorf("%s: neural map is incomplete (%s); finish the fit or merge the shards", path, m.FitSummary())
		}
		return &loadedField{Field: m, Kind: "neural", Mu: m.Mu, Sigma: m.Sigma, Voxel: m.Frame.Spacing, Resolution: m.Resolution, Norm: m.Norm, Map: m}, nil
	case "map":
		g, _, err := mrc.ReadGrid(path)
		if err != nil {
			return nil, err
		}
		return classicalField(g, method)
	}
	return nil, fmt.Errorf("%s: is a %s, want a neural map (.nem) or a density map (MRC/CCP4)", path, kind)
}

// classicalField normalises g to [0, 1] (the paper's scale) and interpolates it.
func classicalField(g *grid.Grid, method string) (*loadedField, error) {
	m, err := grid.ParseMethod(method)
	if err != nil {
		return nil, err
	}
	norm, err := grid.FitNormalization(g)
	if err != nil {
		return nil, err
	}
	ip, err := grid.NewInterpolator(norm.Apply01(g), m)
	if err != nil {
		return nil, err
	}
	return &loadedField{Field: ip, Kind: m.String(), Mu: norm.Mean01, Sigma: norm.Std01, Voxel: g.Spacing, Norm: norm}, nil
}
