package experiment

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"gonum.org/v1/gonum/stat"
)

// column is one column of a results table: its header and how to read the
// value from a row. Values are float64 (NaN means "not available"), int,
// string, bool or time.Duration (written in seconds).
type column[R any] struct {
	name string
	prec int // significant digits for floats in markdown (0: 4)
	get  func(r *R) any
}

// cell formats v for CSV (exact, empty for NaN) or markdown (rounded, "–"
// for NaN).
func cell(v any, markdown bool, prec int) string {
	if prec == 0 {
		prec = 4
	}
	switch x := v.(type) {
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			if markdown {
				return "–"
			}
			return ""
		}
		if markdown {
			return strconv.FormatFloat(x, 'g', prec, 64)
		}
		return strconv.FormatFloat(x, 'g', -1, 64)
	case time.Duration:
		return cell(x.Seconds(), markdown, prec)
	case int:
		return strconv.Itoa(x)
	case bool:
		if markdown {
			if x {
				return "yes"
			}
			return "no"
		}
		return strconv.FormatBool(x)
	case string:
		if markdown {
			return strings.ReplaceAll(x, "|", "\\|")
		}
		return x
	default:
		return fmt.Sprint(x)
	}
}

func writeCSVTable[R any](w io.Writer, cols []column[R], rows []R) error {
	cw := csv.NewWriter(w)
	head := make([]string, len(cols))
	for i, c := range cols {
		head[i] = c.name
	}
	if err := cw.Write(head); err != nil {
		return err
	}
	rec := make([]string, len(cols))
	for k := range rows {
		for i, c := range cols {
			rec[i] = cell(c.get(&rows[k]), false, 0)
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func writeMarkdownTable[R any](w io.Writer, cols []column[R], rows []R) error {
	var b strings.Builder
	b.WriteString("|")
	for _, c := range cols {
		b.WriteString(" " + c.name + " |")
	}
	b.WriteString("\n|")
	for range cols {
		b.WriteString("---|")
	}
	b.WriteString("\n")
	for k := range rows {
		b.WriteString("|")
		for _, c := range cols {
			b.WriteString(" " + cell(c.get(&rows[k]), true, c.prec) + " |")
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// jsonRows encodes rows as a JSON array of objects whose keys follow the
// column order; NaN and ±Inf become null (JSON has no NaN).
func jsonRows[R any](cols []column[R], rows []R) (json.RawMessage, error) {
	var b bytes.Buffer
	b.WriteString("[")
	for k := range rows {
		if k > 0 {
			b.WriteString(",")
		}
		b.WriteString("\n  {")
		for i, c := range cols {
			if i > 0 {
				b.WriteString(", ")
			}
			key, _ := json.Marshal(c.name)
			b.Write(key)
			b.WriteString(": ")
			v := c.get(&rows[k])
			switch x := v.(type) {
			case float64:
				if math.IsNaN(x) || math.IsInf(x, 0) {
					v = nil
				}
			case time.Duration:
				v = x.Seconds()
			}
			enc, err := json.Marshal(v)
			if err != nil {
				return nil, fmt.Errorf("column %s: %w", c.name, err)
			}
			b.Write(enc)
		}
		b.WriteString("}")
	}
	b.WriteString("\n]")
	return b.Bytes(), nil
}

// distinct returns the non-empty keys of items, each once, in the order
// they first appear.
func distinct[T any](items []T, key func(*T) string) []string {
	var out []string
	seen := map[string]bool{}
	for i := range items {
		if k := key(&items[i]); k != "" && !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}

// median returns the median of the non-NaN values of xs (NaN when there
// are none).
func median(xs []float64) float64 {
	v := make([]float64, 0, len(xs))
	for _, x := range xs {
		if !math.IsNaN(x) {
			v = append(v, x)
		}
	}
	if len(v) == 0 {
		return math.NaN()
	}
	sort.Float64s(v)
	h := len(v) / 2
	if len(v)%2 == 1 {
		return v[h]
	}
	return (v[h-1] + v[h]) / 2
}

// mean returns the mean (gonum's stat.Mean) of the values of xs that are
// not NaN (a row without a neural map has NaN neural errors), or NaN when
// there are none.
func mean(xs []float64) float64 {
	kept := make([]float64, 0, len(xs))
	for _, x := range xs {
		if !math.IsNaN(x) {
			kept = append(kept, x)
		}
	}
	if len(kept) == 0 {
		return math.NaN()
	}
	return stat.Mean(kept, nil)
}

// writeJSONDoc writes {"experiment", "options", "siren", "rows", "means"}.
func writeJSONDoc(w io.Writer, name string, opts, cfg any, rows, means json.RawMessage) error {
	o, err := json.MarshalIndent(opts, "  ", "  ")
	if err != nil {
		return fmt.Errorf("options: %w", err)
	}
	c, err := json.MarshalIndent(cfg, "  ", "  ")
	if err != nil {
		return fmt.Errorf("siren config: %w", err)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "{\n  \"experiment\": %q,\n  \"options\": %s,\n  \"siren\": %s,\n  \"rows\": ", name, o, c)
	b.Write(rows)
	if means != nil {
		b.WriteString(",\n  \"means\": ")
		b.Write(means)
	}
	b.WriteString("\n}\n")
	_, err = w.Write(b.Bytes())
	return err
}
