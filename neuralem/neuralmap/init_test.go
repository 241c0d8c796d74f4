package neuralmap

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/neuralem/neuralem/neuralem/geom"
	"github.com/neuralem/neuralem/neuralem/grid"
	"github.com/neuralem/neuralem/neuralem/metainit"
	"github.com/neuralem/neuralem/neuralem/region"
	"github.com/neuralem/neuralem/neuralem/siren"
)

// periodicMap is 14×6×6 voxels whose values repeat every 8 voxels along X:
// tiled 6/2, its regions 0 (X voxels 0–5) and 2 (X 8–13) hold the same
// values and region 1 (X 4–9) others.
func periodicMap() *grid.Grid {
	g := grid.New(grid.Frame{Shape: [3]int{14, 6, 6}, Spacing: geom.Vec3{1, 1, 1}})
	for k := range 6 {
		for j := range 6 {
			for i := range 14 {
				x := i % 8
				g.Set(i, j, k, float32(x*x+2*j+k)/40)
			}
		}
	}
	return g
}

// testInit is a learned initialisation for tinyConfig's network (random
// weights from another seed stand in for learned ones).
func testInit(t *testing.T) *metainit.Init {
	t.Helper()
	c := tinyConfig()
	c.Seed = 77
	net, err := siren.NewNet(c)
	if err != nil {
		t.Fatal(err)
	}
	o := metainit.DefaultTrainOptions()
	in := &metainit.Init{Net: net, Name: "test.nemi", Meta: metainit.Meta{Preset: "test", RegionEdge: 6, Method: "reptile", Train: o, Done: o.OuterSteps}}
	if _, err := in.Encode(); err != nil {
		t.Fatal(err)
	}
	return in
}

// Every region starts from the same weights: the fixed seed's network or the
// learned initialisation (issue 12: --seed is one seed for all regions, not
// seed + region). Two regions holding identical values therefore end with
// identical networks, and the map records which initialisation it used.
func TestFitSameInitEveryRegion(t *testing.T) {
	tiling := region.Options{Size: 6, Overlap: 2}
	regs, err := region.Tile([3]int{14, 6, 6}, tiling)
	if err != nil {
		t.Fatal(err)
	}
	if len(regs) != 3 || regs[0].Lo[0] != 0 || regs[2].Lo[0] != 8 {
		t.Fatalf("tiling %v: want 3 regions along X starting at 0, 4, 8", regs)
	}
	cfg := tinyConfig()
	cfg.MaxSteps = 20
	for _, in := range []*metainit.Init{nil, testInit(t)} {
		m, err := Fit(context.Background(), periodicMap(), FitOptions{Tiling: tiling, Config: cfg, Init: in, Workers: 2}, nil)
		if err != nil {
			t.Fatal(err)
		}
		a, b := m.Regions[0].Net, m.Regions[2].Net
		for l := range a.Layers {
			if !equalF32(a.Layers[l].W, b.Layers[l].W) || !equalF32(a.Layers[l].B, b.Layers[l].B) {
				t.Fatalf("init %v: regions 0 and 2 hold the same values but their networks differ (layer %d)", in != nil, l)
			}
		}
		if equalF32(a.Layers[0].W, m.Regions[1].Net.Layers[0].W) {
			t.Errorf("init %v: region 1 (other values) ended with region 0's weights", in != nil)
		}
		want := InitRecord{Kind: metainit.KindRandom}
		if in != nil {
			want = InitRecord{Kind: metainit.KindLearned, Name: "test.nemi", SHA256: in.SHA256}
		} else if a.Config.Seed != cfg.Seed || m.Regions[1].Net.Config.Seed != cfg.Seed {
			t.Errorf("random init: regions record seeds %d, %d, want %d for every region", a.Config.Seed, m.Regions[1].Net.Config.Seed, cfg.Seed)
		}
		if m.Init != want {
			t.Errorf("map records init %+v, want %+v", m.Init, want)
		}
	}
}

