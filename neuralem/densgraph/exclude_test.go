package densgraph

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
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

// TestWriteFileAtomic: a write that fails (a node that does not fit PDB
// columns) leaves the previous file and no temporary; CSV writes both
// tables.
func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	good := &Graph{Nodes: []Node{{Pos: geom.Point{1, 2, 3}, Density: 0.5, Size: 1}}}
	p := filepath.Join(dir, "g.pdb")
	if err := WriteFile(p, good); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(p)
	bad := &Graph{Nodes: []Node{{Pos: geom.Point{20000, 2, 3}, Density: 0.5, Size: 1}}}
	if err := WriteFile(p, bad); err == nil || !strings.Contains(err.Error(), "g.pdb") {
		t.Errorf("unwritable graph: %v", err)
	}
	if after, _ := os.ReadFile(p); !bytes.Equal(after, before) {
		t.Error("a failed write changed the previous file")
	}
	if err := WriteFile(filepath.Join(dir, "g.csv"), good); err != nil {
		t.Fatal(err)
	}
	es, _ := os.ReadDir(dir)
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	if strings.Join(names, " ") != "g.csv g.pdb g_edges.csv" {
		t.Errorf("directory holds %v", names)
	}
}
