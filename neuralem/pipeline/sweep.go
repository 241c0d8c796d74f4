package pipeline

import (
	"fmt"
	"slices"

	"github.com/neuralem/neuralem/neuralem/densgraph"
	"github.com/neuralem/neuralem/neuralem/eval"
	"github.com/neuralem/neuralem/neuralem/model"
)

// SweepRow is one graph of a Sweep.
type SweepRow struct {
	// K is the threshold's k (level μ + kσ on [0, 1] = Level) and Eps the
	// DBSCAN eps in Å.
	K, Level, Eps float64
	Graph         *densgraph.Graph
	Report        *densgraph.Report
	// Eval scores Graph against the model (nil when Sweep had none).
	Eval *eval.Result
}

// Sweep builds src's density graph at every seed threshold μ + kσ (k in
// ks) and every DBSCAN eps in epss (Å), and scores each against m with eo
// when m is not nil. The seeds are laid at the lowest k and walked once (the
// slow part on a neural map); each graph keeps the seeds above its own
// threshold, so it equals the graph built from scratch with those settings
// (densgraph.Walked). opts gives every other setting (PaperOptions(src)
// for the paper's); its threshold and eps are replaced. Rows come k by k,
// eps by eps, in the order given.
func Sweep(src *Source, opts densgraph.Options, ks, epss []float64, m *model.Model, eo eval.Options) ([]SweepRow, error) {
	if len(ks) == 0 || len(epss) == 0 {
		return nil, fmt.Errorf("pipeline: sweep of %d thresholds × %d eps: want at least one of each", len(ks), len(epss))
	}
	seeds := opts.Seeds
	seeds.Threshold = src.Threshold(slices.Min(ks))
	w, err := densgraph.SeedAndWalk(src.Field, seeds, opts.Walk)
	if err != nil {
		return nil, fmt.Errorf("pipeline: sweep of the %s source: %w", src.Kind, err)
	}
	var rows []SweepRow
	for _, k := range ks {
		t := src.Threshold(k)
		level, _ := t.Level()
		for _, eps := range epss {
			c := opts.Cluster
			c.Eps = eps
			g, rep, err := w.Graph(t, c, opts.Edges)
			if err != nil {
				return rows, fmt.Errorf("pipeline: sweep of the %s source at k %g, eps %g Å: %w", src.Kind, k, eps, err)
			}
			row := SweepRow{K: k, Level: level, Eps: eps, Graph: g, Report: rep}
			if m != nil {
				if row.Eval, err = eval.EvaluateGraph(g, m, eo); err != nil {
					return rows, err
				}
			}
			rows = append(rows, row)
		}
	}
	return rows, nil
}
