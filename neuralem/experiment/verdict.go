package experiment

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strings"
)

// Table is an experiment's rows as written by WriteJSON: one map per row,
// keyed by column name (numbers are float64, NaN is nil). Verdict reads
// tables, so it works on results in memory (InterpResults.Table, …) and on
// the JSON files of earlier runs (ReadTable) alike.
type Table struct {
	Experiment string           `json:"experiment"`
	Rows       []map[string]any `json:"rows"`
	// Means are the JSON output's "means": for interp one row per
	// resolution (and "all") and initialisation with the mean errors of
	// each method; for noise one row per noise kind, method and SNR with
	// its mean errors over the models (noise, method, snr, models,
	// mean_mae, mean_max, mean_peak_mae). Graph has none.
	Means []map[string]any `json:"means,omitempty"`
}

// ReadTable reads the JSON output of an experiment (WriteJSON).
func ReadTable(r io.Reader) (*Table, error) {
	var t Table
	if err := json.NewDecoder(r).Decode(&t); err != nil {
		return nil, fmt.Errorf("experiment JSON: %w", err)
	}
	if t.Experiment == "" {
		return nil, fmt.Errorf("experiment JSON: no \"experiment\" field")
	}
	return &t, nil
}

func tableOf[R any](name string, cols []column[R], rows []R) (*Table, error) {
	raw, err := jsonRows(cols, rows)
	if err != nil {
		return nil, err
	}
	t := &Table{Experiment: name}
	if err := json.Unmarshal(raw, &t.Rows); err != nil {
		return nil, err
	}
	return t, nil
}

// Table returns the rows as Verdict reads them.
func (r *InterpResults) Table() (*Table, error) {
	return tableWithMeans("interp", interpColumns(), r.Rows, interpMeanColumns(), r.Means())
}

// Table returns the rows as Verdict reads them.
func (r *NoiseResults) Table() (*Table, error) {
	return tableWithMeans("noise", noiseColumns(), r.Rows, noiseCurveColumns(), r.curvePoints())
}

// tableWithMeans is tableOf with the means section as well.
func tableWithMeans[R, M any](name string, cols []column[R], rows []R, meanCols []column[M], means []M) (*Table, error) {
	t, err := tableOf(name, cols, rows)
	if err != nil {
		return nil, err
	}
	m, err := tableOf(name, meanCols, means)
	if err != nil {
		return nil, err
	}
	t.Means = m.Rows
	return t, nil
}

// Table returns the rows as Verdict reads them.
func (r *GraphResults) Table() (*Table, error) { return tableOf("graph", graphColumns(), r.Rows) }

// Num returns a table row's row[key] as a number (NaN when absent, null or
// not a number).
func Num(row map[string]any, key string) float64 {
	if v, ok := row[key].(float64); ok {
		return v
	}
	return math.NaN()
}

// Str returns a table row's row[key] as text (a number formatted, "" when
// absent or null).
func Str(row map[string]any, key string) string {
	switch v := row[key].(type) {
	case string:
		return v
	case float64:
		return fmt.Sprint(v)
	}
	return ""
}

// VerdictRow is one claim of the paper or one science goal of issue 14:
// what the paper (or the goal) says, what we measured, and whether it
// holds ("yes", "partly", "no", or "not measured").
type VerdictRow struct {
	Claim, Paper, Ours, Holds string
}

// holdsShare says "yes" for a share ≥ 0.8, "partly" for ≥ 0.5, else "no".
func holdsShare(share float64) string {
	switch {
	case math.IsNaN(share):
		return "not measured"
	case share >= 0.8:
		return "yes"
	case share >= 0.5:
		return "partly"
	}
	return "no"
}

// share counts the rows for which ok is true among those for which it is
// defined (def).
func share(rows []map[string]any, def, ok func(map[string]any) bool) (n, k int) {
	for _, r := range rows {
		if def(r) {
			n++
			if ok(r) {
				k++
			}
		}
	}
	return n, k
}

func frac(k, n int) float64 {
	if n == 0 {
		return math.NaN()
	}
	return float64(k) / float64(n)
}

