package densgraph

import (
	"testing"

	"github.com/neuralem/neuralem/neuralem/geom"
)

// TestMaskExclude: seeds near the excluded atoms only are dropped and
// counted (the density of chains not scored), seeds near the kept atoms
// stay, and the count matches seeding the excluded atoms alone.
func TestMaskExclude(t *testing.T) {
	f := testField()
	keep := []geom.Point{f.centres[0], f.centres[1]}
	drop := []geom.Point{f.centres[2], f.centres[3]}
	thr := Absolute(0.3)
	only, _, err := Seed(f, SeedOptions{Threshold: thr, Mask: &Mask{Atoms: keep, Margin: 2}})
	if err != nil {
		t.Fatal(err)
	}
	dropped, _, err := Seed(f, SeedOptions{Threshold: thr, Mask: &Mask{Atoms: drop, Margin: 2}})
	if err != nil {
		t.Fatal(err)
	}
	got, rep, err := Seed(f, SeedOptions{Threshold: thr, Mask: &Mask{Atoms: keep, Exclude: drop, Margin: 2}})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(only) || rep.Excluded != len(dropped) || rep.Excluded == 0 {
		t.Errorf("kept %d (alone %d), excluded %d (the excluded atoms' own seeds %d)", len(got), len(only), rep.Excluded, len(dropped))
	}
	if rep.Masked+rep.Sampled != rep.Made {
		t.Errorf("report %+v", rep)
	}
}
