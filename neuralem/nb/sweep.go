package nb

import (
	"bytes"
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"github.com/neuralem/neuralem/neuralem/internal/atomicfile"
	"io/fs"
	"math"
	"os"

	"github.com/neuralem/neuralem/neuralem/neuralmap"
)

// FitRegion trains region id of the crop with opts (its checkpoint and
// region list replaced: nothing is written) and returns the region's
// training report: one cell of a parameter sweep.
func FitRegion(opts neuralmap.FitOptions, id int) neuralmap.RegionReport {
	opts.Regions, opts.Checkpoint = []int{id}, ""
	nm := Must1(neuralmap.Fit(context.Background(), CropMap(), opts, nil))
	return nm.Regions[id].Report
}

// Table returns a rows × cols table of NaN (a missing value), to fill in a
// sweep (charts.Sweep.Values).
func Table(rows, cols int) [][]float64 {
	out := make([][]float64, rows)
	for i := range out {
		out[i] = make([]float64, cols)
		for j := range out[i] {
			out[i][j] = math.NaN()
		}
	}
	return out
}

// Cached returns the value kept in the cache file name (gob in
// [CacheDir]), or computes it, keeps it and returns it: for slow results
// such as sweeps, so that running a cell again only draws. Delete the file
// (or change the name) after changing what compute does.
func Cached[T any](name string, compute func() T) T {
	path := CachePath(name)
	var v T
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		if err := gob.NewDecoder(bytes.NewReader(b)).Decode(&v); err != nil {
			Must(fmt.Errorf("nb: cache %s: %w (delete the file)", path, err))
		}
		return v
	case !errors.Is(err, fs.ErrNotExist):
		Must(fmt.Errorf("nb: cache %s: %w", path, err))
	}
	v = compute()
	var buf bytes.Buffer
	Must(gob.NewEncoder(&buf).Encode(v))
	Must(atomicfile.WriteBytes(path, buf.Bytes()))
	return v
}
