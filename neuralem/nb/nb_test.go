package nb

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/neuralem/neuralem/neuralem/neuralmap"
	"github.com/neuralem/neuralem/neuralem/region"
	"github.com/neuralem/neuralem/neuralem/siren"
)

func TestMust(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(error).Error(), "boom") {
			t.Errorf("Must1 with an error: recovered %v, want the error", r)
		}
	}()
	if v := Must1(42, nil); v != 42 {
		t.Errorf("Must1 = %v", v)
	}
	if a, b := Must2("a", 2, nil); a != "a" || b != 2 {
		t.Errorf("Must2 = %v, %v", a, b)
	}
	Must1(0, errors.New("boom"))
}

func TestPaths(t *testing.T) {
	root := t.TempDir()
	t.Setenv("GONB_DIR", filepath.Join(root, "notebooks"))
	if got := RepoPath("neuralem/testdata/x"); got != filepath.Join(root, "neuralem", "testdata", "x") {
		t.Errorf("RepoPath = %s", got)
	}
	t.Setenv(CacheEnv, "")
	if got := CacheDir(); got != filepath.Join(root, "notebooks", ".cache") {
		t.Errorf("CacheDir = %s", got)
	}
	cache := filepath.Join(t.TempDir(), "c")
	t.Setenv(CacheEnv, cache)
	if got := CachePath("a.json"); got != filepath.Join(cache, "a.json") {
		t.Errorf("CachePath = %s", got)
	}
	if st, err := os.Stat(cache); err != nil || !st.IsDir() {
		t.Errorf("CacheDir did not create %s: %v", cache, err)
	}
	t.Setenv("NEURALEM_SHARED_DATA", filepath.Join(root, "nowhere"))
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "shared data not found in "+filepath.Join(root, "nowhere")) {
			t.Errorf("missing shared data: recovered %v", r)
		}
	}()
	SharedPath("maps/x.mrc")
}

func TestCached(t *testing.T) {
	t.Setenv(CacheEnv, t.TempDir())
	calls := 0
	compute := func() [][]float64 {
		calls++
		return [][]float64{{1, math.NaN()}, {math.Inf(1), 0.5}}
	}
	a := Cached("sweep.gob", compute)
	b := Cached("sweep.gob", compute)
	if calls != 1 {
		t.Errorf("computed %d times, want once", calls)
	}
	if !math.IsNaN(b[0][1]) || !math.IsInf(b[1][0], 1) || b[1][1] != 0.5 || a[0][0] != b[0][0] {
		t.Errorf("round trip %v → %v", a, b)
	}
	if tb := Table(2, 3); len(tb) != 2 || len(tb[1]) != 3 || !math.IsNaN(tb[1][2]) {
		t.Errorf("Table(2, 3) = %v", tb)
	}
}

// Loss keeps the curves of a run that trained and draws them again when a
// re-run trains nothing (its fit loaded from a checkpoint).
func TestLossKeepsCurves(t *testing.T) {
	t.Setenv(CacheEnv, t.TempDir())
	l := NewLoss("fit", "loss.json")
	cb := l.Fit("random")
	reg := region.Region{ID: 3}
	for step, loss := range []float64{1, 0.1, 0.01} {
		if err := cb(neuralmap.FitProgress{Region: reg, Total: 1, Step: siren.Progress{Step: step, Loss: loss}}); err != nil {
			t.Fatal(err)
		}
	}
	_ = cb(neuralmap.FitProgress{Region: reg, Total: 1, Done: true}) // a finished region adds no point…
	if saved, err := readCurves(CachePath("loss.json")); err != nil || len(saved) != 1 || len(saved[0].Loss) != 3 {
		t.Fatalf("after region 3 was done (before Close): kept %+v, %v; want its curve saved", saved, err)
	}
	all := l.Fit("")
	_ = all(neuralmap.FitProgress{Region: region.Region{ID: 5}, Total: 2, Step: siren.Progress{Step: 0, Loss: 0.5}})
	l.Close()
	kept, err := readCurves(CachePath("loss.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(kept) != 2 || kept[0].Name != "random" || len(kept[0].Loss) != 3 || kept[1].Name != "region 5" {
		t.Fatalf("kept curves %+v", kept)
	}
	// A re-run: nothing recorded, the kept curves are drawn (outside a notebook, nothing is shown).
	again := NewLoss("fit", "loss.json")
	again.Close()
	if n := len(again.Curves()); n != 0 {
		t.Errorf("re-run recorded %d curves", n)
	}
	// A partial re-run replaces the curves of the regions it trained and keeps the others.
	part := NewLoss("fit", "loss.json")
	_ = part.Fit("")(neuralmap.FitProgress{Region: region.Region{ID: 5}, Total: 2, Step: siren.Progress{Step: 0, Loss: 0.25}})
	part.Close()
	kept, _ = readCurves(CachePath("loss.json"))
	if len(kept) != 2 || kept[1].Loss[0] != 0.25 || len(kept[0].Loss) != 3 {
		t.Errorf("after a partial re-run: %+v", kept)
	}
}

func TestRowsMarkdown(t *testing.T) {
	rows := []map[string]any{
		{"model": "5gob", "resolution_A": 1.15, "neural_mae": 0.012345678, "regions": 8.0, "ok": true},
		{"model": "a|b", "resolution_A": 2.0, "neural_mae": math.NaN(), "regions": 1234567.0},
	}
	got := RowsMarkdown(rows, "model", "resolution_A:resolution (Å)", "neural_mae:neural MAE", "regions", "ok", "missing")
	want := "| model | resolution (Å) | neural MAE | regions | ok | missing |\n|---|---|---|---|---|---|\n" +
		"| 5gob | 1.15 | 0.0123 | 8 | yes | – |\n| a\\|b | 2 | – | 1.23e+06 | – | – |\n"
	if got != want {
		t.Errorf("RowsMarkdown =\n%s\nwant\n%s", got, want)
	}
}

func TestAbout(t *testing.T) {
	for _, c := range []struct{ in, want int }{{0, 0}, {57, 57}, {99, 99}, {100, 100}, {154, 150}, {155, 160}, {1234, 1200}, {2750, 2800}, {-1234, -1200}} {
		if got := About(c.in); got != c.want {
			t.Errorf("About(%d) = %d, want %d", c.in, got, c.want)
		}
	}
}

func TestCropNeuralMapUnknownInit(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(error).Error(), `"lerned"`) {
			t.Errorf("CropNeuralMap(\"lerned\"): recovered %v, want an error naming the value", r)
		}
	}()
	CropNeuralMap("lerned")
}
