package charts_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/neuralem/neuralem/neuralem/charts"
)

// Build a loss chart, write it as a standalone offline page and as an HTML
// snippet. In a GoNB notebook, charts.Display(line) shows it in the cell.
func ExampleLossCurves() {
	line, err := charts.LossCurves(charts.LossChart{Title: "SIREN fit"}, []charts.LossCurve{
		{Name: "region 0", Steps: []int{0, 100, 200}, Loss: []float64{0.5, 0.01, 0.002}},
		{Name: "region 1", Steps: []int{0, 100, 200}, Loss: []float64{0.4, 0.02, 0.004}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	dir, _ := os.MkdirTemp("", "charts-example")
	defer os.RemoveAll(dir)
	if err := charts.WritePage(filepath.Join(dir, "loss.html"), line); err != nil {
		fmt.Println(err)
		return
	}
	h, err := charts.HTML(line)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(line.MultiSeries), "series; snippet has its chart element:", strings.Contains(h, `<div class="item"`))

	// Invalid data is an error, never an empty chart.
	_, err = charts.LossCurves(charts.LossChart{Title: "SIREN fit"}, []charts.LossCurve{{Name: "region 2", Steps: []int{0}, Loss: []float64{0}}})
	fmt.Println(err)
	// Output:
	// 2 series; snippet has its chart element: true
	// charts: LossCurves "SIREN fit": curves[0] ("region 2"): Loss[0] = 0 at step 0: the log-scale axis needs positive finite values
}

// A live loss chart: in a notebook each Update redraws the same output block at
// most twice a second; elsewhere it only records.
func ExampleLiveLoss() {
	live := charts.NewLiveLoss("training")
	for step := range 50 {
		for _, region := range []string{"r0", "r1"} {
			if err := live.Update(region, step, 1/float64(step+1)); err != nil {
				fmt.Println(err)
			}
		}
	}
	fmt.Println(len(live.Curves()), "regions,", len(live.Curves()[0].Loss), "points each")
	if err := live.Close(); err != nil { // final self-contained drawing
		fmt.Println(err)
	}
	// Output: 2 regions, 50 points each
}

// Compare a slice of an original and a neural map (dense X-fastest volumes).
func ExampleMapSlices() {
	shape := [3]int{4, 4, 4}
	orig, neural := make([]float32, 64), make([]float32, 64)
	for i := range orig {
		orig[i] = float32(i % 7)
		neural[i] = orig[i] + 0.1
	}
	s, _ := charts.Slice(orig, shape, charts.AxisY, 2)
	fmt.Printf("slice along y: %v×%v, %d×%d voxels\n", s.U, s.V, s.Width, s.Height)
	hm, err := charts.MapSlices(shape, orig, neural, charts.AxisY, 2)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, se := range hm.MultiSeries {
		fmt.Println(se.Name)
	}
	// Output:
	// slice along y: x×z, 4×4 voxels
	// original
	// neural
	// neural − original
}
