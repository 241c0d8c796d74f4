// Command cpufit measures what a siren preset achieves on a cube cropped
// from a real map: it crops size³ voxels, applies the paper's normalisation
// (negatives → 0, scale to [0, 1], then to [−1, 1]) to the crop, trains one
// network and prints steps, time, best MSE (in [−1, 1] units) and the mean
// absolute error in the paper's [0, 1] units.
//
//	GOEXPERIMENT=simd go run ./bench/siren/cpufit -map ../shared/data/maps/ribocut4a_unknown_emdb.mrc -size 48 -preset cpu
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"math"
	"time"

	"github.com/neuralem/neuralem/neuralem/mrc"
	"github.com/neuralem/neuralem/neuralem/siren"
)

func main() {
	path := flag.String("map", "", "MRC map")
	size := flag.Int("size", 48, "cube edge in voxels")
	preset := flag.String("preset", "cpu", "siren preset")
	width := flag.Int("width", 0, "override Width")
	hidden := flag.Int("hidden", -1, "override HiddenLayers")
	lr := flag.Float64("lr", 0, "override LearningRate")
	steps := flag.Int("steps", 0, "override MaxSteps")
	every := flag.Int("every", 25, "print progress every n steps")
	maxTime := flag.Duration("maxtime", 0, "override MaxTime")
	omega0 := flag.Float64("omega0", 0, "override Omega0")
	flag.Parse()
	g, _, err := mrc.ReadGrid(*path)
	if err != nil {
		log.Fatal(err)
	}
	cfg, err := siren.Preset(*preset)
	if err != nil {
		log.Fatal(err)
	}
	if *width > 0 {
		cfg.Width = *width
	}
	if *hidden >= 0 {
		cfg.HiddenLayers = *hidden
	}
	if *lr > 0 {
		cfg.LearningRate = *lr
	}
	if *steps > 0 {
		cfg.MaxSteps = *steps
	}
	if *maxTime > 0 {
		cfg.MaxTime = *maxTime
	}
	if *omega0 > 0 {
		cfg.Omega0 = *omega0
	}
	s := *size
	var lo [3]int
	for a := 0; a < 3; a++ {
		if g.Shape[a] < s {
			log.Fatalf("map shape %v smaller than %d", g.Shape, s)
		}
		lo[a] = (g.Shape[a] - s) / 2
	}
	y := make([]float32, 0, s*s*s)
	maxV := float32(0)
	for k := 0; k < s; k++ {
		for j := 0; j < s; j++ {
			for i := 0; i < s; i++ {
				v := max(g.At(lo[0]+i, lo[1]+j, lo[2]+k), 0)
				maxV = max(maxV, v)
				y = append(y, v)
			}
		}
	}
	for i := range y {
		y[i] = 2*y[i]/maxV - 1
	}
	x, _ := siren.RegionCoords([3]int{s, s, s})
	fmt.Printf("map %s crop %d³ at %v; config %+v\n", *path, s, lo, cfg)
	start := time.Now()
	reached := false
	net, rep, err := siren.Fit(context.Background(), cfg, x, y, func(p siren.Progress) {
		if !reached && p.Best < cfg.HighLoss {
			reached = true
			fmt.Printf("best MSE below %g after %d steps, %.1f s\n", cfg.HighLoss, p.Step, p.Elapsed.Seconds())
		}
		if p.Step%*every == 0 {
			fmt.Printf("step %4d loss %.3g best %.3g %6.1fs\n", p.Step, p.Loss, p.Best, p.Elapsed.Seconds())
		}
	})
	if err != nil {
		log.Fatal(err)
	}
	ev, err := siren.NewEvaluator(nil, cfg)
	if err != nil {
		log.Fatal(err)
	}
	val := make([]float32, len(y))
	if err := ev.Eval(net, x, val, nil); err != nil {
		log.Fatal(err)
	}
	var mae, maxErr float64
	for i := range y {
		d := math.Abs(float64(val[i]-y[i])) / 2 // [0, 1] units
		mae += d
		maxErr = math.Max(maxErr, d)
	}
	mae /= float64(len(y))
	fmt.Printf("steps %d, stop %q, best MSE %.3g at step %d, %.1f s (%.2f s/step incl. compile), MAE [0,1] %.4f, max abs err %.3f, wall %v\n",
		rep.Steps, rep.StopReason, rep.BestLoss, rep.BestStep, rep.Duration.Seconds(), rep.Duration.Seconds()/float64(rep.Steps), mae, maxErr, time.Since(start).Round(time.Second))
}
