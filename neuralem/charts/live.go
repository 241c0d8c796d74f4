package charts

import (
	"fmt"
	"sync"
	"time"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/janpfeifer/gonb/gonbui"
)

// LiveLoss draws training loss curves in a GoNB notebook while a fit runs: every
// [LiveLoss.Update] records a point and, at most once per MinInterval, redraws
// the whole chart into the same output block (gonbui.UpdateHTML with a
// transient display id). Outside a notebook it only records. It is safe for
// concurrent use.
//
// Points recorded less than MinInterval after the last redraw appear at the next
// redraw: call [LiveLoss.Close] at the end to draw the final state.
type LiveLoss struct {
	// MinInterval is the least time between two redraws (default 500 ms: at
	// most 2 redraws per second).
	MinInterval time.Duration
	// Subtitle, if set, is drawn under the title.
	Subtitle string
	// MaxPoints caps the points drawn per series (default 1000): longer curves
	// are drawn decimated, keeping their first and last points. All points stay
	// recorded (see [LiveLoss.Curves]).
	MaxPoints int

	mu      sync.Mutex
	title   string
	id      string
	order   []string
	curves  map[string]*LossCurve
	last    time.Time
	drawn   bool // at least one redraw happened
	dirty   bool // points recorded since the last redraw
	redraws int

	now    func() time.Time
	active func() bool // whether there is a notebook to draw in
	update func(id, html string)
}

// NewLiveLoss returns a live loss chart with the given title, drawn in a new
// output block of the current notebook cell on the first Update.
func NewLiveLoss(title string) *LiveLoss {
	return &LiveLoss{
		MinInterval: 500 * time.Millisecond,
		MaxPoints:   1000,
		title:       title,
		id:          "neuralem_loss_" + gonbui.UniqueId(),
		curves:      map[string]*LossCurve{},
		now:         time.Now,
		active:      isNotebook,
		update:      updateHTML,
	}
}

// Update records the loss of region at step and redraws if MinInterval has
// passed since the last redraw. A loss that is not positive and finite is
// refused with an error (a log axis cannot show it) and not recorded.
func (l *LiveLoss) Update(region string, step int, loss float64) error {
	if !finite(loss) || loss <= 0 {
		return fmt.Errorf("charts: LiveLoss %q: region %q step %d: loss = %v: the log-scale axis needs positive finite values",
			l.title, region, step, loss)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	c, ok := l.curves[region]
	if !ok {
		c = &LossCurve{Name: region}
		l.curves[region] = c
		l.order = append(l.order, region)
	}
	c.Steps = append(c.Steps, step)
	c.Loss = append(c.Loss, loss)
	l.dirty = true
	if l.drawn && l.now().Sub(l.last) < l.MinInterval {
		return nil
	}
	return l.redrawLocked(false)
}

// Flush redraws now if points were recorded since the last redraw.
func (l *LiveLoss) Flush() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.dirty {
		return nil
	}
	return l.redrawLocked(false)
}

// Close draws the final state with the ECharts JavaScript inlined, so the saved
// notebook output is self-contained. It is an error to Close without any point.
func (l *LiveLoss) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.order) == 0 {
		return fmt.Errorf("charts: LiveLoss %q: Close without any Update: nothing to draw", l.title)
	}
	return l.redrawLocked(true)
}

// Title returns the chart's title.
func (l *LiveLoss) Title() string { return l.title }

// Redraws returns how many times the chart was drawn (0 outside a notebook).
func (l *LiveLoss) Redraws() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.redraws
}

// Curves returns a copy of all recorded points, one curve per region in order
// of first appearance.
func (l *LiveLoss) Curves() []LossCurve {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]LossCurve, len(l.order))
	for i, r := range l.order {
		c := l.curves[r]
		out[i] = LossCurve{Name: c.Name, Steps: append([]int(nil), c.Steps...), Loss: append([]float64(nil), c.Loss...)}
	}
	return out
}

func (l *LiveLoss) redrawLocked(final bool) error {
	if !l.active() {
		l.dirty = false
		return nil
	}
	curves := make([]LossCurve, len(l.order))
	for i, r := range l.order {
		curves[i] = decimate(*l.curves[r], l.MaxPoints)
	}
	line, err := LossCurves(LossChart{Title: l.title, Subtitle: l.Subtitle}, curves)
	if err != nil {
		return err
	}
	line.SetGlobalOptions(charts.WithAnimation(false))
	h, err := sessionHTML(line, final)
	if err != nil {
		return err
	}
	l.update(l.id, h)
	l.last = l.now()
	l.drawn = true
	l.dirty = false
	l.redraws++
	return nil
}

// decimate returns c with at most max points (max < 2 means no limit), evenly
// strided, always keeping the first and the last point.
func decimate(c LossCurve, max int) LossCurve {
	n := len(c.Loss)
	if max < 2 || n <= max {
		return c
	}
	out := LossCurve{Name: c.Name, Steps: make([]int, 0, max), Loss: make([]float64, 0, max)}
	for k := 0; k < max; k++ {
		i := k * (n - 1) / (max - 1)
		out.Steps = append(out.Steps, c.Steps[i])
		out.Loss = append(out.Loss, c.Loss[i])
	}
	return out
}
