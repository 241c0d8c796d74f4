package nb

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Rows shows chosen columns of a results table as markdown: rows are maps
// from column key to value (experiment.Table's rows), cols the keys to show,
// each "key" or "key:Header" to head it differently. Numbers are rounded to 3
// significant digits (whole numbers below a million are printed whole), NaN
// and missing values are "–": a table a person can read, however many
// columns the experiment records.
func Rows(rows []map[string]any, cols ...string) {
	Markdown(RowsMarkdown(rows, cols...))
}

// RowsMarkdown is the markdown that [Rows] shows.
func RowsMarkdown(rows []map[string]any, cols ...string) string {
	keys := make([]string, len(cols))
	var b strings.Builder
	b.WriteString("|")
	for i, c := range cols {
		key, head, ok := strings.Cut(c, ":")
		if !ok {
			head = key
		}
		keys[i] = key
		b.WriteString(" " + head + " |")
	}
	b.WriteString("\n|" + strings.Repeat("---|", len(cols)) + "\n")
	for _, r := range rows {
		b.WriteString("|")
		for _, k := range keys {
			b.WriteString(" " + cell(r[k]) + " |")
		}
		b.WriteString("\n")
	}
	return b.String()
}

// cell formats one table value for people.
func cell(v any) string {
	switch x := v.(type) {
	case nil:
		return "–"
	case float64:
		switch {
		case math.IsNaN(x):
			return "–"
		case math.IsInf(x, 1):
			return "∞"
		case math.IsInf(x, -1):
			return "−∞"
		case x == math.Trunc(x) && math.Abs(x) < 1e6:
			return strconv.FormatFloat(x, 'f', 0, 64)
		}
		return strconv.FormatFloat(x, 'g', 3, 64)
	case float32:
		return cell(float64(x))
	case int:
		return strconv.Itoa(x)
	case bool:
		if x {
			return "yes"
		}
		return "no"
	case string:
		return strings.ReplaceAll(x, "|", `\|`)
	}
	return strings.ReplaceAll(fmt.Sprint(v), "|", `\|`)
}

// About rounds a count to two significant digits (1,234 → 1,200; 57 → 57),
// for sentences that quote a step count without pretending it is exact.
func About(n int) int {
	if n < 100 && n > -100 {
		return n
	}
	p := int(math.Pow(10, math.Floor(math.Log10(math.Abs(float64(n))))-1))
	return int(math.Round(float64(n)/float64(p))) * p
}
