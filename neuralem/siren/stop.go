package siren

import (
	"math"
	"time"
)

// StopReason says why Fit ended.
type StopReason string

const (
	// StopNone: training continues.
	StopNone StopReason = ""
	// StopBelowLow: the best loss fell below LowLoss (paper: exit at once).
	StopBelowLow StopReason = "best loss below LowLoss"
	// StopNaturalFit: the paper's natural fit point — the best loss is in
	// [LowLoss, HighLoss) and has not improved for Patience steps.
	StopNaturalFit StopReason = "natural fit point"
	// StopMaxSteps: the step cap was reached.
	StopMaxSteps StopReason = "MaxSteps reached"
	// StopMaxTime: the wall-clock cap was reached.
	StopMaxTime StopReason = "MaxTime reached"
	// StopConstant: the region's values are all equal, so the network is
	// set exactly (ConstantNet) instead of trained: no steps, zero loss.
	StopConstant StopReason = "constant region (set exactly)"
	// StopCanceled: the context was cancelled.
	StopCanceled StopReason = "canceled"
)

// Stop is the pure stop rule used by Fit, after `steps` evaluated losses:
// best is the lowest loss so far, sinceBest the number of evaluated losses
// since the one that set best (0 when the latest loss is the best), elapsed
// the wall time. The paper's rules come first (below LowLoss; natural fit
// point), then the caps.
func Stop(cfg Config, steps int, best float64, sinceBest int, elapsed time.Duration) StopReason {
	switch {
	case best < cfg.LowLoss:
		return StopBelowLow
	case best < cfg.HighLoss && sinceBest >= cfg.Patience:
		return StopNaturalFit
	case cfg.MaxSteps > 0 && steps >= cfg.MaxSteps:
		return StopMaxSteps
	case cfg.MaxTime > 0 && elapsed >= cfg.MaxTime:
		return StopMaxTime
	}
	return StopNone
}

// bestTracker follows the best loss of a loss sequence.
type bestTracker struct {
	best      float64
	bestIdx   int
	sinceBest int
	n         int
}

func newBestTracker() bestTracker { return bestTracker{best: math.Inf(1), bestIdx: -1} }

// add records loss number t.n and reports whether it is a new best
// (strictly lower than every previous loss).
func (b *bestTracker) add(loss float64) bool {
	b.n++
	if loss < b.best {
		b.best, b.bestIdx, b.sinceBest = loss, b.n-1, 0
		return true
	}
	b.sinceBest++
	return false
}
