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
	series := InterpSeries(ir)
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
	pts := CAPoints(gr)
	if len(pts) != 1 || pts[0].Coverage != 95 || pts[0].NodeFraction != 60 {
		t.Errorf("Cα points %+v, want the whole-model row in %%", pts)
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
