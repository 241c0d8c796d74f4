package experiment

import (
	"context"
	"math"
	"strings"
	"testing"
)

// TestRunNoise runs the noise experiment on a crambin crop at 3 Å with a
// tiny network and checks what holds whatever the network: the noise-free
// rows are the interpolation experiment's, the added noise has the asked
// σ, classical errors grow as the SNR falls, the matched low-pass beats
// plain interpolation of white noise, runs are reproducible, and the
// tables round-trip.
func TestRunNoise(t *testing.T) {
	base := InterpOptions{Models: []SimModel{crambin(t, 3)}, Crop: 8, Config: tinyConfig()}
	opts := NoiseOptions{InterpOptions: base, SNRs: []float64{3, math.Inf(1)}, Kinds: []NoiseKind{NoiseWhite, NoiseBand}}
	r, err := RunNoise(context.Background(), opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Conditions: none/inf, white/3, band/3; methods: trilinear, bspline,
	// lowpass-bspline, neural-random.
	if len(r.Rows) != 3*4 {
		t.Fatalf("%d rows, want 12", len(r.Rows))
	}
	get := func(kind NoiseKind, method string) NoiseRow {
		t.Helper()
		for _, row := range r.Rows {
			if row.Kind == kind && row.Method == method {
				return row
			}
		}
		t.Fatalf("no row %s %s", kind, method)
		return NoiseRow{}
	}
	// Noise-free rows: the interpolation experiment's numbers.
	base.NoNeural = true
	ir, err := RunInterp(context.Background(), base, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		method string
		want   ErrStats
	}{{MethodTrilinear, ir.Rows[0].Trilinear}, {MethodBSpline, ir.Rows[0].BSpline}} {
		// The interp experiment interpolates the input scaled to [0, 1] in
		// float32, this one the raw input scaled afterwards in float64: the
		// same numbers to float32 rounding.
		got := get(NoiseNone, c.method).Err
		near := func(a, b float64) bool { return math.Abs(a-b) <= 1e-6*math.Abs(b) }
		if !near(got.MAE, c.want.MAE) || !near(got.Max, c.want.Max) || !near(got.PeakMAE, c.want.PeakMAE) {
			t.Errorf("%s without noise: %+v, interp experiment %+v", c.method, got, c.want)
		}
	}
	if row := get(NoiseNone, MethodBSpline); row.NonZero != ir.Rows[0].NonZero || row.Peaks != ir.Rows[0].Peaks || row.Peaks == 0 {
		t.Errorf("noise-free: %d voxels, %d peaks; interp experiment %d, %d", row.NonZero, row.Peaks, ir.Rows[0].NonZero, ir.Rows[0].Peaks)
	}
	for _, kind := range []NoiseKind{NoiseWhite, NoiseBand} {
		row := get(kind, MethodTrilinear)
		// σ on the error scale is (peak/SNR)/(Hi − Lo): 1/SNR when the
		// crop has an empty voxel (Lo = 0), a little more when its least
		// density Lo is above 0. The realised σ is within sampling error
		// (729 voxels; band-limited noise has fewer independent samples).
		if math.Abs(row.NoiseSigma01-1.0/3) > 0.02 || math.Abs(row.NoiseStd01/row.NoiseSigma01-1) > 0.3 {
			t.Errorf("%s: noise σ %g (realised %g), want 1/3", kind, row.NoiseSigma01, row.NoiseStd01)
		}
		for _, m := range []string{MethodTrilinear, MethodBSpline} {
			if n, c := get(kind, m).Err.MAE, get(NoiseNone, m).Err.MAE; !(n > 3*c) {
				t.Errorf("%s %s: MAE %g with noise at SNR 3, %g without: want much larger", kind, m, n, c)
			}
		}
		nr := get(kind, MethodNeural+"-"+InitRandom)
		if nr.Init != InitRandom || nr.Regions != 1 || nr.FitSteps == 0 || !(nr.CleanMSE > 0) || !(nr.TrainMSE >= 0) {
			t.Errorf("%s neural row: %+v", kind, nr)
		}
	}
	// White noise at SNR 3 is mostly above the signal's band: the matched
	// low-pass removes most of it.
	if lp, b := get(NoiseWhite, MethodLowPass).Err.MAE, get(NoiseWhite, MethodBSpline).Err.MAE; !(lp < 0.7*b) {
		t.Errorf("white noise: low-pass B-spline MAE %g, B-spline %g: want the low-pass clearly better", lp, b)
	}
	// Reproducible (classical rows; the neural fit is deterministic too but
	// slower to repeat).
	opts.NoNeural = true
	r2, err := RunNoise(context.Background(), opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range r2.Rows {
		want := get(row.Kind, row.Method)
		if row.Err.MAE != want.Err.MAE || row.NoiseStd01 != want.NoiseStd01 {
			t.Errorf("rerun %s %s: MAE %g, first run %g", row.Kind, row.Method, row.Err.MAE, want.Err.MAE)
		}
	}
	// Curves: one per kind and method, the noise-free point last.
	curves := r.Curves()
	if len(curves) != 2*4 {
		t.Fatalf("%d curves, want 8", len(curves))
	}
	for _, c := range curves {
		if len(c.SNR) != 2 || c.SNR[0] != 3 || !math.IsInf(c.SNR[1], 1) || c.Models[0] != 1 {
			t.Errorf("curve %s %s: SNR %v models %v", c.Kind, c.Method, c.SNR, c.Models)
		}
		if c.MAE[0] != get(c.Kind, c.Method).Err.MAE || c.MAE[1] != get(NoiseNone, c.Method).Err.MAE {
			t.Errorf("curve %s %s: MAE %v is not the rows' mean", c.Kind, c.Method, c.MAE)
		}
	}
	wins := r.Wins()
	if len(wins) != 3*3 { // neural vs 3 classical, 3 conditions
		t.Errorf("%d comparisons, want 9: %+v", len(wins), wins)
	}
	checkNoiseWriters(t, r)

	for _, bad := range []NoiseOptions{
		{InterpOptions: base, SNRs: []float64{0}},
		{InterpOptions: base, SNRs: []float64{3, 3}},
		{InterpOptions: base, Kinds: []NoiseKind{NoiseNone}},
		{InterpOptions: base, LowPass: []float64{math.NaN()}},
		{InterpOptions: InterpOptions{Models: base.Models, Normalization: NormOwn}},
	} {
		if _, err := RunNoise(context.Background(), bad, nil); err == nil || !strings.HasPrefix(err.Error(), "noise: ") {
			t.Errorf("options %+v: error %v", bad, err)
		}
	}
}

func checkNoiseWriters(t *testing.T, r *NoiseResults) {
	t.Helper()
	var doc struct {
		Experiment string
		Options    struct {
			SNRs  []any
			Kinds []string
		}
		Rows  []map[string]any
		Means []map[string]any
	}
	w := writeAll(t, r, &doc)
	if recs := w.csv; len(recs) != len(r.Rows)+1 || recs[0][0] != "model" || recs[1][6] != "inf" {
		t.Errorf("CSV header %v, first row %v", recs[0], recs[1])
	}
	if doc.Experiment != "noise" || len(doc.Rows) != len(r.Rows) || len(doc.Options.SNRs) != 2 || doc.Options.SNRs[1] != "inf" || len(doc.Options.Kinds) != 2 {
		t.Errorf("JSON doc %+v", doc)
	}
	if got := doc.Rows[0]["mae"]; got != r.Rows[0].Err.MAE {
		t.Errorf("JSON mae %v, want %v", got, r.Rows[0].Err.MAE)
	}
	for _, want := range []string{"| noise | method | snr |", "| model |", "| 1CRN |", "neural-random"} {
		if !strings.Contains(w.markdown, want) {
			t.Errorf("markdown lacks %q:\n%s", want, w.markdown)
		}
	}
}