// Verdict confronts the paper's claims and the science goals with
// the measurements in the given tables (any may be nil: its rows say "not
// measured").
func Verdict(interp, noise, graph *Table) []VerdictRow {
	var out []VerdictRow
	out = append(out, interpVerdict(interp)...)
	out = append(out, noiseVerdict(noise)...)
	out = append(out, graphVerdict(graph)...)
	return out
}

func notMeasured(claim, paper, what string) VerdictRow {
	return VerdictRow{claim, paper, "not measured (no " + what + " results)", "not measured"}
}

// column returns the distinct non-empty values of a column, in order.
func (t *Table) column(key string) []string {
	return distinct(t.Rows, func(r *map[string]any) string { return Str(*r, key) })
}

func interpVerdict(t *Table) []VerdictRow {
	const (
		c1 = "§3.1/Fig. 5: neural interpolation beats trilinear"
		p1 = "neural MAE < 0.01 at every resolution, mean 0.0086; trilinear mean 0.066"
		c2 = "§3.1: the neural map preserves density peaks"
		p2 = "qualitative: trilinear smooths peaks, the neural map does not"
	)
	if t == nil {
		return []VerdictRow{notMeasured(c1, p1, "interp"), notMeasured(c2, p2, "interp")}
	}
	var out []VerdictRow
	for _, init := range t.column("init") {
		rows := slices.DeleteFunc(slices.Clone(t.Rows), func(r map[string]any) bool { return Str(r, "init") != init })
		def := func(r map[string]any) bool { return !math.IsNaN(Num(r, "neural_mae")) }
		n, kt := share(rows, def, func(r map[string]any) bool { return Num(r, "neural_mae") < Num(r, "trilinear_mae") })
		_, kb := share(rows, def, func(r map[string]any) bool { return Num(r, "neural_mae") <= Num(r, "bspline_mae") })
		_, k01 := share(rows, def, func(r map[string]any) bool { return Num(r, "neural_mae") < 0.01 })
		m := func(key string) float64 {
			var xs []float64
			for _, r := range rows {
				if def(r) {
					xs = append(xs, Num(r, key))
				}
			}
			return mean(xs)
		}
		out = append(out, VerdictRow{c1 + " (" + init + " init)", p1,
			fmt.Sprintf("mean MAE neural %.4f, trilinear %.4f, cubic B-spline %.4f; neural < trilinear on %d/%d maps, ≤ B-spline on %d/%d, < 0.01 on %d/%d",
				m("neural_mae"), m("trilinear_mae"), m("bspline_mae"), kt, n, kb, n, k01, n), holdsShare(frac(kt, n))})
		np, kp := share(rows, func(r map[string]any) bool { return !math.IsNaN(Num(r, "neural_peak_mae")) },
			func(r map[string]any) bool { return Num(r, "neural_peak_mae") < Num(r, "trilinear_peak_mae") })
		_, kpb := share(rows, func(r map[string]any) bool { return !math.IsNaN(Num(r, "neural_peak_mae")) },
			func(r map[string]any) bool { return Num(r, "neural_peak_mae") <= Num(r, "bspline_peak_mae") })
		out = append(out, VerdictRow{c2 + " (" + init + " init)", p2,
			fmt.Sprintf("mean peak-height error neural %.4f (bias %+.4f), trilinear %.4f (bias %+.4f), B-spline %.4f; neural < trilinear on %d/%d maps, ≤ B-spline on %d/%d",
				m("neural_peak_mae"), m("neural_peak_bias"), m("trilinear_peak_mae"), m("trilinear_peak_bias"), m("bspline_peak_mae"), kp, np, kpb, np),
			holdsShare(frac(kp, np))})
	}
	if len(out) == 0 {
		return []VerdictRow{{c1, p1, "no neural rows", "not measured"}, {c2, p2, "no neural rows", "not measured"}}
	}
	return out
}

