package neuralmap

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/neuralem/neuralem/neuralem/grid"
	"github.com/neuralem/neuralem/neuralem/internal/atomicfile"
	"github.com/neuralem/neuralem/neuralem/region"
	"github.com/neuralem/neuralem/neuralem/siren"
)

func ptr[T any](v T) *T { return &v }

// TestOverride: set fields replace the preset's values whatever they are
// (0 included), bad values are errors naming the field and the value, and
// every change is listed.
func TestOverride(t *testing.T) {
	cpu, err := PresetNetwork("cpu") // random initial weights: Width, Seed and RegionSize may change
	if err != nil {
		t.Fatal(err)
	}
	got, changes, err := cpu.Override(Override{Width: ptr(32), LearningRate: ptr(3e-3), MaxSteps: ptr(0), Seed: ptr(uint64(0)), SolveOutput: ptr(true), RegionSize: ptr(20)})
	if err != nil {
		t.Fatal(err)
	}
	if got.Config.Width != 32 || got.Config.LearningRate != 3e-3 || got.Config.MaxSteps != 0 || got.Config.Seed != 0 || !got.Config.SolveOutput || got.Tiling.Size != 20 {
		t.Errorf("override gave %+v %+v", got.Config, got.Tiling)
	}
	var txt []string
	for _, c := range changes {
		txt = append(txt, c.String())
	}
	if want := "Width 64 → 32, LearningRate 0.001 → 0.003, MaxSteps 2000 → 0, Seed 1 → 0, SolveOutput false → true, Optimizer auto → adam, RegionSize 16 → 20"; strings.Join(txt, ", ") != want {
		t.Errorf("changes %q, want %q", strings.Join(txt, ", "), want)
	}
	if cpu.Config.Width != 64 {
		t.Error("Override changed its receiver")
	}
	// K-FAC needs the solved output layer, which it turns on (and says so).
	got, changes, err = cpu.Override(Override{Optimizer: ptr(siren.OptimizerKFAC)})
	txt = txt[:0]
	for _, c := range changes {
		txt = append(txt, c.String())
	}
	if want := "Optimizer auto → kfac, SolveOutput false → true"; err != nil || strings.Join(txt, ", ") != want || got.Config.Optimizer != siren.OptimizerKFAC || !got.Config.SolveOutput {
		t.Errorf("Optimizer kfac: changes %q, error %v; want %q", strings.Join(txt, ", "), err, want)
	}
	if _, ch, err := cpu.Override(Override{}); err != nil || len(ch) != 0 {
		t.Errorf("empty override: %v %v", ch, err)
	}
	nan := math.NaN()
	for _, c := range []struct {
		ov          Override
		field, want string
	}{
		{Override{Width: ptr(-3)}, "Width", "Width = -3"},
		{Override{Width: ptr(0)}, "Width", "Width = 0"},
		{Override{HiddenLayers: ptr(-1)}, "HiddenLayers", "HiddenLayers = -1"},
		{Override{LearningRate: ptr(nan)}, "LearningRate", "LearningRate = NaN"},
		{Override{LearningRate: ptr(-1.0)}, "LearningRate", "LearningRate = -1"},
		{Override{Omega0: ptr(nan)}, "Omega0", "Omega0 = NaN"},
		{Override{Omega0: ptr(-30.0)}, "Omega0", "Omega0 = -30"},
		{Override{FirstOmega0: ptr(nan)}, "FirstOmega0", "FirstOmega0 = NaN"},
		{Override{FirstOmega0: ptr(math.Inf(1))}, "FirstOmega0", "FirstOmega0 = +Inf"},
		{Override{MaxSteps: ptr(-1)}, "MaxSteps", "MaxSteps = -1"},
		{Override{MaxTime: ptr(-5 * time.Second)}, "MaxTime", "MaxTime = -5s"},
		{Override{Patience: ptr(-1)}, "Patience", "Patience = -1"},
		{Override{Patience: ptr(0)}, "Patience", "Patience = 0"},
		{Override{LowLoss: ptr(nan)}, "LowLoss", "LowLoss = NaN"},
		{Override{HighLoss: ptr(-5.0)}, "HighLoss", "HighLoss = -5"},
		{Override{RegionSize: ptr(-5)}, "RegionSize", "RegionSize = -5"},
		{Override{Overlap: ptr(-1)}, "Overlap", "Overlap = -1"},
		{Override{LowLoss: ptr(1e-3)}, "LowLoss", "LowLoss = 0.001: want LowLoss ≤ HighLoss (LowLoss 0.001, HighLoss 0.0004)"},
		{Override{HighLoss: ptr(1e-5)}, "HighLoss", "HighLoss = 1e-05"},
		{Override{MaxSteps: ptr(0), MaxTime: ptr(time.Duration(0))}, "MaxSteps", "a step cap or a time cap"},
		{Override{RegionSize: ptr(4)}, "RegionSize", "RegionSize = 4: want RegionSize > Overlap (region size 4, overlap 4 voxels)"},
		{Override{Overlap: ptr(16)}, "Overlap", "Overlap = 16"},
		{Override{Optimizer: ptr(siren.Optimizer("sgd"))}, "Optimizer", `Optimizer = "sgd": want "adam" or "kfac"`},
		{Override{Optimizer: ptr(siren.OptimizerKFAC), SolveOutput: ptr(false)}, "SolveOutput", `SolveOutput = false: want true with Optimizer "kfac"`},
		{Override{Optimizer: ptr(siren.OptimizerKFAC), LearningRate: ptr(1e-3)}, "LearningRate", `LearningRate = 0.001: want none with Optimizer "kfac"`},
	} {
		_, _, err := cpu.Override(c.ov)
		var oe *OverrideError
		if !errors.As(err, &oe) || oe.Field != c.field || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want an OverrideError on %s containing %q", c.ov, err, c.field, c.want)
		}
	}
}

