package nb_test

import (
	"fmt"
	"os"

	"github.com/neuralem/neuralem/neuralem/nb"
)

// A slow result computed once and read from the cache afterwards: a
// notebook cell that runs again only draws.
func ExampleCached() {
	dir, _ := os.MkdirTemp("", "nb-example")
	defer os.RemoveAll(dir)
	os.Setenv(nb.CacheEnv, dir)
	sweep := func() [][]float64 {
		fmt.Println("computing the sweep")
		return [][]float64{{0.1, 0.2}, {0.3, 0.4}}
	}
	fmt.Println(nb.Cached("sweep.gob", sweep))
	fmt.Println(nb.Cached("sweep.gob", sweep))
	// Output:
	// computing the sweep
	// [[0.1 0.2] [0.3 0.4]]
	// [[0.1 0.2] [0.3 0.4]]
}

// The shipped crop of EMD-20026 and its model, as every notebook reads them.
func ExampleCropMap() {
	g, m := nb.CropMap(), nb.CropModel()
	fmt.Printf("%v voxels of %.2f Å; %d atoms\n", g.Shape, g.Spacing, len(m.Atoms))
	// Output: [27 35 40] voxels of [0.65 0.65 0.65] Å; 355 atoms
}
