package mrc_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/neuralem/neuralem/neuralem/geom"
	"github.com/neuralem/neuralem/neuralem/grid"
	"github.com/neuralem/neuralem/neuralem/mrc"
)

// Write a small anisotropic grid as a gzip-compressed MRC2014 map, read it
// back, and place a voxel in Å.
func Example() {
	dir, err := os.MkdirTemp("", "mrc-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	g := grid.New(grid.Frame{
		Shape:   [3]int{4, 3, 2},
		Spacing: geom.Vec3{0.5, 0.75, 1.0},
		Origin:  geom.Point{10, 20, 30},
	})
	for i := range g.Data {
		g.Data[i] = float32(i)
	}
	path := filepath.Join(dir, "box.mrc.gz")
	if err := mrc.Write(path, g, mrc.WriteOptions{Labels: []string{"example"}}); err != nil {
		log.Fatal(err)
	}

	m, err := mrc.Read(path)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("shape:", m.Shape, "mode:", m.Header.Mode, "labels:", m.Header.Labels())
	fmt.Println("voxel size (Å):", m.Header.VoxelSize())
	fmt.Println("voxel (3,2,1) at", m.Position(geom.Index{3, 2, 1}), "Å, value", m.Data[3+4*(2+3*1)])
	fmt.Println("problems:", len(m.Validate()))

	back, err := m.Grid()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("grid origin (Å):", back.Origin)
	// Output:
	// shape: [4 3 2] mode: 2 labels: [example]
	// voxel size (Å): [0.5 0.75 1]
	// voxel (3,2,1) at [11.5 21.5 31] Å, value 23
	// problems: 0
	// grid origin (Å): [10 20 30]
}
