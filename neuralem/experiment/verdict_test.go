package experiment

import (
	"bytes"
	"io"
	"math"
	"strings"
	"testing"
)

// TestVerdict checks the verdict's counting rules on hand-made results, and
// that it reads the same from results in memory and from their JSON.
func TestVerdict(t *testing.T) {
	nan := math.NaN()
	ir := &InterpResults{}
	for i, n := range []float64{0.005, 0.006, 0.02, 0.004, 0.003} { // neural < trilinear (0.01) on 4 of 5
		ir.Rows = append(ir.Rows, InterpRow{Model: string(rune('a' + i)), Resolution: 2,
			Neural:    ErrStats{MAE: n, PeakMAE: 0.05, PeakBias: -0.05},
			Trilinear: ErrStats{MAE: 0.01, PeakMAE: 0.1, PeakBias: -0.1}, BSpline: ErrStats{MAE: 0.005, PeakMAE: 0.04},
			NeuralFit: NeuralFit{Init: InitRandom}})
	}
	nr := &NoiseResults{Options: NoiseOptions{SNRs: []float64{3}, Kinds: []NoiseKind{NoiseWhite}}}
	for i := 0; i < 5; i++ {
		m := string(rune('a' + i))
		row := func(method string, mae, train, clean float64) NoiseRow {
			r := NoiseRow{Model: m, Kind: NoiseWhite, SNR: 3, Method: method, Err: ErrStats{MAE: mae}, TrainMSE: train, CleanMSE: clean}
			r.FitWorstLoss, r.FitMedianLoss = nan, nan
			return r
		}
		nr.Rows = append(nr.Rows, row(MethodBSpline, 0.2, nan, nan), row(MethodNeural+"-random", 0.19, 1e-4, 0.1)) // neural fits the noise, but ≤ B-spline
	}
	gr := &GraphResults{Rows: []GraphRow{
		{Pair: "A", Resolution: 3, Field: "neural", Chain: "all", CACoverage: 0.95, CANodeFraction: 0.75, CARMSD: 0.9},
		{Pair: "B", Resolution: 3.4, Field: "neural", Chain: "all", CACoverage: 0.92, CANodeFraction: 0.5, CARMSD: 1.2},
		{Pair: "B", Resolution: 3.4, Field: "neural", Chain: "A", CACoverage: 0.1}, // per-chain rows are not averaged
	}}
	tables := func(fromJSON bool) (a, b, c *Table) {
		t.Helper()
		var ts []*Table
		for _, r := range []interface {
			Table() (*Table, error)
			WriteJSON(w io.Writer) error
		}{ir, nr, gr} {
			tb, err := r.Table()
			if err != nil {
				t.Fatal(err)
			}
			if fromJSON {
				var buf bytes.Buffer
				if err := r.WriteJSON(&buf); err != nil {
					t.Fatal(err)
				}
				if tb, err = ReadTable(&buf); err != nil {
					t.Fatal(err)
				}
			}
			ts = append(ts, tb)
		}
		return ts[0], ts[1], ts[2]
	}
	for _, fromJSON := range []bool{false, true} {
		v := Verdict(tables(fromJSON))
		check := func(prefix, holds, ours string) {
			t.Helper()
			for _, r := range v {
				if strings.HasPrefix(r.Claim, prefix) {
					if !strings.HasPrefix(r.Holds, holds) || !strings.Contains(r.Ours, ours) {
						t.Errorf("JSON %v: %q: holds %q, ours %q; want %q, containing %q", fromJSON, r.Claim, r.Holds, r.Ours, holds, ours)
					}
					return
				}
			}
			t.Errorf("no verdict row %q in %+v", prefix, v)
		}
		check("§3.1/Fig. 5", "yes", "neural < trilinear on 4/5 maps")
		check("§3.1: the neural map preserves", "yes", "neural < trilinear on 5/5")
		check("§2.2", "no", "0/5 noisy fits")
		check("Issue 14 goal: neural MAE", "yes", "neural-random white SNR 3: 5/5")
		check("§3.2/Fig. 6", "yes", "2 maps: coverage 93.5 %, RMSD 1.05 Å") // paper 84.5 %, 1.13 Å
		check("§4/Fig. 6", "yes", "2 maps: 62.5 %")                         // paper 61.9 %
		check("Issue 14 goal, near-atomic", "neural: partly", "neural: 1/2 maps")
	}
	v := Verdict(nil, nil, nil)
	for _, r := range v {
		if r.Holds != "not measured" {
			t.Errorf("no results: %+v", r)
		}
	}
	var b bytes.Buffer
	if err := WriteVerdictMarkdown(&b, Verdict(tables(false))); err != nil || !strings.Contains(b.String(), "| claim | paper | ours | holds |") {
		t.Errorf("markdown %v:\n%s", err, b.String())
	}
}
