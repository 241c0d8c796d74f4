package metainit

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/neuralem/neuralem/neuralem/internal/atomicfile"
	"github.com/neuralem/neuralem/neuralem/internal/shared"
	"github.com/neuralem/neuralem/neuralem/siren"
)

// tinyConfig is a small network for fast tests.
func tinyConfig() siren.Config {
	return siren.Config{Width: 8, HiddenLayers: 1, Omega0: 30, Init: siren.InitPaper, LearningRate: 1e-3,
		MaxSteps: 100, Patience: 25, LowLoss: 1e-4, HighLoss: 4e-4, Seed: 1}
}

// tinyDataset holds n smooth 4³ regions (Gaussian blobs at random centres).
func tinyDataset(n int) *Dataset {
	const e = 4
	rng := rand.New(rand.NewPCG(5, 6))
	d := &Dataset{Edge: e, Sources: []Source{{Name: "blobs", Model: "none", Resolution: 1, Regions: n}}}
	for range n {
		c := [3]float64{rng.Float64()*2 - 1, rng.Float64()*2 - 1, rng.Float64()*2 - 1}
		r := make([]float32, 0, e*e*e)
		for k := range e {
			for j := range e {
				for i := range e {
					x := [3]float64{-1 + 2*float64(i)/3, -1 + 2*float64(j)/3, -1 + 2*float64(k)/3}
					d2 := (x[0]-c[0])*(x[0]-c[0]) + (x[1]-c[1])*(x[1]-c[1]) + (x[2]-c[2])*(x[2]-c[2])
					r = append(r, float32(2*math.Exp(-d2/0.5)-1))
				}
			}
		}
		d.Regions = append(d.Regions, r)
		d.From = append(d.From, 0)
	}
	return d
}

