package experiment

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/neuralem/neuralem/neuralem/geom"
	"github.com/neuralem/neuralem/neuralem/grid"
	"github.com/neuralem/neuralem/neuralem/metainit"
	"github.com/neuralem/neuralem/neuralem/neuralmap"
	"github.com/neuralem/neuralem/neuralem/region"
	"github.com/neuralem/neuralem/neuralem/siren"
)

// TestFitNeuralCheckpointKey checks that experiment checkpoints are keyed by
// everything the fit depends on: the same options resume (nothing is
// trained again), another learning rate, tiling or map values fit afresh
// into another file.
func TestFitNeuralCheckpointKey(t *testing.T) {
	g := grid.New(grid.Frame{Shape: [3]int{8, 8, 8}, Spacing: geom.Vec3{1, 1, 1}})
	for i := range g.Data {
		g.Data[i] = float32(i%7) / 7
	}
	cfg := siren.Config{Width: 8, HiddenLayers: 1, Omega0: 30, LearningRate: 1e-3, MaxSteps: 2, Patience: 25, HighLoss: 4e-4, Seed: 1}
	dir := t.TempDir()
	fit := func(fo neuralmap.FitOptions) (trained, resumed int) {
		t.Helper()
		_, _, err := fitNeural(context.Background(), g, fo, dir, "key", func(_, _ string, fp *neuralmap.FitProgress) {
			if fp != nil && fp.Done {
				if fp.Resumed {
					resumed++
				} else {
					trained++
				}
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		return trained, resumed
	}
	fo := neuralmap.FitOptions{Tiling: region.Options{Size: 8, Overlap: 4}, Config: cfg}
	if tr, _ := fit(fo); tr != 1 {
		t.Fatalf("first fit trained %d regions, want 1", tr)
	}
	if tr, re := fit(fo); tr != 0 || re != 1 {
		t.Errorf("same options again: trained %d, resumed %d; want 0 and 1", tr, re)
	}
	other := fo
	other.Config.LearningRate = 3e-3
	if tr, re := fit(other); tr != 1 || re != 0 {
		t.Errorf("another learning rate: trained %d, resumed %d; want a fresh fit", tr, re)
	}
	other = fo
	other.Tiling = region.Options{Size: 6, Overlap: 4}
	if tr, _ := fit(other); tr != 8 {
		t.Errorf("another tiling: trained %d regions, want a fresh fit of 8", tr)
	}
	// Other values on the same frame (the noise experiment's noisy inputs).
	g0 := g.Data[0]
	g.Data[0] += 0.5
	if tr, re := fit(fo); tr != 1 || re != 0 {
		t.Errorf("other map values: trained %d, resumed %d; want a fresh fit", tr, re)
	}
	g.Data[0] = g0
	// Two learned initialisations (random weights of other seeds stand in
	// for learned ones): each fits afresh into its own file, and the same
	// one again resumes.
	for i, seed := range []uint64{5, 6} {
		c := cfg
		c.Seed = seed
		net, err := siren.NewNet(c)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "i.nemi")
		o := metainit.DefaultTrainOptions()
		if err := (&metainit.Init{Net: net, Meta: metainit.Meta{Preset: "test", RegionEdge: 8, Method: "reptile", Train: o, Done: o.OuterSteps}}).Save(path); err != nil {
			t.Fatal(err)
		}
		learned := fo
		if err := applyInit(path, "", &learned); err != nil {
			t.Fatal(err)
		}
		if tr, re := fit(learned); tr != 1 || re != 0 {
			t.Errorf("learned initialisation %d: trained %d, resumed %d; want a fresh fit", i, tr, re)
		}
		if tr, re := fit(learned); tr != 0 || re != 1 {
			t.Errorf("learned initialisation %d again: trained %d, resumed %d; want 0 and 1", i, tr, re)
		}
	}
	files, err := filepath.Glob(filepath.Join(dir, "key_*"+neuralmap.FileExt))
	if err != nil || len(files) != 6 {
		t.Errorf("checkpoints %v (%v), want 6 distinct files", files, err)
	}
	for _, f := range files {
		if st, err := os.Stat(f); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
}
