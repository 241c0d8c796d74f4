// Package nb is what neuralem's notebooks share, so that each of their code
// cells stays a few calls to the library: stopping a cell on an error
// ([Must], [Must1], [Must2]), showing charts and tables ([Show], [Markdown]),
// finding files ([RepoPath], [SharedPath]), caching slow results
// ([CacheDir], [CachePath]), loss curves that survive a cached re-run
// ([Loss]), and the shipped default crop of EMD-20026 with the neural map
// that notebook 01 fits and 02–04 reuse ([CropMap], [CropModel],
// [CropFitOptions], [NeuralMap]).
//
// It is the only neuralem package that panics on errors: a notebook cell is
// a small program whose natural reaction to an error is to stop and show it
// (GoNB prints the panic under the cell). Library code never calls it.
package nb

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/janpfeifer/gonb/gonbui"
	"github.com/neuralem/neuralem/internal/datadir"
	"github.com/neuralem/neuralem/neuralem/charts"
)

// Must stops the cell with err if it is not nil.
func Must(err error) {
	if err != nil {
		panic(err)
	}
}

// Must1 returns v, or stops the cell with err if it is not nil.
func Must1[T any](v T, err error) T {
	Must(err)
	return v
}

// Must2 returns a and b, or stops the cell with err if it is not nil.
func Must2[A, B any](a A, b B, err error) (A, B) {
	Must(err)
	return a, b
}

// Show displays a chart in the cell's output and waits until GoNB has it
// (a chart shown as a cell's last act is otherwise lost when the cell's
// program exits first). Outside a notebook it does nothing.
func Show(c charts.Chart) {
	if !gonbui.IsNotebook {
		return
	}
	Must(charts.Display(c))
}

// Markdown displays markdown text (a results table, a note) in the cell's
// output; outside a notebook it prints it.
func Markdown(md string) {
	if !gonbui.IsNotebook {
		fmt.Println(md)
		return
	}
	gonbui.DisplayMarkdown(md)
	gonbui.Sync()
}

// RepoPath returns the path of rel, a path relative to the repository root.
// In a notebook the root is the parent of $GONB_DIR (the notebooks live in
// notebooks/); elsewhere it is found from the working directory.
func RepoPath(rel string) string {
	return filepath.Join(repoRoot(), filepath.FromSlash(rel))
}

func repoRoot() string {
	if d := os.Getenv("GONB_DIR"); d != "" {
		return filepath.Dir(filepath.Clean(d))
	}
	if r := datadir.RepoRoot(); r != "" {
		return r
	}
	panic("nb: cannot find the repository root: $GONB_DIR is unset and no go.mod above the working directory")
}

// CacheEnv names the environment variable that sets the cache directory.
const CacheEnv = "NEURALEM_NB_CACHE"

// CacheDir returns the directory holding the notebooks' slow results
// (fitted neural maps, loss curves, sweeps) between runs, creating it:
// $NEURALEM_NB_CACHE, or notebooks/.cache in the repository. Delete it to
// recompute everything.
func CacheDir() string {
	d := os.Getenv(CacheEnv)
	if d == "" {
		d = RepoPath("notebooks/.cache")
	}
	Must(os.MkdirAll(d, 0o755))
	return d
}

// CachePath returns the path of a file in [CacheDir].
func CachePath(name string) string { return filepath.Join(CacheDir(), name) }

// SharedPath returns the path of rel in the shared data directory
// (../shared/data beside the repository, or $NEURALEM_SHARED_DATA; its
// SOURCES.md gives the provenance of every file), and stops the cell,
// saying where it looked, when that directory is missing.
func SharedPath(rel string) string {
	d := SharedDir()
	return filepath.Join(d, filepath.FromSlash(rel))
}

// SharedDir returns the shared data directory (see [SharedPath]).
func SharedDir() string {
	d := os.Getenv(datadir.EnvVar)
	if d == "" {
		d = filepath.Join(repoRoot(), "..", "shared", "data")
	}
	if _, err := os.Stat(filepath.Join(d, "SOURCES.md")); err != nil {
		panic(fmt.Sprintf("nb: shared data not found in %s (set $%s): %v", d, datadir.EnvVar, err))
	}
	return d
}