// The init record survives a save and load; files of format versions 1 and
// 2 (before the record) read as random.
func TestInitRecordInFile(t *testing.T) {
	m := randomNetMap(t, 8)
	m.Init = InitRecord{Kind: metainit.KindLearned, Name: "x.nemi", SHA256: strings.Repeat("ab", 32)}
	dir := t.TempDir()
	p := filepath.Join(dir, "m.nem")
	b := savedBytes(t, m, p)
	got, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if got.Init != m.Init {
		t.Errorf("init record %+v after a round trip, want %+v", got.Init, m.Init)
	}
	for _, v := range []uint32{1, 2} {
		old := append([]byte(nil), b...)
		binary.LittleEndian.PutUint32(old[16:], v)
		old = bytes.Replace(old, []byte(`"version": 3`), []byte(`"version": `+string(rune('0'+v))), 1)
		binary.LittleEndian.PutUint32(old[len(old)-4:], crc32.Checksum(old[:len(old)-4], castagnoli))
		q := filepath.Join(dir, "old.nem")
		if err := os.WriteFile(q, old, 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := Load(q)
		if err != nil {
			t.Fatalf("version %d: %v", v, err)
		}
		if got.Init != (InitRecord{Kind: metainit.KindRandom}) {
			t.Errorf("version %d file: init %+v, want random", v, got.Init)
		}
	}
	bad := bytes.Replace(b, []byte(`"kind": "learned"`), []byte(`"kind": "lerned!"`), 1)
	binary.LittleEndian.PutUint32(bad[len(bad)-4:], crc32.Checksum(bad[:len(bad)-4], castagnoli))
	if _, err := Decode(bad); err == nil || !strings.Contains(err.Error(), "initialisation.kind") {
		t.Errorf("unknown init kind: %v", err)
	}
}

// A checkpoint fitted from one initialisation is not resumed with another,
// shards of different initialisations do not merge, and an initialisation
// for another network is refused naming both.
func TestFitRefusesOtherInit(t *testing.T) {
	f := fitted(t) // random init
	cp := filepath.Join(t.TempDir(), "cp.nem")
	b, err := os.ReadFile(f.path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cp, b, 0o644); err != nil {
		t.Fatal(err)
	}
	in := testInit(t)
	fail := func(p FitProgress) error { t.Error("training started"); return context.Canceled }
	in.Meta.RegionEdge = tinyTiling.Size
	_, err = Fit(context.Background(), synthMap(), FitOptions{Tiling: tinyTiling, Config: tinyConfig(), Init: in, Checkpoint: cp}, fail)
	if err == nil || !strings.Contains(err.Error(), "initial weights random, this fit learned test.nemi") {
		t.Errorf("resume with another init: %v", err)
	}
	m := f.m
	learned := &NeuralMap{Frame: m.Frame, Norm: m.Norm, Mu: m.Mu, Sigma: m.Sigma, Resolution: m.Resolution, Tiling: m.Tiling, Ramp: m.Ramp,
		Regions: make([]RegionFit, len(m.Regions)), Init: InitRecord{Kind: metainit.KindLearned, Name: in.Name, SHA256: in.SHA256}}
	for i, r := range m.Regions {
		learned.Regions[i].Region = r.Region
	}
	f.m.Source, learned.Source = "a.nem", "b.nem"
	want := "initial weights differs: a.nem has random, b.nem has learned test.nemi (sha256 " + in.SHA256 + ")"
	if _, err := Merge(f.m, learned); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("merge of shards from different inits: %v, want %q", err, want)
	}
	f.m.Source = ""
	cfg := tinyConfig()
	cfg.Width = 12
	_, err = Fit(context.Background(), synthMap(), FitOptions{Tiling: tinyTiling, Config: cfg, Init: in}, fail)
	if err == nil || !strings.Contains(err.Error(), "Width 16") || !strings.Contains(err.Error(), "Width 12") {
		t.Errorf("init for another network: %v", err)
	}
	in.Meta.RegionEdge = 6
	_, err = Fit(context.Background(), synthMap(), FitOptions{Tiling: tinyTiling, Config: tinyConfig(), Init: in}, fail)
	if err == nil || !strings.Contains(err.Error(), "learned on 6-voxel regions") || !strings.Contains(err.Error(), "up to 12 voxels") {
		t.Errorf("init for another region size: %v", err)
	}
}

// Override refuses, naming the field, a change that the options' learned
// initialisation does not fit (its network or region size) and a seed (it
// only draws random weights); with Init nil the same overrides apply.
func TestOverrideWithInit(t *testing.T) {
	in := testInit(t)
	in.Meta.RegionEdge = tinyTiling.Size
	o := FitOptions{Tiling: tinyTiling, Config: tinyConfig(), Init: in}
	w, size, seed, lr := 12, 10, uint64(5), 3e-3
	for _, c := range []struct {
		ov    Override
		field string
		want  string
	}{
		{Override{Width: &w}, "Width", "Width 16"},
		{Override{RegionSize: &size}, "RegionSize", "learned on 12-voxel regions"},
		{Override{Seed: &seed}, "Seed", "no seed with the learned initialisation test.nemi"},
	} {
		_, _, err := o.Override(c.ov)
		var oe *OverrideError
		if !errors.As(err, &oe) || oe.Field != c.field || !strings.Contains(oe.Want, c.want) {
			t.Errorf("override %s with a learned init: %v, want an OverrideError on %s saying %q", c.field, err, c.field, c.want)
		}
		r := o
		r.Init = nil
		if _, _, err := r.Override(c.ov); err != nil {
			t.Errorf("override %s with random init: %v", c.field, err)
		}
	}
	got, _, err := o.Override(Override{LearningRate: &lr})
	if err != nil || got.Init != in || got.Config.LearningRate != lr {
		t.Errorf("a training setting with a learned init: %v (init kept %v, lr %g)", err, got.Init == in, got.Config.LearningRate)
	}
}

// PlanFit makes Fit's initialisation checks and reports the record.
func TestPlanFitInit(t *testing.T) {
	in := testInit(t)
	in.Meta.RegionEdge = tinyTiling.Size
	p, err := PlanFit(synthMap(), FitOptions{Tiling: tinyTiling, Config: tinyConfig(), Init: in})
	if err != nil {
		t.Fatal(err)
	}
	if want := (InitRecord{Kind: metainit.KindLearned, Name: in.Name, SHA256: in.SHA256}); p.Init != want {
		t.Errorf("plan init %+v, want %+v", p.Init, want)
	}
	in.Meta.RegionEdge = 6
	if _, err := PlanFit(synthMap(), FitOptions{Tiling: tinyTiling, Config: tinyConfig(), Init: in}); err == nil || !strings.Contains(err.Error(), "learned on 6-voxel regions") {
		t.Errorf("plan with an init for another region size: %v", err)
	}
}
