package nb

import (
	"math"
	"strings"
	"testing"

	"github.com/neuralem/neuralem/neuralem/experiment"
)

func TestExperimentAdapters(t *testing.T) {
	ir := &experiment.InterpResults{Rows: []experiment.InterpRow{
		{Model: "a", Resolution: 1.5, Neural: experiment.ErrStats{MAE: 0.01}, Trilinear: experiment.ErrStats{MAE: 0.02},
			BSpline: experiment.ErrStats{MAE: 0.005}, NeuralFit: experiment.NeuralFit{Init: "random"}},
		{Model: "a", Resolution: 1.5, Neural: experiment.ErrStats{MAE: 0.008}, Trilinear: experiment.ErrStats{MAE: 0.02},
			BSpline: experiment.ErrStats{MAE: 0.005}, NeuralFit: experiment.NeuralFit{Init: "learned"}},
		{Model: "b", Resolution: 3, Neural: experiment.ErrStats{MAE: math.NaN()}, Trilinear: experiment.ErrStats{MAE: 0.04},
			BSpline: experiment.ErrStats{MAE: 0.01}, NeuralFit: experiment.NeuralFit{Init: "random"}},
	}}
	it, err := ir.Table()
	if err != nil {
		t.Fatal(err)
	}
	series := InterpSeries(it)
	got := map[string]int{}
	for _, s := range series {
		got[s.Name] = len(s.Error)
	}
	// One trilinear and one B-spline point per model (not per initialisation); NaN neural MAEs left out.
	if got["trilinear"] != 2 || got["cubic B-spline"] != 2 || got["neural, random init"] != 1 || got["neural, learned init"] != 1 {
		t.Errorf("series %v", got)
	}
	gr := &experiment.GraphResults{Rows: []experiment.GraphRow{
		{Pair: "p", Field: "neural", Chain: "all", Resolution: 2, CARMSD: 0.5, CACoverage: 0.95, CANodeFraction: 0.6},
		{Pair: "p", Field: "neural", Chain: "A", Resolution: 2, CARMSD: 0.4, CACoverage: 0.9, CANodeFraction: 0.7},
	}}
	gt, err := gr.Table()
	if err != nil {
		t.Fatal(err)
	}
	pts := CAPoints(gt)
	if len(pts) != 1 || pts[0].Coverage != 95 || pts[0].NodeFraction != 60 {
		t.Errorf("Cα points %+v, want the whole-model row in %%", pts)
	}
	nr := &experiment.NoiseResults{Options: experiment.NoiseOptions{SNRs: []float64{1, math.Inf(1)},
		Kinds: []experiment.NoiseKind{experiment.NoiseWhite, experiment.NoiseBand}}, Rows: []experiment.NoiseRow{
		{Model: "a", Kind: experiment.NoiseWhite, SNR: 1, Method: "bspline", Err: experiment.ErrStats{MAE: 0.4}},
		{Model: "b", Kind: experiment.NoiseWhite, SNR: 1, Method: "bspline", Err: experiment.ErrStats{MAE: 0.2}},
		{Model: "a", Kind: experiment.NoiseBand, SNR: 1, Method: "bspline", Err: experiment.ErrStats{MAE: 0.5}},
		{Model: "a", Kind: experiment.NoiseNone, SNR: math.Inf(1), Method: "bspline", Err: experiment.ErrStats{MAE: 0.01}},
	}}
	nt, err := nr.Table()
	if err != nil {
		t.Fatal(err)
	}
	ns := NoiseSeries(nt, experiment.NoiseWhite)
	// The mean over the models at peak/σ 1, then the noise-free point.
	if len(ns) != 1 || ns[0].Name != "bspline" || len(ns[0].SNR) != 2 || ns[0].SNR[0] != 1 || !math.IsInf(ns[0].SNR[1], 1) ||
		math.Abs(ns[0].Error[0]-0.3) > 1e-12 || ns[0].Error[1] != 0.01 {
		t.Errorf("white-noise series %+v", ns)
	}
	md := VerdictMarkdown([]experiment.VerdictRow{{Claim: "c", Paper: "p", Ours: "o", Holds: "yes"}})
	if !strings.Contains(md, "| c | p | o | yes |") {
		t.Errorf("verdict markdown %q", md)
	}
	for _, full := range []bool{false, true} {
		s := Experiments(full)
		if s.Interp.Config.MaxTime != 0 || s.Interp.Tiling.Size != 16 || len(s.Interp.Inits) == 0 {
			t.Errorf("full=%v: interp config %+v, tiling %+v, inits %v", full, s.Interp.Config, s.Interp.Tiling, s.Interp.Inits)
		}
	}
}
