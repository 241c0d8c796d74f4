package siren_test

import (
	"context"
	"fmt"
	"math"

	"github.com/neuralem/neuralem/neuralem/siren"
)

// Train a small SIREN on an 8³ region and query it with value and gradient.
func Example() {
	cfg, err := siren.Preset("cpu")
	if err != nil {
		panic(err)
	}
	cfg.Width, cfg.HiddenLayers, cfg.MaxSteps = 16, 1, 30

	// Normalised voxel-centre coordinates and a smooth target in [−1, 1].
	x, _ := siren.RegionCoords([3]int{8, 8, 8})
	y := make([]float32, len(x)/3)
	for i := range y {
		r2 := x[3*i]*x[3*i] + x[3*i+1]*x[3*i+1] + x[3*i+2]*x[3*i+2]
		y[i] = float32(2*math.Exp(-float64(r2)/0.3) - 1)
	}
	net, rep, err := siren.Fit(context.Background(), cfg, x, y, nil)
	if err != nil {
		panic(err)
	}
	fmt.Println("stopped:", rep.StopReason, "after", rep.Steps, "steps")
	fmt.Println("loss decreased:", rep.BestLoss < rep.History[0])

	ev, err := siren.NewEvaluator(nil, cfg)
	if err != nil {
		panic(err)
	}
	val, grad := make([]float32, 1), make([]float32, 3)
	if err := ev.Eval(net, []float32{0.1, -0.2, 0.3}, val, grad); err != nil {
		panic(err)
	}
	ref, refGrad := net.EvalRef([3]float64{0.1, -0.2, 0.3})
	fmt.Println("matches float64 reference:", math.Abs(float64(val[0])-ref) < 1e-5,
		math.Abs(float64(grad[2])-refGrad[2]) < 1e-4*math.Max(1, math.Abs(refGrad[2])))
	// Output:
	// stopped: MaxSteps reached after 30 steps
	// loss decreased: true
	// matches float64 reference: true true
}
