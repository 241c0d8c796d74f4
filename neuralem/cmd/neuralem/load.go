package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/neuralem/neuralem/neuralem/grid"
	"github.com/neuralem/neuralem/neuralem/mrc"
	"github.com/neuralem/neuralem/neuralem/neuralmap"
)

// fileKind sniffs what a file is: "nem" (neural map), "map" (MRC/CCP4, maybe
// gzipped) or "model" (PDB/mmCIF). It reads the magic bytes, not the name.
func fileKind(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return "", fmt.Errorf("%s is a directory, want a map, a model or a neural map file", path)
	}
	head := make([]byte, 16)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	switch {
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
	// LevelFrom says where the normalisation, μ and σ (so the seed level
	// μ + kσ) come from, for the report: this map or the parent of a crop.
	LevelFrom string
}

// Values of --level-from.
const (
	levelAuto = ""     // the parent's when recorded, else the map's own
	levelCrop = "crop" // the parent map's, recorded by 'neuralem crop'
	levelSelf = "self" // the map's own
)

// addLevelFlag adds --level-from to fs.
func addLevelFlag(fs *flag.FlagSet) *string {
	lf := fs.String("level-from", levelAuto, "normalisation and seed level μ+kσ: crop (the parent map's, which 'neuralem crop' records in its output's labels) or self (this map's own); default: crop when the map holds the record, else self")
	onParsed(fs, func(set map[string]bool) error {
		return check(*lf == levelAuto || *lf == levelCrop || *lf == levelSelf, "level-from", *lf, "crop or self")
	})
	return lf
}

// parentNorm returns the normalisation a map should be normalised with
// under --level-from: the parent map's recorded in a crop's labels (nil
// with self, or when there is no record and levelFrom is auto), and a
// sentence saying which.
func parentNorm(path string, h *mrc.Header, levelFrom string) (*grid.Normalization, string, error) {
	n, ok, err := mrc.ParentNormalization(h)
	if err != nil {
		return nil, "", err
	}
	switch {
	case levelFrom == levelSelf:
		if ok {
			return nil, fmt.Sprintf("this map's own (--level-from self; %s also records its parent map's)", path), nil
		}
		return nil, "this map's own", nil
	case ok:
		return &n, fmt.Sprintf("the parent map's, recorded by 'neuralem crop' in %s's labels (--level-from self for the crop's own)", path), nil
	case levelFrom == levelCrop:
		return nil, "", fmt.Errorf("--level-from crop: %s holds no parent-map record (labels %q); it was not made by 'neuralem crop'", path, h.Labels())
	}
	return nil, "this map's own", nil
}

// loadField opens a neural map (.nem) or a density map (MRC/CCP4) as a field on
// the paper's [0, 1] scale: a neural map samples its networks; a density map
// is normalised with the same two-step normalisation and interpolated with
// method (trilinear or bspline), so thresholds mean the same on both.
// interpSet says whether --interp was given (it is refused for a neural
// map); levelFrom is --level-from.
func loadField(path, method string, interpSet bool, levelFrom string) (*loadedField, error) {
	kind, err := fileKind(path)
	if err != nil {
		return nil, err
	}
	switch kind {
	case "nem":
		if interpSet {
			return nil, fmt.Errorf("--interp %s: %s is a neural map, sampled through its own networks; --interp applies to a density map (MRC/CCP4)", method, path)
		}
		m, err := neuralmap.Load(path)
		if err != nil {
			return nil, err
		}
		if !m.Complete() {
			return nil, fmt.Errorf("%s: neural map is incomplete (%s); finish the fit or merge the shards", path, m.FitSummary())
		}
		from := "the neural map's (fitted on the map itself)"
		if m.NormSource != "" {
			from = "the neural map's: " + m.NormSource
		}
		switch {
		case levelFrom == levelCrop && m.NormSource == "":
			return nil, fmt.Errorf("--level-from crop: %s was fitted with its own normalisation; refit it from a crop made by 'neuralem crop'", path)
		case levelFrom == levelSelf && m.NormSource != "":
			return nil, fmt.Errorf("--level-from self: %s was fitted with another map's normalisation (%s); refit with 'fit --level-from self'", path, m.NormSource)
		}
		return &loadedField{Field: m, Kind: "neural", Mu: m.Mu, Sigma: m.Sigma, Voxel: m.Frame.Spacing, Resolution: m.Resolution, Norm: m.Norm, Map: m, LevelFrom: from}, nil
	case "map":
		g, h, err := mrc.ReadGrid(path)
		if err != nil {
			return nil, err
		}
		pn, from, err := parentNorm(path, h, levelFrom)
		if err != nil {
			return nil, err
		}
		lf, err := classicalFieldNorm(g, method, pn)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		lf.LevelFrom = from
		return lf, nil
	}
	return nil, fmt.Errorf("%s: is a %s, want a neural map (.nem) or a density map (MRC/CCP4)", path, kind)
}

// classicalField normalises g to [0, 1] (the paper's scale) and interpolates it.
func classicalField(g *grid.Grid, method string) (*loadedField, error) {
	return classicalFieldNorm(g, method, nil)
}

// classicalFieldNorm is classicalField with a given normalisation (nil:
// fitted on g), e.g. a crop's parent map's.
func classicalFieldNorm(g *grid.Grid, method string, given *grid.Normalization) (*loadedField, error) {
	m, err := grid.ParseMethod(method)
	if err != nil {
		return nil, fmt.Errorf("--interp: %w", err)
	}
	var norm grid.Normalization
	if given != nil {
		norm = *given
		if st := g.Stats(); st.Max > norm.Hi+1e-6*(norm.Hi-norm.Lo) {
			return nil, fmt.Errorf("the map's maximum %g is above its recorded parent map's Hi = %g: the record does not belong to this map (use --level-from self)", st.Max, norm.Hi)
		}
	} else if norm, err = grid.FitNormalization(g); err != nil {
		return nil, err
	}
	ip, err := grid.NewInterpolator(norm.Apply01(g), m)
	if err != nil {
		return nil, err
	}
	return &loadedField{Field: ip, Kind: m.String(), Mu: norm.Mean01, Sigma: norm.Std01, Voxel: g.Spacing, Norm: norm, LevelFrom: "this map's own"}, nil
}
