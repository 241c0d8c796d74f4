package neuralmap

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/neuralem/neuralem/neuralem/geom"
	"github.com/neuralem/neuralem/neuralem/grid"
	"github.com/neuralem/neuralem/neuralem/region"
	"github.com/neuralem/neuralem/neuralem/siren"
)

// TestFitRejectsBadInput: every case fails before any training.
func TestFitRejectsBadInput(t *testing.T) {
	good := synthMap()
	constant := synthMap()
	for i := range constant.Data {
		constant.Data[i] = 0.7
	}
	withNaN := synthMap()
	withNaN.Set(3, 4, 5, float32(math.NaN()))
	flat := grid.New(grid.Frame{Shape: [3]int{20, 1, 20}, Spacing: geom.Vec3{1, 1, 1}})
	flat.Data[7] = 1
	// 23 voxels in regions of 12 overlapping by ≥ 1: windows 0–11 and
	// 11–22 share one voxel, leaving no room to blend.
	wide := grid.New(grid.Frame{Shape: [3]int{23, 20, 20}, Spacing: geom.Vec3{1, 1, 1}})
	for i := range wide.Data {
		wide.Data[i] = float32(i % 7)
	}
	short := synthMap()
	short.Data = short.Data[:100]
	opts := FitOptions{Tiling: tinyTiling, Config: tinyConfig()}
	with := func(f func(o *FitOptions)) FitOptions { o := opts; f(&o); return o }
	cases := []struct {
		name string
		g    *grid.Grid
		opts FitOptions
		want string
	}{
		{"nil map", nil, opts, "nil grid"},
		{"empty map", &grid.Grid{}, opts, "shape[0] = 0"},
		{"data shorter than shape", short, opts, "100 values"},
		{"all-constant map", constant, opts, "cannot normalise"},
		{"NaN voxel", withNaN, opts, "1 NaN"},
		{"one voxel thick", flat, opts, "shape[1] = 1 voxels, want ≥ 2"},
		{"overlap of 1 voxel", wide, with(func(o *FitOptions) { o.Tiling.Overlap = 1 }), "share 1 voxel"},
		{"overlap ≥ size", good, with(func(o *FitOptions) { o.Tiling.Overlap = 12 }), "Size = 12 voxels ≤ Overlap"},
		{"region ID out of range", good, with(func(o *FitOptions) { o.Regions = []int{0, 8} }), "ID 8, the tiling has IDs 0–7"},
		{"region ID twice", good, with(func(o *FitOptions) { o.Regions = []int{3, 3} }), "ID 3 twice"},
		{"empty region list", good, with(func(o *FitOptions) { o.Regions = []int{} }), "Regions is empty"},
		{"bad config", good, with(func(o *FitOptions) { o.Config.LearningRate = -1 }), "LearningRate"},
		{"negative resolution", good, with(func(o *FitOptions) { o.Resolution = -2 }), "Resolution = -2"},
		{"negative workers", good, with(func(o *FitOptions) { o.Workers = -1 }), "Workers = -1"},
		{"negative stack", good, with(func(o *FitOptions) { o.Stack = -3 }), "Stack = -3"},
	}
	for _, c := range cases {
		_, err := Fit(context.Background(), c.g, c.opts, func(p FitProgress) error {
			t.Errorf("%s: training started", c.name)
			return context.Canceled
		})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
}

// TestRegionLargerThanMap: the paper's tiling clamps the region size to the
// map (v_r = n_v when n_v < 64), so a region size larger than the map gives
// one region along that axis covering it, not an error.
func TestRegionLargerThanMap(t *testing.T) {
	m, err := New(synthMap().Frame, testNorm, region.Options{Size: 64, Overlap: 4})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Regions) != 1 || m.Regions[0].Region.Lo != (geom.Index{}) || m.Regions[0].Region.Hi != (geom.Index{20, 20, 20}) {
		t.Errorf("regions %+v, want one covering the 20³ map", m.Regions)
	}
}

