package neuralmap

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// TrainingSummary sums up the per-region training reports a map keeps
// (RegionFit.Report): what a fit did, read back from the file.
type TrainingSummary struct {
	// Regions is the number of regions of the tiling, Fitted how many have
	// a network.
	Regions, Fitted int
	// Steps is the total number of training steps over the fitted regions;
	// MedianSteps and MaxSteps their median and maximum per region.
	Steps, MedianSteps, MaxSteps int
	// WorstLoss is the largest best loss (MSE on the networks' [−1, 1]
	// scale) and WorstRegion its region; MedianLoss the median best loss.
	WorstLoss   float64
	WorstRegion int
	MedianLoss  float64
	// AboveHighLoss counts the regions whose best loss is above their
	// network's HighLoss (the paper's 4e-4 good-fit bound).
	AboveHighLoss int
	// ByStopReason counts the regions by why their training stopped.
	ByStopReason map[string]int
	// TrainTime is the total training time.
	TrainTime time.Duration
}

// TrainingSummary computes the summary of m's fitted regions.
func (m *NeuralMap) TrainingSummary() TrainingSummary {
	s := TrainingSummary{Regions: len(m.Regions), WorstRegion: -1, ByStopReason: map[string]int{}}
	var steps []int
	var losses []float64
	for _, r := range m.Regions {
		if r.Net == nil {
			continue
		}
		rep := r.Report
		s.Fitted++
		s.Steps += rep.Steps
		steps = append(steps, rep.Steps)
		losses = append(losses, rep.BestLoss)
		if s.WorstRegion < 0 || rep.BestLoss > s.WorstLoss {
			s.WorstLoss, s.WorstRegion = rep.BestLoss, r.Region.ID
		}
		if rep.BestLoss > r.Net.Config.HighLoss {
			s.AboveHighLoss++
		}
		reason := rep.StopReason
		if reason == "" {
			reason = "unknown"
		}
		s.ByStopReason[reason]++
		s.TrainTime += rep.TrainTime
	}
	if s.Fitted > 0 {
		sort.Ints(steps)
		sort.Float64s(losses)
		s.MedianSteps = steps[len(steps)/2]
		if len(steps)%2 == 0 {
			s.MedianSteps = (steps[len(steps)/2-1] + steps[len(steps)/2]) / 2
		}
		s.MaxSteps = steps[len(steps)-1]
		s.MedianLoss = losses[len(losses)/2]
		if len(losses)%2 == 0 {
			s.MedianLoss = (losses[len(losses)/2-1] + losses[len(losses)/2]) / 2
		}
	}
	return s
}

// String is a two-line summary for people.
func (s TrainingSummary) String() string {
	if s.Fitted == 0 {
		return fmt.Sprintf("0 of %d regions fitted", s.Regions)
	}
	var reasons []string
	for r := range s.ByStopReason {
		reasons = append(reasons, r)
	}
	sort.Slice(reasons, func(i, j int) bool {
		if s.ByStopReason[reasons[i]] != s.ByStopReason[reasons[j]] {
			return s.ByStopReason[reasons[i]] > s.ByStopReason[reasons[j]]
		}
		return reasons[i] < reasons[j]
	})
	for i, r := range reasons {
		reasons[i] = fmt.Sprintf("%d %s", s.ByStopReason[r], r)
	}
	above := ""
	if s.AboveHighLoss > 0 {
		above = fmt.Sprintf("; %d above HighLoss", s.AboveHighLoss)
	}
	return fmt.Sprintf("%d of %d regions fitted, %d steps (median %d, max %d per region), %s training\nbest loss: worst %.3g (region %d), median %.3g%s; stopped: %s",
		s.Fitted, s.Regions, s.Steps, s.MedianSteps, s.MaxSteps, s.TrainTime.Round(100*time.Millisecond),
		s.WorstLoss, s.WorstRegion, s.MedianLoss, above, strings.Join(reasons, ", "))
}
