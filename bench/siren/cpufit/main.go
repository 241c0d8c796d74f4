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

	"github.com/neuralem/neuralem/neuralem/geom"
	"github.com/neuralem/neuralem/neuralem/grid"
	"github.com/neuralem/neuralem/neuralem/mrc"
	"github.com/neuralem/neuralem/neuralem/neuralmap"
	"github.com/neuralem/neuralem/neuralem/region"
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
	regionSize := flag.Int("region-size", 0, "if > 0: fit a neural map of the crop (neuralmap.Fit) with regions of this size overlapping by 4, and report the blended map's error on every voxel")
	workers := flag.Int("workers", 0, "neuralmap.FitOptions.Workers (with -region-size)")
	stack := flag.Int("stack", 1, "neuralmap.FitOptions.Stack (with -region-size)")
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
	crop, err := grid.Crop(g, geom.Index(lo), geom.Index{lo[0] + s, lo[1] + s, lo[2] + s})
	if err != nil {
		log.Fatal(err)
	}
	if *regionSize > 0 {
		fitTiled(crop, cfg, neuralmap.FitOptions{Tiling: region.Options{Size: *regionSize, Overlap: 4}, Workers: *workers, Stack: *stack})
		return
	}
	normed, _, err := grid.Normalize(crop) // the paper's normalisation, as neuralmap.Fit applies it
	if err != nil {
		log.Fatal(err)
	}
	y := normed.Data
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

// fitTiled fits a neural map of crop and prints the wall time, the
// per-region reports and the blended map's MSE (network [−1, 1] units) and
// MAE ([0, 1] units) on every voxel of the crop.
func fitTiled(crop *grid.Grid, cfg siren.Config, opts neuralmap.FitOptions) {
	opts.Config = cfg
	regs, err := region.Tile(crop.Shape, opts.Tiling)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("crop %v, %d regions of ≤ %d³; config %+v; workers %d, stack %d\n", crop.Shape, len(regs), opts.Tiling.Size, cfg, opts.Workers, opts.Stack)
	start := time.Now()
	done := 0
	m, err := neuralmap.Fit(context.Background(), crop, opts, func(p neuralmap.FitProgress) error {
		if p.Done {
			done++
			fmt.Printf("%6.1fs region %2d done (%d/%d): %4d steps, best MSE %.3g, %s, %.1f s\n", time.Since(start).Seconds(),
				p.Region.ID, done, p.Total, p.Report.Steps, p.Report.BestLoss, p.Report.StopReason, p.Report.TrainTime.Seconds())
		}
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	wall := time.Since(start)
	normed, _, err := grid.Normalize(crop)
	if err != nil {
		log.Fatal(err)
	}
	rec, err := m.Resample(crop.Frame, neuralmap.UnitsSigned)
	if err != nil {
		log.Fatal(err)
	}
	var mse, mae, maxErr float64
	for i, v := range normed.Data {
		d := float64(rec.Data[i] - v)
		mse += d * d
		mae += math.Abs(d) / 2
		maxErr = math.Max(maxErr, math.Abs(d)/2)
	}
	n := float64(len(normed.Data))
	fmt.Printf("fit wall %.1f s; %s\nblended map on the crop's %d voxels: MSE %.3g ([−1, 1] units), MAE %.4f, max abs err %.3f ([0, 1] units)\n",
		wall.Seconds(), m.FitSummary(), len(normed.Data), mse/n, mae/n, maxErr)
}