func TestFitRejectsForeignCheckpoint(t *testing.T) {
	f := fitted(t)
	dir := t.TempDir()
	b, err := os.ReadFile(f.path)
	if err != nil {
		t.Fatal(err)
	}
	cp := filepath.Join(dir, "cp.nem")
	if err := os.WriteFile(cp, b, 0o644); err != nil {
		t.Fatal(err)
	}
	other := synthMap()
	for i := range other.Data {
		other.Data[i] *= 2
	}
	fail := func(p FitProgress) error { t.Error("training started"); return context.Canceled }
	_, err = Fit(context.Background(), other, FitOptions{Tiling: tinyTiling, Config: tinyConfig(), Checkpoint: cp}, fail)
	if err == nil || !strings.Contains(err.Error(), "normalisation") || !strings.Contains(err.Error(), cp) {
		t.Errorf("checkpoint of another map: %v", err)
	}
	cfg := tinyConfig()
	cfg.Width = 8
	_, err = Fit(context.Background(), synthMap(), FitOptions{Tiling: tinyTiling, Config: cfg, Checkpoint: cp}, fail)
	if err == nil || !strings.Contains(err.Error(), "was trained with") {
		t.Errorf("checkpoint with another architecture: %v", err)
	}
	_, err = Fit(context.Background(), synthMap(), FitOptions{Tiling: region.Options{Size: 10, Overlap: 4}, Config: tinyConfig(), Checkpoint: cp}, fail)
	if err == nil || !strings.Contains(err.Error(), "tiling") {
		t.Errorf("checkpoint with another tiling: %v", err)
	}
	// A corrupted checkpoint is reported, not overwritten.
	b[len(b)/2] ^= 0xff
	if err := os.WriteFile(cp, b, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Fit(context.Background(), synthMap(), FitOptions{Tiling: tinyTiling, Config: tinyConfig(), Checkpoint: cp}, fail)
	if err == nil || !strings.Contains(err.Error(), "checksum mismatch") {
		t.Errorf("corrupted checkpoint: %v", err)
	}
	if after, _ := os.ReadFile(cp); string(after) != string(b) {
		t.Error("corrupted checkpoint was overwritten")
	}
}

func TestMergeShards(t *testing.T) {
	m := fitted(t).m
	shard := func(keep func(int) bool) *NeuralMap {
		s := &NeuralMap{Frame: m.Frame, Norm: m.Norm, Mu: m.Mu, Sigma: m.Sigma, Resolution: m.Resolution, Tiling: m.Tiling, Ramp: m.Ramp}
		s.Regions = append([]RegionFit(nil), m.Regions...)
		for i := range s.Regions {
			if !keep(i) {
				s.Regions[i].Net = nil
			}
		}
		return s
	}
	a := shard(func(i int) bool { return i%3 != 0 })
	b := shard(func(i int) bool { return i%3 == 0 })
	got, err := Merge(a, b)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range got.Regions {
		if r.Net != m.Regions[i].Net || r.Report != m.Regions[i].Report {
			t.Errorf("merged region %d is not the shard's", i)
		}
	}
	a.Source, b.Source = "s1.nem", "s2.nem"
	if _, err := Merge(a, a); err == nil || !strings.Contains(err.Error(), "fitted in both s1.nem and s1.nem") {
		t.Errorf("overlapping shards: %v", err)
	}
	// Every mismatch names the field, both values and both files.
	for _, c := range []struct {
		name   string
		change func(s *NeuralMap)
		want   []string
	}{
		{"origin", func(s *NeuralMap) { s.Frame.Origin[0] += 1 }, []string{"origin (Å) differs", "s1.nem has [5 -3 10]", "s2.nem has [6 -3 10]"}},
		{"resolution", func(s *NeuralMap) { s.Resolution = 3.2 }, []string{"resolution (Å) differs", "s1.nem has 3,", "s2.nem has 3.2"}},
		{"normalisation", func(s *NeuralMap) { s.Norm.Hi *= 2 }, []string{"normalisation Hi differs", "s1.nem", "s2.nem"}},
		{"ramp", func(s *NeuralMap) { s.Ramp = RampSmooth }, []string{"blending ramp differs", "linear", "smooth"}},
		{"learning rate", func(s *NeuralMap) {
			for i := range s.Regions {
				if s.Regions[i].Net != nil {
					n := *s.Regions[i].Net
					n.Config.LearningRate = 0.5
					s.Regions[i].Net = &n
				}
			}
		}, []string{"learning rate differs", "s1.nem (region 1) has 0.01", "s2.nem (region 0) has 0.5"}},
		{"solved output layer", func(s *NeuralMap) {
			for i := range s.Regions {
				if s.Regions[i].Net != nil {
					n := *s.Regions[i].Net
					n.Config.SolveOutput = true
					s.Regions[i].Net = &n
				}
			}
		}, []string{"output layer solved differs", "s1.nem (region 1) has false", "s2.nem (region 0) has true"}},
		{"optimizer", func(s *NeuralMap) {
			for i := range s.Regions {
				if s.Regions[i].Net != nil {
					n := *s.Regions[i].Net
					n.Config.Optimizer = siren.OptimizerKFAC
					s.Regions[i].Net = &n
				}
			}
		}, []string{"optimizer differs", "s1.nem (region 1) has adam", "s2.nem (region 0) has kfac"}},
	} {
		bb := shard(func(i int) bool { return i%3 == 0 })
		bb.Source = "s2.nem"
		c.change(bb)
		_, err := Merge(a, bb)
		for _, w := range c.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %v, want %q", c.name, err, w)
			}
		}
	}
	if _, err := Merge(); err == nil {
		t.Error("Merge(): no error")
	}
}
