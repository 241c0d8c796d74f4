package neuralmap_test

import (
	"fmt"

	"github.com/neuralem/neuralem/neuralem/geom"
	"github.com/neuralem/neuralem/neuralem/neuralmap"
)

// Two regions along X (voxels 0–11 and 8–19) overlap on voxels 8–11. Across
// the overlap the first region's weight ramps 1 → 0 and the second's 0 → 1;
// the weights always sum to 1. At the ends of a linear ramp (x = 8, 11) the
// weight's derivative jumps; the flat side's (0) is reported there.
func ExampleBlender() {
	boxes := []neuralmap.VoxelBox{
		{Lo: geom.Index{0, 0, 0}, Hi: geom.Index{11, 3, 3}},
		{Lo: geom.Index{8, 0, 0}, Hi: geom.Index{19, 3, 3}},
	}
	b, err := neuralmap.NewBlender([3]int{20, 4, 4}, boxes, neuralmap.RampLinear)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, x := range []float64{5, 8, 9.5, 11, 15} {
		ws, _ := b.Weights(geom.VoxelCoord{x, 1, 1}, nil)
		fmt.Printf("x = %4.1f:", x)
		for _, w := range ws {
			fmt.Printf("  region %d weight %.3f (d/dx %+.3f)", w.Region, w.W, w.Grad[0])
		}
		fmt.Println()
	}
	// Output:
	// x =  5.0:  region 0 weight 1.000 (d/dx +0.000)
	// x =  8.0:  region 0 weight 1.000 (d/dx +0.000)
	// x =  9.5:  region 0 weight 0.500 (d/dx -0.333)  region 1 weight 0.500 (d/dx +0.333)
	// x = 11.0:  region 1 weight 1.000 (d/dx +0.000)
	// x = 15.0:  region 1 weight 1.000 (d/dx +0.000)
}

// A preset is changed in one place, Override, which knows which fields
// were set (nil: keep the preset's), validates them and lists the changes.
// A learning rate is Adam's, so setting one also chooses Adam (the cpu
// preset otherwise fits its learned start with K-FAC: FitConfig).
func ExampleFitOptions_Override() {
	opts, _ := neuralmap.Preset("cpu")
	lr, steps := 3e-3, 0
	opts, changes, err := opts.Override(neuralmap.Override{LearningRate: &lr, MaxSteps: &steps})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range changes {
		fmt.Println(c)
	}
	fmt.Println("time cap kept:", opts.Config.MaxTime)
	bad := -1.0
	_, _, err = opts.Override(neuralmap.Override{LearningRate: &bad})
	fmt.Println(err)
	// Output:
	// LearningRate 0.001 → 0.003
	// MaxSteps 2000 → 0
	// Optimizer auto → adam
	// time cap kept: 5m0s
	// neuralmap: override LearningRate = -1: want a finite learning rate > 0
}
