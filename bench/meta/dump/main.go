// Command dump writes the default split's regions as raw float32 files for
// exploration outside Go (bench/meta/explore.py).
package main

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"flag"
	"log"
	"math"
	"os"
	"path/filepath"

	"github.com/neuralem/neuralem/neuralem/grid"
	"github.com/neuralem/neuralem/neuralem/metainit"
	"github.com/neuralem/neuralem/neuralem/mrc"
	"github.com/neuralem/neuralem/neuralem/region"
)

func write(path string, regs [][]float32, names []string) {
	var b []byte
	for _, r := range regs {
		for _, v := range r {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
		}
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		log.Fatal(err)
	}
	js, _ := json.Marshal(names)
	os.WriteFile(path+".json", js, 0o644)
	log.Printf("%s: %d regions", path, len(regs))
}

func tiles(path string) ([][]float32, []string) {
	g, _, err := mrc.ReadGrid(path)
	if err != nil {
		log.Fatal(err)
	}
	n, _, err := grid.Normalize(g)
	if err != nil {
		log.Fatal(err)
	}
	regs, err := region.Tile(n.Shape, region.Options{Size: 16, Overlap: 4})
	if err != nil {
		log.Fatal(err)
	}
	var out [][]float32
	var names []string
	for _, r := range regs {
		c, _ := grid.Crop(n, r.Lo, r.Hi)
		if c.Shape != [3]int{16, 16, 16} {
			log.Fatalf("region %v", c.Shape)
		}
		out = append(out, c.Data)
		names = append(names, filepath.Base(path))
	}
	return out, names
}

func main() {
	data := flag.String("data", "../shared/data", "")
	out := flag.String("o", "/tmp/metadata", "")
	flag.Parse()
	os.MkdirAll(*out, 0o755)
	sp := metainit.DefaultSplit(*data)
	ctx := context.Background()
	ds, err := metainit.BuildDataset(ctx, sp.Train, metainit.DefaultDataOptions(16, 1), func(d, t int, s metainit.Source) {
		if d%20 == 0 {
			log.Printf("%d/%d %s", d, t, s.Name)
		}
	})
	if err != nil {
		log.Fatal(err)
	}
	var names []string
	for _, f := range ds.From {
		names = append(names, ds.Sources[f].Name)
	}
	write(filepath.Join(*out, "train.bin"), ds.Regions, names)
	// held out
	r, n := tiles("neuralem/testdata/default/emd20026_crop.mrc.gz")
	write(filepath.Join(*out, "default.bin"), r, n)
	r, n = tiles(filepath.Join(*data, "maps/emd2566_3j6b_chain9.mrc"))
	write(filepath.Join(*out, "emd2566.bin"), r, n)
	ho, err := metainit.BuildDataset(ctx, sp.HeldOutMaps[:1], metainit.DefaultDataOptions(16, 7), nil)
	if err != nil {
		log.Fatal(err)
	}
	write(filepath.Join(*out, "emd20026.bin"), ho.Regions, nil)
	sim := metainit.SimSources(sp.HeldOutModels[:4], []float64{1.5, 2.5, 3.5}, nil, 8)
	hs, err := metainit.BuildDataset(ctx, sim, metainit.DefaultDataOptions(16, 7), nil)
	if err != nil {
		log.Fatal(err)
	}
	names = nil
	for _, f := range hs.From {
		names = append(names, hs.Sources[f].Name)
	}
	write(filepath.Join(*out, "heldsim.bin"), hs.Regions, names)
}
