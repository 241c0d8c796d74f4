package nb

import (
	"encoding/json"
	"errors"
	"fmt"
	"github.com/neuralem/neuralem/neuralem/internal/atomicfile"
	"io/fs"
	"os"
	"slices"

	"github.com/janpfeifer/gonb/gonbui"
	"github.com/neuralem/neuralem/neuralem/charts"
	"github.com/neuralem/neuralem/neuralem/neuralmap"
	"github.com/neuralem/neuralem/neuralem/siren"
)

// Loss draws training loss curves live while fits run (charts.LiveLoss) and
// keeps them in the cache. A re-run that loads fitted maps from their
// checkpoints trains nothing and so records no point: [Loss.Close] then
// draws the curves kept by the run that trained them, so the chart does not
// disappear from the notebook.
type Loss struct {
	live *charts.LiveLoss
	path string // cache file of the curves
}

// NewLoss returns a live loss chart with the given title whose curves are
// kept in the cache file name (a .json file in [CacheDir]).
func NewLoss(title, name string) *Loss {
	return &Loss{live: charts.NewLiveLoss(title), path: CachePath(name)}
}

// Fit returns a neuralmap.Fit progress callback that records every step's
// loss. Curves are named "region N"; with a label, "label" when the fit
// trains one region and "label, region N" otherwise (a label tells apart
// fits of the same region, such as two initialisations). The curves are
// saved whenever a region is done, as its network is checkpointed, so that
// an interrupted fit keeps the curves of the regions it finished.
func (l *Loss) Fit(label string) func(neuralmap.FitProgress) error {
	return func(p neuralmap.FitProgress) error {
		if p.Done {
			if p.Resumed {
				return nil
			}
			_, err := l.save()
			return err
		}
		name := fmt.Sprintf("region %d", p.Region.ID)
		switch {
		case label != "" && p.Total == 1:
			name = label
		case label != "":
			name = label + ", " + name
		}
		return l.live.Update(name, p.Step.Step, p.Step.Loss)
	}
}

// Step returns a siren.Fit progress callback recording the curve name.
func (l *Loss) Step(name string) func(siren.Progress) {
	return func(p siren.Progress) { Must(l.live.Update(name, p.Step, p.Loss)) }
}

// Close draws the final chart. The curves recorded now replace the kept
// curves of the same name and are saved; if nothing was recorded, the kept
// curves are drawn, with a subtitle saying they come from the cache. With
// neither, it prints a note and draws nothing.
func (l *Loss) Close() {
	kept, err := l.save()
	Must(err)
	if len(l.live.Curves()) == 0 {
		if len(kept) == 0 {
			fmt.Println("(no training in this run and no loss curves kept in the cache: nothing to draw)")
			return
		}
		Show(Must1(charts.LossCurves(charts.LossChart{Title: l.live.Title(),
			Subtitle: "curves kept from the run that trained (this run loaded the fits from the cache)"}, kept)))
		return
	}
	Must(l.live.Close())
	gonbui.Sync()
}

// save merges the curves recorded so far into the kept ones (replacing
// those of the same name) and writes them, if anything was recorded; it
// returns the kept curves.
func (l *Loss) save() ([]charts.LossCurve, error) {
	kept, err := readCurves(l.path)
	if err != nil {
		return nil, err
	}
	now := l.live.Curves()
	if len(now) == 0 {
		return kept, nil
	}
	for _, c := range now {
		if i := slices.IndexFunc(kept, func(k charts.LossCurve) bool { return k.Name == c.Name }); i >= 0 {
			kept[i] = c
		} else {
			kept = append(kept, c)
		}
	}
	return kept, writeCurves(l.path, kept)
}

// Curves returns the curves recorded in this run.
func (l *Loss) Curves() []charts.LossCurve { return l.live.Curves() }

func readCurves(path string) ([]charts.LossCurve, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("nb: loss curves: %w", err)
	}
	var cs []charts.LossCurve
	if err := json.Unmarshal(b, &cs); err != nil {
		return nil, fmt.Errorf("nb: loss curves %s: %w (delete the file)", path, err)
	}
	return cs, nil
}

func writeCurves(path string, cs []charts.LossCurve) error {
	b, err := json.Marshal(cs)
	if err != nil {
		return fmt.Errorf("nb: loss curves: %w", err)
	}
	return atomicfile.WriteBytes(path, b)
}
