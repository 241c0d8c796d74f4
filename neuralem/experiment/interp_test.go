package experiment

import (
	"context"
	"errors"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/neuralem/neuralem/neuralem/geom"
	"github.com/neuralem/neuralem/neuralem/internal/shared"
	"github.com/neuralem/neuralem/neuralem/metainit"
	"github.com/neuralem/neuralem/neuralem/model"
	"github.com/neuralem/neuralem/neuralem/molmap"
	"github.com/neuralem/neuralem/neuralem/neuralmap"
	"github.com/neuralem/neuralem/neuralem/region"
	"github.com/neuralem/neuralem/neuralem/siren"
)

// tinyConfig is a SIREN small enough to train in a second: the tests check
// the pipeline, not how well the paper's network fits.
func tinyConfig() siren.Config {
	return siren.Config{Width: 32, HiddenLayers: 2, Omega0: 6, Init: siren.InitPaper, LearningRate: 1e-3,
		MaxSteps: 300, Patience: 25, LowLoss: 1e-5, HighLoss: 4e-4, Seed: 7}
}

func crambin(t *testing.T, res float64) SimModel {
	return SimModel{Name: "1CRN", Path: shared.Path(t, "models/sim/1CRN.cif"), Resolution: res}
}

// TestInterpPipeline runs the experiment on crambin at 3 Å with an 8 Å crop
// and a tiny network, and checks the invariants of the pipeline.
func TestInterpPipeline(t *testing.T) {
	const res, crop = 3.0, 8.0
	var stages []string
	r, err := RunInterp(context.Background(), InterpOptions{Models: []SimModel{crambin(t, res)}, Crop: crop, Config: tinyConfig()},
		func(p Progress) {
			if p.Fit == nil {
				stages = append(stages, p.Stage)
			}
		})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Rows) != 1 {
		t.Fatalf("%d rows, want 1", len(r.Rows))
	}
	row := r.Rows[0]
	t.Logf("%+v", row)
	if row.InputSpacing != res/3 || row.ControlSpacing != DefaultControlSpacing {
		t.Errorf("spacings %g, %g Å; want %g, %g", row.InputSpacing, row.ControlSpacing, res/3, DefaultControlSpacing)
	}
	// An 8 Å cube at 1 Å voxels: 8 or 9 voxels per axis (9 when a voxel
	// centre lies on both faces). The control keeps the 0.2 Å voxels inside
	// the input's domain: (edge/0.2 + 1) per axis, to rounding.
	for a := 0; a < 3; a++ {
		if n := row.InputShape[a]; n < 8 || n > 9 {
			t.Errorf("input shape %v: axis %d has %d voxels, want 8 or 9", row.InputShape, a, n)
		}
		edge := row.Domain.Max[a] - row.Domain.Min[a]
		if want := int(math.Round(edge/0.2)) + 1; row.ControlShape[a] != want {
			t.Errorf("control shape %v: axis %d has %d voxels, want %d for a %g Å domain", row.ControlShape, a, row.ControlShape[a], want, edge)
		}
	}
	total := row.ControlShape[0] * row.ControlShape[1] * row.ControlShape[2]
	if row.ControlVoxels != total {
		t.Errorf("%d control voxels inside the domain, want all %d", row.ControlVoxels, total)
	}
	if row.NonZero <= 0 || row.NonZero > row.ControlVoxels {
		t.Errorf("non-zero voxels %d of %d", row.NonZero, row.ControlVoxels)
	}
	// The crop centre is an atom of crambin, so the cube is inside the
	// protein: at 3 Å almost every voxel has some density.
	if float64(row.NonZero) < 0.9*float64(row.ControlVoxels) {
		t.Errorf("only %d of %d control voxels non-zero inside a protein crop", row.NonZero, row.ControlVoxels)
	}
	// Errors are on the [0, 1] scale. The control exceeds 1 where the input
	// grid missed a peak (ControlMax01), so the largest error of a classical
	// interpolator (whose values stay within [0, 1] up to a small B-spline
	// overshoot) is bounded by ControlMax01 plus that overshoot. The tiny
	// network is only loosely fitted: its MAE must still be below 1.
	for name, e := range map[string]ErrStats{"neural": row.Neural, "trilinear": row.Trilinear, "bspline": row.BSpline} {
		if !(e.MAE >= 0 && e.MAE <= 1 && e.Max >= e.MAE && e.RMSE >= e.MAE && e.RMSE <= e.Max) {
			t.Errorf("%s errors %+v: want 0 ≤ MAE ≤ RMSE ≤ max, MAE ≤ 1", name, e)
		}
		if name != "neural" && e.Max > row.ControlMax01+0.1 {
			t.Errorf("%s max error %g > control max %g + 0.1", name, e.Max, row.ControlMax01)
		}
	}
	// The molmap is smooth (σ = 0.675 Å at 1 Å voxels): the cubic B-spline
	// must beat piecewise-linear interpolation.
	if !(row.BSpline.MAE <= row.Trilinear.MAE) {
		t.Errorf("B-spline MAE %g > trilinear MAE %g on a smooth molmap", row.BSpline.MAE, row.Trilinear.MAE)
	}
	// Both interpolants integrate to the trapezoid sum of the samples, which
	// for these smooth Gaussians is the integral to high accuracy: flattened
	// peaks and raised valleys cancel, so the mean signed error over the
	// (almost all non-zero) domain is ~0 although the MAE is not.
	for name, e := range map[string]ErrStats{"trilinear": row.Trilinear, "bspline": row.BSpline} {
		if math.Abs(e.Bias) > 0.05*e.MAE {
			t.Errorf("%s bias %g, want |bias| ≤ 5%% of MAE %g", name, e.Bias, e.MAE)
		}
	}
	// Input-scale normalisation: the control's maximum on the input's [0, 1]
	// scale is at least the input's (1), since the input's voxels are control
	// voxels too, and not far above.
	if !(row.ControlMax01 >= 1-1e-6 && row.ControlMax01 < 1.5) {
		t.Errorf("control max %g on the input scale, want in [1, 1.5)", row.ControlMax01)
	}
	if row.Regions != 1 || row.FitSteps <= 0 || row.FitTime <= 0 {
		t.Errorf("fit: %d regions, %d steps, %v", row.Regions, row.FitSteps, row.FitTime)
	}
	for _, s := range []string{"simulate", "fit", "sample"} {
		if !strings.Contains(strings.Join(stages, ","), s) {
			t.Errorf("no %q progress report in %v", s, stages)
		}
	}
	// Peaks: the 0.2 Å control has local maxima in a protein crop, and the
	// cubic B-spline keeps their height better than linear interpolation.
	if row.Peaks == 0 || !(row.BSpline.PeakMAE <= row.Trilinear.PeakMAE) || !(row.Trilinear.PeakBias < 0) {
		t.Errorf("%d peaks; peak MAE B-spline %g, trilinear %g (bias %g)", row.Peaks, row.BSpline.PeakMAE, row.Trilinear.PeakMAE, row.Trilinear.PeakBias)
	}
	if row.Init != InitRandom || !(row.FitMedianLoss <= row.FitWorstLoss) {
		t.Errorf("fit record %+v", row.NeuralFit)
	}
	checkInterpWriters(t, r)
}