// TestFitConfig: an unset optimizer is K-FAC (with the solved output
// layer) from a learned initialisation and Adam from random weights; a set
// one is kept; a learning rate or an unsolved output layer in an Override
// asks for Adam.
func TestFitConfig(t *testing.T) {
	learned, err := Preset("cpu")
	if err != nil {
		t.Fatal(err)
	}
	random := learned
	random.Init = nil
	kfacRandom, _, err := random.Override(Override{Optimizer: ptr(siren.OptimizerKFAC)})
	if err != nil {
		t.Fatal(err)
	}
	lr, _, err := learned.Override(Override{LearningRate: ptr(2e-3)})
	if err != nil {
		t.Fatal(err)
	}
	plain, _, err := learned.Override(Override{SolveOutput: ptr(false)})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		o     FitOptions
		opt   siren.Optimizer
		solve bool
	}{
		{"learned", learned, siren.OptimizerKFAC, true},
		{"random", random, siren.OptimizerAdam, false},
		{"random, --optimizer kfac", kfacRandom, siren.OptimizerKFAC, true},
		{"learned, --lr", lr, siren.OptimizerAdam, false},
		{"learned, --solve-output=false", plain, siren.OptimizerAdam, false},
	} {
		got := c.o.FitConfig()
		if got.Optimizer != c.opt || got.SolveOutput != c.solve {
			t.Errorf("%s: FitConfig optimizer %q, output solved %v; want %q, %v", c.name, got.Optimizer, got.SolveOutput, c.opt, c.solve)
		}
	}
}

