package pipeline_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/neuralem/neuralem/neuralem/eval"
	"github.com/neuralem/neuralem/neuralem/geom"
	"github.com/neuralem/neuralem/neuralem/grid"
	"github.com/neuralem/neuralem/neuralem/model"
	"github.com/neuralem/neuralem/neuralem/mrc"
	"github.com/neuralem/neuralem/neuralem/neuralmap"
	"github.com/neuralem/neuralem/neuralem/pipeline"
	"github.com/neuralem/neuralem/neuralem/region"
)

const (
	mapPath   = "../testdata/default/emd20026_crop.mrc.gz"
	modelPath = "../testdata/default/emd20026_crop.pdb"
)

// A density graph of a map with the paper's settings, scored against the
// model, in the few lines of a notebook cell. Open reads a neural map
// (.nem) the same way.
func Example() {
	src, err := pipeline.Open(mapPath, grid.MethodBSpline)
	if err != nil {
		fmt.Println(err)
		return
	}
	src.Resolution = 1.75 // an MRC header does not say
	g, rep, err := src.Graph(pipeline.PaperOptions(src))
	if err != nil {
		fmt.Println(err)
		return
	}
	m, err := model.ReadFile(modelPath)
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := eval.EvaluateGraph(g, m, eval.Options{Atoms: model.Heavy})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s field: %d seeds above %.3f → %d nodes, %d edges under %.1f Å\n",
		src.Kind, rep.Seeds.Kept, rep.Seeds.Level, len(g.Nodes), len(g.Edges), rep.Cutoff)
	fmt.Printf("sensitivity %.1f %%, specificity %.1f %%, RMSD %.2f Å\n", 100*res.Sensitivity, 100*res.Specificity, res.RMSD)
	// Output:
	// bspline field: 2362 seeds above 0.409 → 208 nodes, 539 edges under 3.5 Å
	// sensitivity 49.6 %, specificity 84.6 %, RMSD 0.41 Å
}

// The seed threshold and DBSCAN eps swept from one gradient walk (the slow
// part on a neural map), each graph scored against the model.
func ExampleSweep() {
	g, _, err := mrc.ReadGrid(mapPath)
	if err != nil {
		fmt.Println(err)
		return
	}
	m, err := model.ReadFile(modelPath)
	if err != nil {
		fmt.Println(err)
		return
	}
	src, err := pipeline.Interpolated(g, grid.MethodBSpline, 1.75)
	if err != nil {
		fmt.Println(err)
		return
	}
	rows, err := pipeline.Sweep(src, pipeline.PaperOptions(src), []float64{2, 3, 4}, []float64{0.2, 0.8}, m, eval.Options{Atoms: model.Heavy})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range rows {
		fmt.Printf("μ+%gσ = %.3f, eps %.1f Å: %4d seeds, %3d nodes, sensitivity %4.1f %%, specificity %4.1f %%\n",
			r.K, r.Level, r.Eps, r.Report.Seeds.Kept, len(r.Graph.Nodes), 100*r.Eval.Sensitivity, 100*r.Eval.Specificity)
	}
	// Output:
	// μ+2σ = 0.292, eps 0.2 Å: 4750 seeds, 257 nodes, sensitivity 58.9 %, specificity 81.3 %
	// μ+2σ = 0.292, eps 0.8 Å: 4750 seeds, 211 nodes, sensitivity 53.2 %, specificity 89.6 %
	// μ+3σ = 0.409, eps 0.2 Å: 2362 seeds, 208 nodes, sensitivity 49.6 %, specificity 84.6 %
	// μ+3σ = 0.409, eps 0.8 Å: 2362 seeds, 169 nodes, sensitivity 44.2 %, specificity 92.9 %
	// μ+4σ = 0.527, eps 0.2 Å:  917 seeds, 138 nodes, sensitivity 32.7 %, specificity 84.1 %
	// μ+4σ = 0.527, eps 0.8 Å:  917 seeds, 115 nodes, sensitivity 29.3 %, specificity 90.4 %
}

// The whole method on a map and its model, as `neuralem demo` runs it: here
// on a 20³ crop with a short fit, so that it runs in seconds (the numbers of
// so short a fit vary between CPUs; only robust facts are printed).
func ExampleRun() {
	g, _, err := mrc.ReadGrid(mapPath)
	if err != nil {
		fmt.Println(err)
		return
	}
	crop, err := grid.Crop(g, geom.Index{4, 8, 10}, geom.Index{24, 28, 30})
	if err != nil {
		fmt.Println(err)
		return
	}
	m, err := model.ReadFile(modelPath)
	if err != nil {
		fmt.Println(err)
		return
	}
	fit, err := neuralmap.PresetNetwork("cpu") // random initial weights: the learned ones are for 16-voxel regions
	if err != nil {
		fmt.Println(err)
		return
	}
	fit.Tiling = region.Options{Size: 12, Overlap: 4}
	fit.Config.MaxSteps = 60
	dir, err := os.MkdirTemp("", "pipeline-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	fit.Checkpoint = filepath.Join(dir, "crop.nem") // resumable
	res, err := pipeline.Run(context.Background(), pipeline.Job{Map: crop, Model: m, Fit: fit, Eval: eval.Options{Atoms: model.Heavy}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d regions fitted at %.2f Å; accuracy measured on %d voxels\n", len(res.Map.Regions), res.Resolution, res.Accuracy.N)
	for _, gr := range res.Graphs {
		fmt.Printf("%s graph scored against %d heavy atoms\n", gr.Source.Kind, gr.Eval.Atoms)
	}
	// Output:
	// 8 regions fitted at 1.75 Å; accuracy measured on 8000 voxels
	// neural graph scored against 355 heavy atoms
	// bspline graph scored against 355 heavy atoms
}