func noiseVerdict(t *Table) []VerdictRow {
	const (
		c1 = "§2.2: the natural fit point stops before the network fits noise"
		p1 = "stop when the best MSE has not improved for 25 steps while 1e-5 ≤ MSE < 4e-4 (exit below 1e-5); said to reduce the noise ceiling"
		c2 = "Issue 14 goal: neural MAE ≤ cubic B-spline on ≥ 80 % of simulated maps at some SNR range"
	)
	if t == nil {
		return []VerdictRow{notMeasured(c1, p1, "noise"), notMeasured(c2, "—", "noise")}
	}
	var neural []map[string]any
	for _, r := range t.Rows {
		if strings.HasPrefix(Str(r, "method"), MethodNeural+"-") && Str(r, "noise") != string(NoiseNone) {
			neural = append(neural, r)
		}
	}
	n, k := share(neural, func(r map[string]any) bool {
		return !math.IsNaN(Num(r, "train_mse")) && !math.IsNaN(Num(r, "clean_mse"))
	},
		func(r map[string]any) bool { return Num(r, "train_mse") >= Num(r, "clean_mse") })
	var ratios []float64
	for _, r := range neural {
		if c := Num(r, "clean_mse"); c > 0 {
			ratios = append(ratios, Num(r, "train_mse")/c)
		}
	}
	out := []VerdictRow{{c1, p1, fmt.Sprintf("%d/%d noisy fits ended with a training MSE at or above the clean input's (not fitting the noise); median training MSE / clean MSE %.3g",
		k, n, median(ratios)), holdsShare(frac(k, n))}}
	// Per method × condition: the share of models with neural ≤ B-spline.
	type cond struct{ method, kind, snr string }
	by := map[cond][2]int{}
	var conds []cond
	mae := map[string]float64{}
	for _, r := range t.Rows {
		mae[Str(r, "model")+"|"+Str(r, "noise")+"|"+Str(r, "snr")+"|"+Str(r, "method")] = Num(r, "mae")
	}
	for _, r := range t.Rows {
		m := Str(r, "method")
		if !strings.HasPrefix(m, MethodNeural+"-") {
			continue
		}
		b, ok := mae[Str(r, "model")+"|"+Str(r, "noise")+"|"+Str(r, "snr")+"|"+MethodBSpline]
		a := Num(r, "mae")
		if !ok || math.IsNaN(a) || math.IsNaN(b) {
			continue
		}
		c := cond{m, Str(r, "noise"), Str(r, "snr")}
		if _, seen := by[c]; !seen {
			conds = append(conds, c)
		}
		v := by[c]
		v[0]++
		if a <= b {
			v[1]++
		}
		by[c] = v
	}
	sort.SliceStable(conds, func(i, j int) bool { return conds[i].method < conds[j].method })
	var met, all []string
	for _, c := range conds {
		v := by[c]
		s := fmt.Sprintf("%s %s SNR %s: %d/%d", c.method, c.kind, c.snr, v[1], v[0])
		all = append(all, s)
		if frac(v[1], v[0]) >= 0.8 {
			met = append(met, s)
		}
	}
	holds := "no"
	switch {
	case len(all) == 0:
		holds = "not measured"
	case len(met) > 0:
		holds = "yes, at: " + strings.Join(met, "; ")
	}
	out = append(out, VerdictRow{c2, "—", "models with neural MAE ≤ B-spline: " + strings.Join(all, "; "), holds})
	return out
}