// One outer step equals the Reptile update computed independently: each
// drawn region trained alone (siren.Trainer, not the stack) for k steps from
// θ, and θ + ε·(mean φ − θ).
func TestTrainReptileStep(t *testing.T) {
	cfg := tinyConfig()
	ds := tinyDataset(6)
	opts := TrainOptions{OuterSteps: 1, Batch: 3, InnerSteps: 4, InnerLR: 2e-3, MetaLR: 0.5, Seed: 9, Workers: 2}
	got, err := Train(context.Background(), ds, cfg, opts, nil, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Reference.
	c := cfg
	c.Seed = opts.Seed
	theta, err := siren.NewNet(c)
	if err != nil {
		t.Fatal(err)
	}
	inner := cfg
	inner.LearningRate, inner.MaxSteps, inner.LowLoss, inner.HighLoss, inner.Patience = opts.InnerLR, opts.InnerSteps, 0, 0, opts.InnerSteps+1
	tr, err := siren.NewTrainer(nil, inner)
	if err != nil {
		t.Fatal(err)
	}
	x, _ := siren.RegionCoords([3]int{4, 4, 4})
	rng := rand.New(rand.NewPCG(opts.Seed, 0x7e9711e))
	var phis []*siren.Net
	for range opts.Batch {
		y := ds.Sample(rng, rng.IntN(len(ds.Regions)))
		phi, rep, err := tr.FitFrom(context.Background(), theta, x, y, nil)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Steps != opts.InnerSteps {
			t.Fatalf("inner loop made %d steps, want %d", rep.Steps, opts.InnerSteps)
		}
		phis = append(phis, phi)
	}
	moved := 0.0
	for l, L := range theta.Layers {
		for i := range L.W {
			var s float64
			for _, p := range phis {
				s += float64(p.Layers[l].W[i])
			}
			want := float64(L.W[i]) + 0.5*(s/3-float64(L.W[i]))
			if g := float64(got.Net.Layers[l].W[i]); math.Abs(g-want) > 1e-5*math.Max(1, math.Abs(want)) {
				t.Fatalf("layer %d W[%d] = %.7g, want %.7g", l, i, g, want)
			}
			moved = math.Max(moved, math.Abs(want-float64(L.W[i])))
		}
	}
	if moved < 1e-4 {
		t.Errorf("θ moved by at most %g: the test does not exercise the update", moved)
	}
	if got.Meta.Done != 1 || got.Meta.Method != "reptile" {
		t.Errorf("meta %+v, want Done 1, Method reptile", got.Meta)
	}
}

// A run stopped and resumed from its checkpoint ends with exactly the
// weights of an uninterrupted run.
func TestTrainResumeExact(t *testing.T) {
	cfg := tinyConfig()
	ds := tinyDataset(5)
	opts := TrainOptions{OuterSteps: 4, Batch: 2, InnerSteps: 3, InnerLR: 1e-3, MetaLR: 0.8, MetaLRFinal: 0.2, Seed: 2, Workers: 1}
	full, err := Train(context.Background(), ds, cfg, opts, nil, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	stop := errors.New("stop")
	part, err := Train(context.Background(), ds, cfg, opts, nil, nil, nil, func(p TrainProgress) error {
		if p.Step == 2 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || part.Meta.Done != 2 {
		t.Fatalf("stopped run: %v, %d steps done; want the callback's error after 2", err, part.Meta.Done)
	}
	rest, err := Train(context.Background(), ds, cfg, opts, nil, part, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for l := range full.Net.Layers {
		for i, w := range full.Net.Layers[l].W {
			if rest.Net.Layers[l].W[i] != w {
				t.Fatalf("resumed run: layer %d W[%d] = %g, uninterrupted %g", l, i, rest.Net.Layers[l].W[i], w)
			}
		}
	}
	other := opts
	other.InnerSteps = 5
	if _, err := Train(context.Background(), ds, cfg, other, nil, part, nil, nil); err == nil || !strings.Contains(err.Error(), "checkpoint was made with") {
		t.Errorf("resume with other options: %v", err)
	}
}

// Run writes a checkpoint, resumes it to the same result as one
// uninterrupted run, returns a finished file as is, and refuses to write
// over one of its inputs.
func TestRunCheckpoint(t *testing.T) {
	crn := shared.Path(t, "models/sim/1CRN.cif")
	dir := t.TempDir()
	cfg := tinyConfig()
	opts := RunOptions{Preset: "test", Config: cfg, Edge: 4,
		Sources: []Source{{Name: "1CRN", Model: crn, Resolution: 2, Regions: 4}},
		Data:    DefaultDataOptions(4, 0), Train: TrainOptions{OuterSteps: 5, Batch: 2, InnerSteps: 2, InnerLR: 1e-3, MetaLR: 0.5, Seed: 3, Workers: 1},
		Output: filepath.Join(dir, "a.nemi"), CheckpointEvery: 2, Command: "test"}
	full, err := Run(context.Background(), opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	if full.Meta.Done != 5 || full.Meta.Preset != "test" || full.Meta.RegionEdge != 4 || len(full.Meta.Sources) != 1 {
		t.Fatalf("meta %+v", full.Meta)
	}
	opts.Output = filepath.Join(dir, "b.nemi")
	stop := errors.New("stop")
	saves := 0
	_, err = Run(context.Background(), opts, func(p RunProgress) error {
		if p.CheckpointSave {
			saves++
		}
		if p.Train != nil && p.Train.Step == 3 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || saves != 1 {
		t.Fatalf("interrupted run: %v after %d checkpoint saves; want the callback's error after 1", err, saves)
	}
	part, err := Load(opts.Output)
	if err != nil {
		t.Fatal(err)
	}
	if part.Meta.Done != 3 {
		t.Fatalf("the interrupted run saved %d steps, want 3", part.Meta.Done)
	}
	if _, err := Resolve(opts.Output, "test", cfg); !errors.Is(err, ErrUnfinished) {
		t.Errorf("using an unfinished file: %v, want ErrUnfinished", err)
	}
	resumed := -1
	done, err := Run(context.Background(), opts, func(p RunProgress) error {
		if p.Resumed > 0 {
			resumed = p.Resumed
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if resumed != 3 {
		t.Errorf("resumed at %d, want 3", resumed)
	}
	for l := range full.Net.Layers {
		for i, w := range full.Net.Layers[l].W {
			if done.Net.Layers[l].W[i] != w {
				t.Fatalf("resumed run: layer %d W[%d] = %g, uninterrupted %g", l, i, done.Net.Layers[l].W[i], w)
			}
		}
	}
	if again, err := Run(context.Background(), opts, func(p RunProgress) error { t.Error("a finished file was trained again"); return nil }); err != nil || again.SHA256 != done.SHA256 {
		t.Errorf("finished file: %v, SHA256 %s, want it returned as is (%s)", err, again.SHA256, done.SHA256)
	}
	lock, err := atomicfile.Lock(opts.Output) // another meta-train writing it
	if err != nil {
		t.Fatal(err)
	}
	var le *atomicfile.LockedError
	if _, err := Run(context.Background(), opts, nil); !errors.As(err, &le) || le.PID != os.Getpid() {
		t.Errorf("a second writer: %v, want a *LockedError naming this process", err)
	}
	lock.Release()
	changed := opts
	changed.Train.MetaLR = 0.4
	if _, err := Run(context.Background(), changed, nil); err == nil || !strings.Contains(err.Error(), "made differently") {
		t.Errorf("other options on an existing file: %v", err)
	}
	// Fine-tuning: a run from an initialisation records it, and a file made
	// from random weights is not resumed as a fine-tune.
	fromFull := opts
	fromFull.From, fromFull.Output = full, filepath.Join(dir, "c.nemi")
	fromFull.Train.OuterSteps = 1
	c, err := Run(context.Background(), fromFull, nil)
	if err != nil || c.Meta.Train.From != full.SHA256 {
		t.Fatalf("run from an initialisation: %v, Train.From %q, want %s", err, c.Meta.Train.From, full.SHA256)
	}
	fromFull.Output = opts.Output
	fromFull.Train.OuterSteps = 5
	if _, err := Run(context.Background(), fromFull, nil); err == nil || !strings.Contains(err.Error(), "started from random weights, now from the initialisation with sha256 "+full.SHA256) {
		t.Errorf("a random-weights file resumed as a fine-tune: %v", err)
	}
	opts.Output = crn
	if _, err := Run(context.Background(), opts, nil); err == nil || !strings.Contains(err.Error(), "is the input") {
		t.Errorf("output over an input: %v", err)
	}
}

// TestShortenSchedule: a shortened run follows the planned meta step up to
// the step where it was shortened, then decays without a jump to the final
// value at the new last step; impossible shortenings are refused.
func TestShortenSchedule(t *testing.T) {
	o := TrainOptions{OuterSteps: 6000, Batch: 4, InnerSteps: 10, InnerLR: 1e-3, MetaLR: 0.5, MetaLRFinal: 0, Seed: 1}
	s, err := o.Shorten(2000, 2500)
	if err != nil {
		t.Fatal(err)
	}
	if s.ShortenedAt != 2000 || s.PlannedSteps != 6000 || s.OuterSteps != 2500 {
		t.Fatalf("Shorten(2000, 2500) = %+v", s)
	}
	for _, st := range []int{0, 1000, 1999} {
		if a, b := s.metaLR(st), o.metaLR(st); a != b {
			t.Errorf("step %d: shortened meta step %g, planned %g (want equal before the cut)", st, a, b)
		}
	}
	at := o.metaLR(2000) // 0.5·(1 − 2000/6000) = 1/3
	if d := s.metaLR(2000) - at; d*d > 1e-24 {
		t.Errorf("step 2000: %g, want %g (no jump)", s.metaLR(2000), at)
	}
	if got, want := s.metaLR(2250), at/2; (got-want)*(got-want) > 1e-24 {
		t.Errorf("step 2250: %g, want %g (halfway to 0)", got, want)
	}
	if got := s.metaLR(2500); got*got > 1e-24 {
		t.Errorf("step 2500: %g, want 0", got)
	}
	for _, c := range [][2]int{{0, 2500}, {2500, 2500}, {2000, 6000}, {2000, 7000}} {
		if _, err := o.Shorten(c[0], c[1]); err == nil {
			t.Errorf("Shorten(%d, %d) accepted", c[0], c[1])
		}
	}
	if _, err := s.Shorten(2100, 2200); err == nil {
		t.Error("shortening twice accepted")
	}
}

// A Run with off-grid points is deterministic (two runs give the same
// weights), differs from one without, records M in the file, and an output
// made with another M is not resumed.
func TestRunOffGrid(t *testing.T) {
	crn := shared.Path(t, "models/sim/1CRN.cif")
	dir := t.TempDir()
	opts := RunOptions{Preset: "test", Config: tinyConfig(), Edge: 4,
		Sources: []Source{{Name: "1CRN", Model: crn, Resolution: 2, Regions: 4}},
		Data:    DefaultDataOptions(4, 0), Train: TrainOptions{OuterSteps: 3, Batch: 2, InnerSteps: 2, InnerLR: 1e-3, MetaLR: 0.5, Seed: 3, Workers: 1},
		Command: "test"}
	opts.Data.OffGrid = 60
	run := func(name string, o RunOptions) *Init {
		t.Helper()
		o.Output = filepath.Join(dir, name)
		if _, err := Run(context.Background(), o, nil); err != nil {
			t.Fatal(err)
		}
		in, err := Load(o.Output)
		if err != nil {
			t.Fatal(err)
		}
		return in
	}
	a, b := run("a.nemi", opts), run("b.nemi", opts)
	plain := opts
	plain.Data.OffGrid = 0
	c := run("c.nemi", plain)
	if a.Meta.OffGrid != 60 || c.Meta.OffGrid != 0 {
		t.Errorf("recorded off-grid points %d and %d, want 60 and 0", a.Meta.OffGrid, c.Meta.OffGrid)
	}
	differ := false
	for l := range a.Net.Layers {
		for i, w := range a.Net.Layers[l].W {
			if b.Net.Layers[l].W[i] != w {
				t.Fatalf("two runs: layer %d W[%d] = %g and %g", l, i, w, b.Net.Layers[l].W[i])
			}
			differ = differ || c.Net.Layers[l].W[i] != w
		}
	}
	if !differ {
		t.Error("off-grid supervision left the weights exactly as without it")
	}
	other := plain
	other.Output = filepath.Join(dir, "a.nemi")
	if _, err := Run(context.Background(), other, nil); err == nil || !strings.Contains(err.Error(), "60 off-grid points, now 0") {
		t.Errorf("resuming a file made with 60 off-grid points without them: %v", err)
	}
}

// Train from an initialisation starts from its weights (with a negligible
// meta step it returns them), records its SHA-256 in Train.From, and
// refuses a missing, mismatched or other-network start, and a checkpoint
// of the run resumed without it.
func TestTrainFrom(t *testing.T) {
	cfg := tinyConfig()
	ds := tinyDataset(5)
	opts := TrainOptions{OuterSteps: 2, Batch: 2, InnerSteps: 3, InnerLR: 1e-3, MetaLR: 0.8, MetaLRFinal: 0.2, Seed: 2, Workers: 1}
	a, err := Train(context.Background(), ds, cfg, opts, nil, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	a.Meta.Preset, a.Meta.RegionEdge = "tiny", 4 // what Run records
	path := filepath.Join(t.TempDir(), "a"+FileExt)
	if err := a.Save(path); err != nil {
		t.Fatal(err)
	}
	if a, err = Load(path); err != nil {
		t.Fatal(err)
	}
	fine := TrainOptions{OuterSteps: 2, Batch: 2, InnerSteps: 5, InnerLR: 1e-3, MetaLR: 1e-9, MetaLRFinal: 0, Seed: 3, Workers: 1, From: a.SHA256}
	b, err := Train(context.Background(), ds, cfg, fine, a, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if b.Meta.Train.From != a.SHA256 {
		t.Errorf("Train.From = %q, want %q", b.Meta.Train.From, a.SHA256)
	}
	for l := range a.Net.Layers {
		for i, w := range a.Net.Layers[l].W {
			if d := math.Abs(float64(b.Net.Layers[l].W[i] - w)); d > 1e-6 {
				t.Fatalf("layer %d W[%d] = %g after a 1e-9 meta step from %g: not started from the initialisation", l, i, b.Net.Layers[l].W[i], w)
			}
		}
	}
	noFrom := fine
	noFrom.From = ""
	other := tinyConfig()
	other.Width++
	for _, c := range []struct {
		name  string
		opts  TrainOptions
		from  *Init
		start *Init
		cfg   siren.Config
		want  string
	}{
		{"From without an initialisation", fine, nil, nil, cfg, "no initialisation to start from"},
		{"an initialisation without From", noFrom, a, nil, cfg, "but From ="},
		{"another network", fine, a, nil, other, "network"},
		{"its checkpoint resumed without From", noFrom, nil, b, cfg, "checkpoint was made with"},
	} {
		if _, err := Train(context.Background(), ds, c.cfg, c.opts, c.from, c.start, nil, nil); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error with %q", c.name, err, c.want)
		}
	}
}