// TestPlanRefusesWhatFitRefuses: PlanFit (fit --dry-run) refuses every
// input Fit refuses, with the same error (issue 13 case 11: a constant
// map and --regions 0,99 passed the dry run).
func TestPlanRefusesWhatFitRefuses(t *testing.T) {
	constant := synthMap()
	for i := range constant.Data {
		constant.Data[i] = 0.7
	}
	opts := FitOptions{Tiling: tinyTiling, Config: tinyConfig()}
	withRegions := opts
	withRegions.Regions = []int{0, 99}
	badCfg := opts
	badCfg.Config.Patience = 0
	for _, c := range []struct {
		name string
		g    *grid.Grid
		opts FitOptions
	}{
		{"constant map", constant, opts},
		{"region out of range", synthMap(), withRegions},
		{"bad config", synthMap(), badCfg},
		{"nil grid", nil, opts},
	} {
		_, perr := PlanFit(c.g, c.opts)
		_, ferr := Fit(context.Background(), c.g, c.opts, func(FitProgress) error { return errors.New("trained") })
		if perr == nil || ferr == nil || perr.Error() != ferr.Error() {
			t.Errorf("%s: PlanFit %v, Fit %v: want the same error", c.name, perr, ferr)
		}
	}
	p, err := PlanFit(synthMap(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if p.Regions != 8 || len(p.ToFit) != 8 || p.Params != 4*16+(16*16+16)+17 || p.RegionShape != [3]int{12, 12, 12} {
		t.Errorf("plan %+v", p)
	}
}

// TestEstimateTime times a few steps and extrapolates with the stated
// assumption.
func TestEstimateTime(t *testing.T) {
	p, err := PlanFit(synthMap(), FitOptions{Tiling: tinyTiling, Config: tinyConfig(), Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	e, err := p.EstimateTime(context.Background(), 5, 150, "test")
	if err != nil {
		t.Fatal(err)
	}
	if e.TimedSteps != 5 || e.Regions != 8 || e.Workers != 2 || e.PerStep <= 0 || e.Compile <= 0 {
		t.Fatalf("estimate %+v", e)
	}
	if want := e.Compile + 4*150*e.PerStep; e.Wall != want {
		t.Errorf("wall %v, want compile + ⌈8/2⌉·150·step = %v", e.Wall, want)
	}
	if want := e.Compile + 4*150*e.PerStep; e.MaxWall != want { // tinyConfig caps at 150 steps
		t.Errorf("max wall %v, want %v", e.MaxWall, want)
	}
	if _, err := p.EstimateTime(context.Background(), 2, 150, ""); err == nil {
		t.Error("2 timed steps accepted")
	}
}

// TestFitLock: a second Fit of the same checkpoint fails at once naming
// the holder's PID, and the first is unaffected.
func TestFitLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "locked"+FileExt)
	l, err := atomicfile.Lock(path)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = Fit(context.Background(), synthMap(), FitOptions{Tiling: tinyTiling, Config: tinyConfig(), Checkpoint: path}, nil)
	var le *atomicfile.LockedError
	if !errors.As(err, &le) || le.PID != os.Getpid() || !strings.Contains(err.Error(), fmt.Sprint(os.Getpid())) {
		t.Errorf("second writer: %v, want a LockedError naming PID %d", err, os.Getpid())
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("the second writer waited %v: it must fail at once", time.Since(start))
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the refused fit wrote %s", path)
	}
	if _, err := PlanFit(synthMap(), FitOptions{Tiling: tinyTiling, Config: tinyConfig(), Checkpoint: path}); !errors.As(err, &le) {
		t.Errorf("PlanFit under the lock: %v", err)
	}
	l.Release()
}

// TestFitCleansStaleTemporaries: a temporary left by a killed writer of the
// checkpoint is removed by the next fit; another output's is not.
func TestFitCleansStaleTemporaries(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m"+FileExt)
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(dir, fmt.Sprintf(".m%s.tmp-%d-00000001", FileExt, cmd.Process.Pid))
	old := filepath.Join(dir, ".m"+FileExt+".tmp-3141592653") // an older build's name
	other := filepath.Join(dir, fmt.Sprintf(".n%s.tmp-%d-00000001", FileExt, cmd.Process.Pid))
	for _, p := range []string{stale, old, other} {
		os.WriteFile(p, []byte("partial"), 0o644)
	}
	hourAgo := time.Now().Add(-time.Hour)
	os.Chtimes(old, hourAgo, hourAgo)
	cfg := tinyConfig()
	cfg.MaxSteps = 2
	if _, err := Fit(context.Background(), synthMap(), FitOptions{Tiling: tinyTiling, Config: cfg, Checkpoint: path, Regions: []int{0}}, nil); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{stale, old} {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("stale temporary %s left", p)
		}
	}
	if _, err := os.Stat(other); err != nil {
		t.Errorf("another output's temporary was removed: %v", err)
	}
	if _, err := os.Stat(path + atomicfile.LockSuffix); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("lock file left after the fit: %v", err)
	}
}

