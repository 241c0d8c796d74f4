package metainit_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/neuralem/neuralem/neuralem/metainit"
	"github.com/neuralem/neuralem/neuralem/siren"
)

// An initialisation file is resolved as the CLI's --init resolves it: a
// path, "random" (nil: weights drawn from the config's seed) or "learned"
// (the preset's shipped one). It must be for exactly the fit's network.
func ExampleResolve() {
	cfg, _ := siren.Preset("cpu")
	net, _ := siren.NewNet(cfg) // random weights stand in for learned ones
	o := metainit.DefaultTrainOptions()
	in := &metainit.Init{Net: net, Meta: metainit.Meta{Preset: "cpu", RegionEdge: 16, Method: "reptile", Train: o, Done: o.OuterSteps}}
	dir, _ := os.MkdirTemp("", "metainit-example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "my"+metainit.FileExt)
	if err := in.Save(path); err != nil {
		fmt.Println(err)
		return
	}

	got, err := metainit.Resolve(path, "cpu", cfg)
	fmt.Println(got.Name, "for", got.Net.Config.ArchString(), "on", got.Meta.RegionEdge, "voxel regions; same SHA-256:", got.SHA256 == in.SHA256, err)
	random, err := metainit.Resolve("random", "cpu", cfg)
	fmt.Println("random:", random == nil, err)
	wide := cfg
	wide.Width = 128
	_, err = metainit.Resolve(path, "cpu", wide)
	fmt.Println(err)
	_, err = metainit.Resolve("learned", "paper", cfg)
	fmt.Println(errors.Is(err, metainit.ErrNoLearned))
	// Output:
	// my.nemi for Width 64, HiddenLayers 2, Omega0 30 on 16 voxel regions; same SHA-256: true <nil>
	// random: true <nil>
	// metainit: the initialisation is for the network Width 64, HiddenLayers 2, Omega0 30 (preset "cpu"); this fit's network is Width 128, HiddenLayers 2, Omega0 30
	// true
}