func graphVerdict(t *Table) []VerdictRow {
	const (
		c1 = "§3.2/Fig. 6: C-alpha coverage within 3 Å and closest-node RMSD, near-atomic maps (> 1.6 Å)"
		p1 = "84.5 % coverage, RMSD 1.13 Å (means over the near-atomic maps)"
		c2 = "§4/Fig. 6: nodes within 3 Å of a C-alpha (node specificity), all maps"
		p2 = "61.9 % (mean)"
		c3 = "Table 1: all-atom sensitivity / specificity / RMSD at 1 Å, atomic maps (≤ 1.6 Å)"
		p3 = "85.2 % / 88.4 % / 0.19 Å"
		c4 = "Issue 14 goal, near-atomic maps: C-alpha coverage ≥ 90 %, node specificity ≥ 70 %, C-alpha RMSD ≤ 1.0 Å"
	)
	if t == nil {
		return []VerdictRow{notMeasured(c1, p1, "graph"), notMeasured(c2, p2, "graph"), notMeasured(c3, p3, "graph"), notMeasured(c4, "—", "graph")}
	}
	whole := func(r map[string]any) bool { c := Str(r, "chain"); return c == "all" || c == "" }
	var out []VerdictRow
	fields := t.column("field")
	var goal []string
	goalHolds := map[string]string{}
	for _, f := range fields {
		var near, atomic, all []map[string]any
		for _, r := range t.Rows {
			if Str(r, "field") != f || !whole(r) {
				continue
			}
			all = append(all, r)
			if Num(r, "resolution_A") > AtomicResolution {
				near = append(near, r)
			} else {
				atomic = append(atomic, r)
			}
		}
		col := func(rows []map[string]any, key string) float64 {
			xs := make([]float64, len(rows))
			for i, r := range rows {
				xs[i] = Num(r, key)
			}
			return mean(xs)
		}
		pairs := func(rows []map[string]any) string {
			s := make([]string, len(rows))
			for i, r := range rows {
				s[i] = fmt.Sprintf("%s %.3g/%.3g/%.2f", Str(r, "pair"), Num(r, "ca_cov_3A_pct"), Num(r, "ca_nodefrac_3A_pct"), Num(r, "ca_rmsd_3A"))
			}
			return strings.Join(s, ", ")
		}
		if len(near) > 0 {
			cov, rmsd := col(near, "ca_cov_3A_pct"), col(near, "ca_rmsd_3A")
			h := "no"
			if cov >= PaperNearCACoverage && rmsd <= PaperNearCARMSD {
				h = "yes"
			} else if cov >= PaperNearCACoverage || rmsd <= PaperNearCARMSD {
				h = "partly"
			}
			out = append(out, VerdictRow{c1 + " — " + f, p1, fmt.Sprintf("%d maps: coverage %.1f %%, RMSD %.2f Å", len(near), cov, rmsd), h})
			n, k := share(near, func(map[string]any) bool { return true }, func(r map[string]any) bool {
				return Num(r, "ca_cov_3A_pct") >= 90 && Num(r, "ca_nodefrac_3A_pct") >= 70 && Num(r, "ca_rmsd_3A") <= 1.0
			})
			goal = append(goal, fmt.Sprintf("%s: %d/%d maps meet all three (coverage %%/node specificity %%/RMSD Å: %s)", f, k, n, pairs(near)))
			goalHolds[f] = "no"
			if k == n {
				goalHolds[f] = "yes"
			} else if k > 0 {
				goalHolds[f] = "partly"
			}
		}
		if len(all) > 0 {
			nf := col(all, "ca_nodefrac_3A_pct")
			h := "no"
			if nf >= PaperAllCANodeFraction {
				h = "yes"
			}
			out = append(out, VerdictRow{c2 + " — " + f, p2, fmt.Sprintf("%d maps: %.1f %%", len(all), nf), h})
		}
		if len(atomic) > 0 {
			out = append(out, VerdictRow{c3 + " — " + f, p3, fmt.Sprintf("%d maps: %.1f %% / %.1f %% / %.2f Å", len(atomic),
				col(atomic, "sens_1A_pct"), col(atomic, "spec_1A_pct"), col(atomic, "rmsd_1A")), "compare"})
		}
	}
	holds := "not measured"
	if len(goal) == 0 {
		goal = []string{"no near-atomic map"}
	} else {
		var hs []string
		for _, f := range fields {
			if h, ok := goalHolds[f]; ok {
				hs = append(hs, f+": "+h)
			}
		}
		holds = strings.Join(hs, "; ")
	}
	out = append(out, VerdictRow{c4, "—", strings.Join(goal, "; "), holds})
	return out
}

func verdictColumns() []column[VerdictRow] {
	return []column[VerdictRow]{
		{name: "claim", get: func(r *VerdictRow) any { return r.Claim }},
		{name: "paper", get: func(r *VerdictRow) any { return r.Paper }},
		{name: "ours", get: func(r *VerdictRow) any { return r.Ours }},
		{name: "holds", get: func(r *VerdictRow) any { return r.Holds }},
	}
}

// WriteVerdictMarkdown writes the verdict as a markdown table.
func WriteVerdictMarkdown(w io.Writer, rows []VerdictRow) error {
	return writeMarkdownTable(w, verdictColumns(), rows)
}

// WriteVerdictCSV writes the verdict as CSV.
func WriteVerdictCSV(w io.Writer, rows []VerdictRow) error {
	return writeCSVTable(w, verdictColumns(), rows)
}
