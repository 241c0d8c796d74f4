package mrc

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/neuralem/neuralem/neuralem/grid"
)

// A crop's density graph threshold μ + 3σ is not its parent map's: the
// paper's normalisation scales by the map's maximum and σ is taken over the
// map's voxels, so a box around the model has a higher μ and σ than the
// whole map (0.755 against 0.415 on the [0, 1] scale for one real map).
// To keep crop results comparable with whole-map ones, 'neuralem crop'
// records the parent map's normalisation in the crop's own MRC labels, and
// the commands that normalise a map use it by default.
//
// Labels, not a sidecar file: the record travels with the map (copied,
// renamed, gzipped, uploaded), it is written in the same atomic rename as
// the data, and it cannot describe another file by mistake. Every MRC
// reader keeps the labels; a tool that rewrites the map with new labels
// drops the record, and the map is then normalised on its own, which is
// what such a rewritten map should get. Three labels of at most 80 ASCII
// characters hold every field exactly (shortest round-trip decimals):
//
//	neuralem parent lo=0 hi=2.4907...
//	neuralem parent mu01=0.0412... sd01=0.1033...
//	neuralem parent count=1906128 clamped=1045770

const parentTag = "neuralem parent "

// ParentLabels returns the MRC labels recording n, the normalisation of the
// map a crop was cut from.
func ParentLabels(n grid.Normalization) []string {
	f := func(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
	return []string{
		parentTag + "lo=" + f(n.Lo) + " hi=" + f(n.Hi),
		parentTag + "mu01=" + f(n.Mean01) + " sd01=" + f(n.Std01),
		parentTag + "count=" + strconv.Itoa(n.Count) + " clamped=" + strconv.Itoa(n.Clamped),
	}
}

// ParentNormalization reads the parent-map normalisation that ParentLabels
// recorded in a header's labels. ok is false when the labels hold no such
// record; a partial or malformed record is an error naming the file, the
// label and the value.
func ParentNormalization(h *Header) (n grid.Normalization, ok bool, err error) {
	vals := map[string]string{}
	for i, l := range h.Labels() {
		rest, found := strings.CutPrefix(l, parentTag)
		if !found {
			continue
		}
		for _, kv := range strings.Fields(rest) {
			k, v, good := strings.Cut(kv, "=")
			if !good {
				return n, false, fmt.Errorf("mrc: %s: label %d %q: %q is not key=value", h.path, i+1, l, kv)
			}
			vals[k] = v
		}
	}
	if len(vals) == 0 {
		return n, false, nil
	}
	num := func(k string) float64 {
		if err != nil {
			return 0
		}
		s, found := vals[k]
		if !found {
			err = fmt.Errorf("mrc: %s: the labels' parent-map record lacks %s (labels %q)", h.path, k, h.Labels())
			return 0
		}
		x, perr := strconv.ParseFloat(s, 64)
		if perr != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			err = fmt.Errorf("mrc: %s: parent-map label %s = %q, want a finite number", h.path, k, s)
		}
		return x
	}
	n.Lo, n.Hi = num("lo"), num("hi")
	n.Mean01, n.Std01 = num("mu01"), num("sd01")
	count, clamped := num("count"), num("clamped")
	if err != nil {
		return grid.Normalization{}, false, err
	}
	switch {
	case !(n.Hi > n.Lo):
		return grid.Normalization{}, false, fmt.Errorf("mrc: %s: parent-map labels lo = %g, hi = %g, want lo < hi", h.path, n.Lo, n.Hi)
	case n.Std01 < 0:
		return grid.Normalization{}, false, fmt.Errorf("mrc: %s: parent-map label sd01 = %g, want ≥ 0", h.path, n.Std01)
	case count < 1 || clamped < 0 || clamped > count || count != math.Trunc(count) || clamped != math.Trunc(clamped):
		return grid.Normalization{}, false, fmt.Errorf("mrc: %s: parent-map labels count = %g, clamped = %g, want whole numbers 0 ≤ clamped ≤ count", h.path, count, clamped)
	}
	n.Count, n.Clamped = int(count), int(clamped)
	n.Mean, n.Std = 2*n.Mean01-1, 2*n.Std01
	return n, true, nil
}
