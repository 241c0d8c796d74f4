package grid

import (
	"fmt"
	"math"
)

// Errors summarises how far values are from reference values, in the
// values' units: the paper's interpolation error (§3.1, Figure 5) and a
// fitted map's accuracy on its voxels.
type Errors struct {
	// N is the number of value–reference pairs.
	N int `json:"n"`
	// MAE is the mean |value − reference|, RMSE its root mean square and
	// Max its maximum.
	MAE  float64 `json:"mae"`
	RMSE float64 `json:"rmse"`
	Max  float64 `json:"max"`
	// Bias is the mean of value − reference (negative: peaks flattened).
	Bias float64 `json:"bias"`
}

// ErrorAcc accumulates Errors one pair at a time, for comparisons streamed
// in batches (the zero value is empty).
type ErrorAcc struct {
	n                   int
	abs, sq, signed, mx float64
}

// Add adds one value and its reference.
func (a *ErrorAcc) Add(v, ref float64) {
	d := v - ref
	a.n++
	a.abs += math.Abs(d)
	a.sq += d * d
	a.signed += d
	a.mx = math.Max(a.mx, math.Abs(d))
}

// Errors returns the summary so far; with no pairs every statistic is NaN.
func (a *ErrorAcc) Errors() Errors {
	if a.n == 0 {
		nan := math.NaN()
		return Errors{MAE: nan, RMSE: nan, Max: nan, Bias: nan}
	}
	n := float64(a.n)
	return Errors{N: a.n, MAE: a.abs / n, RMSE: math.Sqrt(a.sq / n), Max: a.mx, Bias: a.signed / n}
}

// CompareGrids returns the errors of g against ref voxel by voxel. Both must
// have the same frame.
func CompareGrids(g, ref *Grid) (Errors, error) {
	if g.Frame != ref.Frame {
		return Errors{}, fmt.Errorf("grid: compare: frames differ: %v voxels of %v Å at %v Å against the reference's %v voxels of %v Å at %v Å",
			g.Shape, g.Spacing, g.Origin, ref.Shape, ref.Spacing, ref.Origin)
	}
	if len(g.Data) != g.Len() || len(ref.Data) != ref.Len() {
		return Errors{}, fmt.Errorf("grid: compare: %d and %d values for %v voxels", len(g.Data), len(ref.Data), g.Shape)
	}
	var acc ErrorAcc
	for i, v := range g.Data {
		acc.Add(float64(v), float64(ref.Data[i]))
	}
	return acc.Errors(), nil
}

// CompareField samples f at every voxel centre of ref (Resample, float32
// values as a map would store them) and returns the errors against ref's
// values: how well a neural map or an interpolator reproduces a map. Every
// voxel centre of ref must lie in f's Domain.
func CompareField(f Field, ref *Grid) (Errors, error) {
	g, err := Resample(f, ref.Frame)
	if err != nil {
		return Errors{}, err
	}
	return CompareGrids(g, ref)
}
