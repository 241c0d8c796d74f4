package notebooks

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
)

// maxCellLines is the most lines a code cell may have: a cell is a few
// library calls; helpers live in a package (neuralem/nb), not a pasted cell.
const maxCellLines = 25

// longCells returns the indices and line counts of the code cells of nb
// with more than maxCellLines lines.
func longCells(nb *nbFile) map[int]int {
	out := map[int]int{}
	for i, c := range nb.Cells {
		if c.CellType != "code" {
			continue
		}
		src := strings.TrimRight(multiline(c.Source), "\n")
		if n := strings.Count(src, "\n") + 1; n > maxCellLines {
			out[i] = n
		}
	}
	return out
}

// The paper is cited by a path relative to the repository root.
const paperPath = "../shared/paper/neural-cryo-em-maps.md"

// absPath matches an absolute path of this machine's layout in a notebook's
// text (the repository must not depend on where it is checked out).
var absPath = regexp.MustCompile(`/work/|/root/|/home/`)

// TestNotebookSources checks the committed notebooks without running them:
// outputs stripped, every code cell at most maxCellLines lines, no struct
// dumps (%+v), no absolute paths, the paper cited by its relative path, and
// the setup cell hiding the go command's "go: added" lines.
func TestNotebookSources(t *testing.T) {
	for _, nbk := range notebooksToRun {
		t.Run(strings.TrimSuffix(nbk.file, ".ipynb"), func(t *testing.T) {
			raw, err := os.ReadFile(nbk.file)
			if err != nil {
				t.Fatal(err)
			}
			var nb nbFile
			if err := json.Unmarshal(raw, &nb); err != nil {
				t.Fatalf("%s: not a notebook: %v", nbk.file, err)
			}
			for i, n := range longCells(&nb) {
				t.Errorf("code cell %d has %d lines, more than %d: move helpers into a package", i, n, maxCellLines)
			}
			all := ""
			setupSeen := false
			for i, c := range nb.Cells {
				src := multiline(c.Source)
				all += src
				if c.CellType != "code" {
					continue
				}
				if len(c.Outputs) > 0 || c.ExecutionCount != nil {
					t.Errorf("code cell %d has outputs or an execution count: strip them (notebooks/README.md)", i)
				}
				if strings.Contains(src, "%+v") {
					t.Errorf("code cell %d prints a struct with %%+v: print the fields people need, rounded, with units", i)
				}
				if !setupSeen {
					setupSeen = true
					if !strings.Contains(src, "go work init") || !strings.Contains(src, "2>&1)") {
						t.Errorf("first code cell is not the setup cell that hides the go command's output:\n%s", src)
					}
				}
			}
			if m := absPath.FindString(all); m != "" {
				t.Errorf("an absolute path (%q…) in the notebook: use paths relative to the repository", m)
			}
			if !strings.Contains(all, paperPath) {
				t.Errorf("the paper is not cited by its path relative to the repository (%s)", paperPath)
			}
		})
	}
}

func TestLongCells(t *testing.T) {
	cell := func(kind string, lines int) string {
		src := make([]string, lines)
		for i := range src {
			src[i] = `"x\n"`
		}
		return `{"cell_type": "` + kind + `", "source": [` + strings.Join(src, ",") + `]}`
	}
	var nb nbFile
	doc := `{"cells": [` + cell("code", 25) + "," + cell("code", 26) + "," + cell("markdown", 40) + "," + cell("code", 3) + `]}`
	if err := json.Unmarshal([]byte(doc), &nb); err != nil {
		t.Fatal(err)
	}
	got := longCells(&nb)
	if len(got) != 1 || got[1] != 26 {
		t.Errorf("longCells = %v, want cell 1 with 26 lines only", got)
	}
	// A source stored as one string counts its lines too; a trailing newline is not a line.
	if err := json.Unmarshal([]byte(`{"cells": [{"cell_type": "code", "source": "a\nb\n"}]}`), &nb); err != nil {
		t.Fatal(err)
	}
	if got := longCells(&nb); len(got) != 0 {
		t.Errorf("2-line cell flagged: %v", got)
	}
}

func TestRawFloats(t *testing.T) {
	bad := map[string]string{
		"map: [27 35 40] voxels of [0.6499999717429832 0.65 0.65] Å": "0.6499999717429832",
		"{Level:0.4094497290207829 Kept:12}":                         "0.4094497290207829",
		"heatmap label 0.0002737179456744343":                        "0.0002737179456744343",
		"origin [137.14999389648438 81.25 141.04998779296875] Å":     "137.14999389648438",
		"loss -1.234567890e-05 at step 3":                            "1.234567890e-05",
		"count 12345678901 voxels":                                   "12345678901",
	}
	for s, want := range bad {
		got := rawFloats(s)
		if len(got) == 0 || got[0] != want {
			t.Errorf("rawFloats(%q) = %q, want first %q", s, got, want)
		}
	}
	good := []string{
		"over 37800 voxels: RMSE 0.0190, max |error| 0.1055 on the [−1, 1] scale",
		"best MSE 9.8e-05 at step 143, 2.31 s; 8641 parameters",
		"go: added golang.org/x/exp v0.0.0-20250106191152-7588d65b2ba8",
		"region 4: loaded from /tmp/TestNotebooks3849584736/001/emd20026_crop_cpu.nem",
		"sha256 7588d65b2ba8e1f0c3a9d6b4 gonb_1234567890123 id-20250106191152",
		"a 0.123456789 value has 9 digits",
	}
	for _, s := range good {
		if got := rawFloats(s); len(got) > 0 {
			t.Errorf("false alarm on %q: %q", s, got)
		}
	}
}