// TestFitWithParentNormalization: a crop fitted with its parent map's
// normalisation has the parent's μ, σ and scale, records where they came
// from, and a map outside the given range is refused.
func TestFitWithParentNormalization(t *testing.T) {
	parent := synthMap()
	pn, err := grid.FitNormalization(parent)
	if err != nil {
		t.Fatal(err)
	}
	crop, err := grid.Crop(parent, [3]int{2, 2, 2}, [3]int{14, 14, 14})
	if err != nil {
		t.Fatal(err)
	}
	cfg := tinyConfig()
	cfg.MaxSteps = 1
	m, err := Fit(context.Background(), crop, FitOptions{Tiling: region.Options{Size: 12, Overlap: 4}, Config: cfg, Normalization: &pn, NormalizationSource: "parent map (test)"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if m.Norm != pn || m.Mu != pn.Mean01 || m.Sigma != pn.Std01 || m.NormSource != "parent map (test)" {
		t.Errorf("norm %+v μ %g σ %g source %q, want the parent's %+v", m.Norm, m.Mu, m.Sigma, m.NormSource, pn)
	}
	own, _ := grid.FitNormalization(crop)
	if own.Mean01 == pn.Mean01 {
		t.Fatal("test map: the crop's own μ equals the parent's")
	}
	path := filepath.Join(t.TempDir(), "c.nem")
	if err := m.Save(path); err != nil {
		t.Fatal(err)
	}
	back, err := Load(path)
	if err != nil || back.NormSource != m.NormSource || back.Source != path {
		t.Errorf("reloaded: %v, source %q, file %q", err, back.NormSource, back.Source)
	}
	small := pn
	small.Hi = pn.Hi / 2
	if _, err := PlanFit(crop, FitOptions{Tiling: region.Options{Size: 12, Overlap: 4}, Config: cfg, Normalization: &small}); err == nil || !strings.Contains(err.Error(), "not a crop of the map") {
		t.Errorf("a normalisation that does not cover the map: %v", err)
	}
}

// TestTrainingSummary: worst, median and counts by stop reason from the
// stored reports, checked by hand on randomNetMap's eight reports (steps
// 10…17, best loss 1e-4·(i+1), all stopped by MaxSteps).
func TestTrainingSummary(t *testing.T) {
	m := randomNetMap(t, 8)
	m.Regions[2].Report.StopReason = "natural fit point"
	m.Regions[5].Net = nil
	s := m.TrainingSummary()
	// Fitted regions 0–4, 6, 7: steps 10 11 12 13 14 16 17, losses (i+1)e-4.
	if s.Regions != 8 || s.Fitted != 7 || s.Steps != 93 || s.MedianSteps != 13 || s.MaxSteps != 17 ||
		s.WorstRegion != 7 || math.Abs(s.WorstLoss-8e-4) > 1e-15 || math.Abs(s.MedianLoss-4e-4) > 1e-15 ||
		s.ByStopReason["MaxSteps reached"] != 6 || s.ByStopReason["natural fit point"] != 1 || s.AboveHighLoss != 3 {
		t.Errorf("summary %+v", s)
	}
	txt := s.String()
	for _, w := range []string{"7 of 8 regions fitted, 93 steps (median 13, max 17 per region)", "worst 0.0008 (region 7), median 0.0004", "3 above HighLoss", "6 MaxSteps reached, 1 natural fit point"} {
		if !strings.Contains(txt, w) {
			t.Errorf("summary text %q lacks %q", txt, w)
		}
	}
}