// TestInterpOptions: the whole-map-or-largest-crop rule, and the
// initialisations' validation.
func TestInterpOptions(t *testing.T) {
	sm := crambin(t, 3)
	whole, _, err := newInterpSetup(sm, InterpOptions{})
	if err != nil {
		t.Fatal(err)
	}
	n := whole.fIn.Len()
	if _, row, err := newInterpSetup(sm, InterpOptions{MaxInputVoxels: n}); err != nil || row.Crop != 0 || row.InputShape != whole.fIn.Shape {
		t.Errorf("MaxInputVoxels = whole map's %d: crop %g Å, shape %v (%v); want the whole map %v", n, row.Crop, row.InputShape, err, whole.fIn.Shape)
	}
	_, row, err := newInterpSetup(sm, InterpOptions{MaxInputVoxels: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if v := row.InputShape[0] * row.InputShape[1] * row.InputShape[2]; row.Crop != 9*row.InputSpacing || v > 1000 || v < 512 {
		t.Errorf("MaxInputVoxels 1000: crop %g Å, shape %v (%d voxels); want a 9-voxel cube of ≤ 1000 voxels", row.Crop, row.InputShape, v)
	}
	for _, c := range []struct {
		inits []string
		want  string
	}{
		{[]string{InitLearned}, "no learned initialisation"},
		{[]string{"nowhere/missing.nemi"}, "nowhere/missing.nemi"},
		{[]string{"bogus"}, "want learned, random or the path"},
		{[]string{InitRandom, InitRandom}, "repeated"},
		{[]string{" "}, "empty"},
	} {
		_, err := RunInterp(context.Background(), InterpOptions{Models: []SimModel{sm}, Crop: 8, Config: tinyConfig(), Inits: c.inits}, nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Inits %q: error %v, want one saying %q", c.inits, err, c.want)
		}
	}
	if _, err := RunInterp(context.Background(), InterpOptions{Models: []SimModel{sm}, MaxInputVoxels: -1}, nil); err == nil {
		t.Error("MaxInputVoxels −1: no error")
	}
}

// TestInterpSameFrame checks, independently of RunInterp's own check, that
// the input (R/3) and control (0.2 Å) maps share their frame: at R = 3 Å every
// 5th control voxel is an input voxel centre, and the two simulations agree
// there to float32 rounding.
func TestInterpSameFrame(t *testing.T) {
	m, err := model.ReadFile(shared.Path(t, "models/sim/1CRN.cif"))
	if err != nil {
		t.Fatal(err)
	}
	pIn := molmap.Defaults(3)
	pCtl := pIn
	pCtl.Spacing = 0.2
	fIn, err := molmap.BoundingFrame(m.Atoms, pIn)
	if err != nil {
		t.Fatal(err)
	}
	fCtl, err := molmap.BoundingFrame(m.Atoms, pCtl)
	if err != nil {
		t.Fatal(err)
	}
	if fIn.Origin != fCtl.Origin {
		t.Fatalf("origins differ: %v vs %v", fIn.Origin, fCtl.Origin)
	}
	// A 6-voxel cube of the input in the middle and the matching control.
	c := geom.Index{fIn.Shape[0] / 2, fIn.Shape[1] / 2, fIn.Shape[2] / 2}
	sub, err := fIn.SubFrame(c, geom.Index{c[0] + 6, c[1] + 6, c[2] + 6})
	if err != nil {
		t.Fatal(err)
	}
	in, err := molmap.OnFrame(m.Atoms, sub, pIn)
	if err != nil {
		t.Fatal(err)
	}
	csub, err := fCtl.SubFrame(geom.Index{5 * c[0], 5 * c[1], 5 * c[2]}, geom.Index{5*c[0] + 26, 5*c[1] + 26, 5*c[2] + 26})
	if err != nil {
		t.Fatal(err)
	}
	ctl, err := molmap.OnFrame(m.Atoms, csub, pCtl)
	if err != nil {
		t.Fatal(err)
	}
	peak := float64(in.Stats().Max)
	for k := 0; k < 6; k++ {
		for j := 0; j < 6; j++ {
			for i := 0; i < 6; i++ {
				a, b := float64(in.At(i, j, k)), float64(ctl.At(5*i, 5*j, 5*k))
				if p, q := in.PointOf(geom.Index{i, j, k}), ctl.PointOf(geom.Index{5 * i, 5 * j, 5 * k}); p.Dist(q) > 1e-9 {
					t.Fatalf("voxel %v at %v Å, control voxel at %v Å", geom.Index{i, j, k}, p, q)
				}
				if math.Abs(a-b) > 1e-5*peak {
					t.Errorf("voxel %v: input %g, control %g", geom.Index{i, j, k}, a, b)
				}
			}
		}
	}
}

func checkInterpWriters(t *testing.T, r *InterpResults) {
	t.Helper()
	var doc struct {
		Experiment string
		Rows       []map[string]any
		Means      []map[string]any
	}
	w := writeAll(t, r, &doc)
	if recs := w.csv; len(recs) != len(r.Rows)+1 || recs[0][0] != "model" || recs[1][0] != r.Rows[0].Model {
		t.Errorf("CSV %v", recs)
	}
	if doc.Experiment != "interp" || len(doc.Rows) != len(r.Rows) || len(doc.Means) != len(r.Means()) {
		t.Errorf("JSON doc %+v", doc)
	}
	if got := doc.Rows[0]["bspline_mae"]; got != r.Rows[0].BSpline.MAE {
		t.Errorf("JSON bspline_mae %v, want %v", got, r.Rows[0].BSpline.MAE)
	}
	if !strings.Contains(w.markdown, "| model |") || !strings.Contains(w.markdown, "| "+r.Rows[0].Model+" |") {
		t.Errorf("markdown:\n%s", w.markdown)
	}
}

// applyInit resolves each initialisation name and refuses, naming both, a
// learned initialisation that does not fit the network or the tiling.
func TestApplyInit(t *testing.T) {
	cfg := tinyConfig()
	tiling := region.Options{Size: 12, Overlap: 4}
	fo := neuralmap.FitOptions{Config: cfg, Tiling: tiling}
	if err := applyInit(InitRandom, "cpu", &fo); err != nil || fo.Init != nil {
		t.Errorf("random: %v, init %v", err, fo.Init)
	}
	net, err := siren.NewNet(cfg)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "t.nemi")
	o := metainit.DefaultTrainOptions()
	if err := (&metainit.Init{Net: net, Meta: metainit.Meta{Preset: "test", RegionEdge: 12, Method: "reptile", Train: o, Done: o.OuterSteps}}).Save(path); err != nil {
		t.Fatal(err)
	}
	if err := applyInit(path, "", &fo); err != nil || fo.Init == nil || fo.Init.Name != "t.nemi" {
		t.Errorf("a matching file: %v, init %v", err, fo.Init)
	}
	other := neuralmap.FitOptions{Config: cfg, Tiling: region.Options{Size: 16, Overlap: 4}}
	if err := applyInit(path, "", &other); err == nil || !strings.Contains(err.Error(), "learned on 12-voxel regions") || !strings.Contains(err.Error(), "up to 16 voxels") {
		t.Errorf("another region size: %v", err)
	}
	other = neuralmap.FitOptions{Config: cfg, Tiling: tiling}
	other.Config.Width = 16
	if err := applyInit(path, "", &other); err == nil || !strings.Contains(err.Error(), "Width 32") || !strings.Contains(err.Error(), "Width 16") {
		t.Errorf("another network: %v", err)
	}
	if err := applyInit(InitLearned, "paper", &other); !errors.Is(err, metainit.ErrNoLearned) {
		t.Errorf("learned for the paper preset: %v, want ErrNoLearned", err)
	}
}
