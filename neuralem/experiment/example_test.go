package experiment_test

import (
	"context"
	"fmt"
	"math"

	"github.com/neuralem/neuralem/neuralem/experiment"
)

// The B-spline density graph of EMD-2566 (3.2 Å) scored against its model,
// from the shared data directory (../shared/data or $NEURALEM_SHARED_DATA).
func ExampleRunGraph() {
	pair := experiment.DefaultPairs()[1] // EMD-2566
	r, err := experiment.RunGraph(context.Background(), experiment.GraphOptions{Pairs: []experiment.Pair{pair}}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	row := r.Rows[0]
	fmt.Printf("%s %s: %d nodes, C-alpha coverage %.1f %% within 3 Å (paper, > 1.6 Å: %.1f %%), atoms in map %.0f %%, z %.2f\n",
		row.Pair, row.Field, row.Nodes, 100*row.CACoverage, row.PaperCACoverage, 100*row.Frame.InBoxFraction, row.Frame.ZRaw)
	// Output:
	// EMD-2566 bspline: 441 nodes, C-alpha coverage 95.9 % within 3 Å (paper, > 1.6 Å: 84.5 %), atoms in map 100 %, z 2.95
}

// The noise experiment without neural maps (fast): crambin at 3 Å, a 10 Å
// cube, white noise at peak/σ = 3 and the noise-free input. The cubic
// B-spline, best on the clean input, follows the noise more closely than
// trilinear interpolation; the Gaussian low-pass matched to the resolution
// removes much of the white noise, at the cost of flattened peaks on the
// clean input.
func ExampleRunNoise() {
	r, err := experiment.RunNoise(context.Background(), experiment.NoiseOptions{
		InterpOptions: experiment.InterpOptions{
			Models: []experiment.SimModel{{Name: "1CRN", Path: "models/sim/1CRN.cif", Resolution: 3}}, Crop: 10, NoNeural: true,
		},
		SNRs:  []float64{3, math.Inf(1)},
		Kinds: []experiment.NoiseKind{experiment.NoiseWhite},
	}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range r.Curves() {
		fmt.Printf("%-15s MAE at SNR %v: %.3f, %v: %.3f\n", c.Method, c.SNR[0], c.MAE[0], c.SNR[1], c.MAE[1])
	}
	// Output:
	// trilinear       MAE at SNR 3: 0.140, +Inf: 0.036
	// bspline         MAE at SNR 3: 0.169, +Inf: 0.020
	// lowpass-bspline MAE at SNR 3: 0.096, +Inf: 0.067
}
