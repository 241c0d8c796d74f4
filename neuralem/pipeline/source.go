package pipeline

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/neuralem/neuralem/neuralem/densgraph"
	"github.com/neuralem/neuralem/neuralem/geom"
	"github.com/neuralem/neuralem/neuralem/grid"
	"github.com/neuralem/neuralem/neuralem/mrc"
	"github.com/neuralem/neuralem/neuralem/neuralmap"
)

// Source is a density field with what density graphs need to know about it.
type Source struct {
	// Kind names the field: "neural", "bspline" or "trilinear".
	Kind string
	// Field gives the density on the paper's [0, 1] scale and its gradient
	// per Å.
	Field grid.Field
	// Norm maps the input map's units to [0, 1] (the paper's two-step
	// normalisation); Mu and Sigma are the mean and standard deviation of
	// the normalised map on [0, 1] (the seed threshold is Mu + 3·Sigma).
	Norm      grid.Normalization
	Mu, Sigma float64
	// Voxel is the input map's voxel size in Å.
	Voxel geom.Vec3
	// Resolution is the map's resolution in Å, 0 if unknown.
	Resolution float64
	// Map is the neural map behind Field, nil for a classical interpolator.
	Map *neuralmap.NeuralMap
}

// Neural returns the source of a neural map: its networks blended on the
// [0, 1] scale, with the statistics and resolution it was fitted with. The
// map must be complete (every region fitted).
func Neural(nm *neuralmap.NeuralMap) (*Source, error) {
	if !nm.Complete() {
		return nil, fmt.Errorf("pipeline: neural map is incomplete (%s); finish the fit or merge the shards", nm.FitSummary())
	}
	return &Source{Kind: "neural", Field: nm, Norm: nm.Norm, Mu: nm.Mu, Sigma: nm.Sigma,
		Voxel: nm.Frame.Spacing, Resolution: nm.Resolution, Map: nm}, nil
}

// Interpolated returns the classical source of map g: g normalised to
// [0, 1] with the normalisation fitted on g (as a neural map of g is) and
// interpolated with method m. resolution is in Å (0: unknown).
func Interpolated(g *grid.Grid, m grid.Method, resolution float64) (*Source, error) {
	norm, err := grid.FitNormalization(g)
	if err != nil {
		return nil, fmt.Errorf("pipeline: %w", err)
	}
	return InterpolatedWith(g, norm, m, resolution)
}

// InterpolatedWith is Interpolated with a given normalisation, e.g. a whole
// map's applied to a crop of it, so that thresholds stay those of the map.
func InterpolatedWith(g *grid.Grid, norm grid.Normalization, m grid.Method, resolution float64) (*Source, error) {
	if !(resolution >= 0) {
		return nil, fmt.Errorf("pipeline: resolution %g Å, want ≥ 0 (0: unknown)", resolution)
	}
	ip, err := grid.NewInterpolator(norm.Apply01(g), m)
	if err != nil {
		return nil, fmt.Errorf("pipeline: %w", err)
	}
	return &Source{Kind: m.String(), Field: ip, Norm: norm, Mu: norm.Mean01, Sigma: norm.Std01,
		Voxel: g.Spacing, Resolution: resolution}, nil
}

// Open opens a neural map (.nem) as Neural does, or a density map
// (MRC/CCP4, maybe gzipped) as Interpolated does with method m and an
// unknown resolution. The file's content, not its name, decides (FileKind).
func Open(path string, m grid.Method) (*Source, error) {
	kind, err := FileKind(path)
	if err != nil {
		return nil, err
	}
	switch kind {
	case KindNeuralMap:
		nm, err := neuralmap.Load(path)
		if err != nil {
			return nil, err
		}
		src, err := Neural(nm)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return src, nil
	case KindMap:
		g, _, err := mrc.ReadGrid(path)
		if err != nil {
			return nil, err
		}
		src, err := Interpolated(g, m, 0)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return src, nil
	}
	return nil, fmt.Errorf("%s: is a %s, want a neural map (.nem) or a density map (MRC/CCP4)", path, kind)
}

// Kinds of file FileKind tells apart.
const (
	KindNeuralMap = "nem"
	KindMap       = "map"
	KindModel     = "model"
)

// FileKind tells what a file is: KindNeuralMap, KindMap (MRC/CCP4, maybe
// gzipped) or KindModel (PDB/mmCIF). It reads the magic bytes; the name
// decides only between gzipped maps and models and for files without a
// magic number.
func FileKind(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	head := make([]byte, 16)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	models := []string{".pdb", ".ent", ".cif", ".mmcif"}
	switch {
	case bytes.HasPrefix(head, []byte("NEURALEM")):
		return KindNeuralMap, nil
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		// gzip: maps and models both come gzipped; decide by the name.
		if hasSuffix(strings.TrimSuffix(strings.ToLower(path), ".gz"), models) {
			return KindModel, nil
		}
		return KindMap, nil
	}
	name := strings.ToLower(path)
	switch {
	case hasSuffix(name, []string{".mrc", ".map", ".ccp4", ".mrcs"}):
		return KindMap, nil
	case hasSuffix(name, models):
		return KindModel, nil
	case n >= 16:
		// An MRC header has small positive integers in words 1-4.
		return KindMap, nil
	}
	return "", fmt.Errorf("%s: cannot tell whether this is a map, a model or a neural map", path)
}

func hasSuffix(s string, suffixes []string) bool {
	for _, x := range suffixes {
		if strings.HasSuffix(s, x) {
			return true
		}
	}
	return false
}

// Threshold returns the seed threshold μ + k·σ of the normalised map (the
// paper's is k = 3).
func (s *Source) Threshold(k float64) densgraph.Threshold { return densgraph.Sigma(s.Mu, s.Sigma, k) }

// Contour returns the seed threshold at a density v in the input map's
// units (e.g. the author-recommended contour level), mapped to [0, 1].
func (s *Source) Contour(v float64) densgraph.Threshold { return densgraph.Absolute(s.Norm.To01(v)) }

// Graph builds the density graph of the source with opts (PaperOptions
// for the paper's settings).
func (s *Source) Graph(opts densgraph.Options) (*densgraph.Graph, *densgraph.Report, error) {
	return densgraph.Build(s.Field, opts)
}
