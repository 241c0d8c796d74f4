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
	// LevelFrom says, in words, where Norm, Mu and Sigma (so the seed level
	// μ + kσ) come from: the map's own, or a crop's parent map's.
	LevelFrom string
}

// Neural returns the source of a neural map: its networks blended on the
// [0, 1] scale, with the statistics and resolution it was fitted with. The
// map must be complete (every region fitted).
func Neural(nm *neuralmap.NeuralMap) (*Source, error) {
	if !nm.Complete() {
		return nil, fmt.Errorf("pipeline: neural map is incomplete (%s); finish the fit or merge the shards", nm.FitSummary())
	}
	from := "the neural map's (fitted on the map itself)"
	if nm.NormSource != "" {
		from = "the neural map's: " + nm.NormSource
	}
	return &Source{Kind: "neural", Field: nm, Norm: nm.Norm, Mu: nm.Mu, Sigma: nm.Sigma,
		Voxel: nm.Frame.Spacing, Resolution: nm.Resolution, Map: nm, LevelFrom: from}, nil
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
		Voxel: g.Spacing, Resolution: resolution, LevelFrom: "this map's own"}, nil
}

// Open opens a neural map (.nem) as Neural does, or a density map
// (MRC/CCP4, maybe gzipped) as Interpolated does with method m and an
// unknown resolution. The file's content, not its name, decides (FileKind).
// A crop made by `neuralem crop` is normalised with its parent map's
// recorded normalisation (LevelAuto; see OpenWith).
func Open(path string, m grid.Method) (*Source, error) {
	return OpenWith(path, OpenOptions{Method: m})
}

// LevelFrom chooses where a map's normalisation, μ and σ (so the seed
// level μ + kσ) come from; its values are those of the CLI's --level-from.
type LevelFrom string

const (
	// LevelAuto: the parent map's when the file records it (a crop made by
	// `neuralem crop`, or a neural map fitted from one), else the map's own.
	LevelAuto LevelFrom = ""
	// LevelCrop: the parent map's; an error if the file records none.
	LevelCrop LevelFrom = "crop"
	// LevelSelf: the map's own, even for a crop.
	LevelSelf LevelFrom = "self"
)

// OpenOptions configure OpenWith.
type OpenOptions struct {
	// Method interpolates a density map (a neural map ignores it).
	Method grid.Method
	// Level says where the normalisation comes from (LevelAuto, LevelCrop
	// or LevelSelf).
	Level LevelFrom
}

// OpenWith is Open with options. A crop's parent-map record (MRC labels
// written by `neuralem crop`) is used unless o.Level is LevelSelf; a neural
// map was normalised when it was fitted, so o.Level only checks that it
// was fitted the way asked. Source.LevelFrom says which normalisation was
// used.
func OpenWith(path string, o OpenOptions) (*Source, error) {
	if o.Level != LevelAuto && o.Level != LevelCrop && o.Level != LevelSelf {
		return nil, fmt.Errorf("pipeline: --level-from %s: want crop or self", o.Level)
	}
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
		switch {
		case o.Level == LevelCrop && nm.NormSource == "":
			return nil, fmt.Errorf("--level-from crop: %s was fitted with its own normalisation; refit it from a crop made by 'neuralem crop'", path)
		case o.Level == LevelSelf && nm.NormSource != "":
			return nil, fmt.Errorf("--level-from self: %s was fitted with another map's normalisation (%s); refit with 'fit --level-from self'", path, nm.NormSource)
		}
		src, err := Neural(nm)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return src, nil
	case KindMap:
		g, h, err := mrc.ReadGrid(path)
		if err != nil {
			return nil, err
		}
		pn, from, err := ParentNormalization(path, h, o.Level)
		if err != nil {
			return nil, err
		}
		var src *Source
		if pn == nil {
			src, err = Interpolated(g, o.Method, 0)
		} else {
			if st := g.Stats(); st.Max > pn.Hi+1e-6*(pn.Hi-pn.Lo) {
				return nil, fmt.Errorf("%s: the map's maximum %g is above its recorded parent map's Hi = %g: the record does not belong to this map (use --level-from self)", path, st.Max, pn.Hi)
			}
			src, err = InterpolatedWith(g, *pn, o.Method, 0)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		src.LevelFrom = from
		return src, nil
	}
	return nil, fmt.Errorf("%s: is a %s, want a neural map (.nem) or a density map (MRC/CCP4)", path, kind)
}

// ParentNormalization returns the normalisation map path (header h) is
// normalised with under level: the parent map's recorded in a crop's labels
// (nil with LevelSelf, or when there is no record under LevelAuto), and a
// sentence saying which.
func ParentNormalization(path string, h *mrc.Header, level LevelFrom) (*grid.Normalization, string, error) {
	n, ok, err := mrc.ParentNormalization(h)
	if err != nil {
		return nil, "", err
	}
	switch {
	case level == LevelSelf:
		if ok {
			return nil, fmt.Sprintf("this map's own (--level-from self; %s also records its parent map's)", path), nil
		}
		return nil, "this map's own", nil
	case ok:
		return &n, fmt.Sprintf("the parent map's, recorded by 'neuralem crop' in %s's labels (--level-from self for the crop's own)", path), nil
	case level == LevelCrop:
		return nil, "", fmt.Errorf("--level-from crop: %s holds no parent-map record (labels %q); it was not made by 'neuralem crop'", path, h.Labels())
	}
	return nil, "this map's own", nil
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
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return "", fmt.Errorf("%s is a directory, want a map, a model or a neural map file", path)
	}
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
