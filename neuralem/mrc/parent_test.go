package mrc

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/neuralem/neuralem/neuralem/geom"
	"github.com/neuralem/neuralem/neuralem/grid"
)

// TestParentLabelsRoundTrip: a parent normalisation written in a crop's
// labels reads back exactly (every float64 bit), and broken records are
// errors naming the field.
func TestParentLabelsRoundTrip(t *testing.T) {
	g := grid.New(grid.Frame{Shape: [3]int{3, 2, 2}, Spacing: geom.Vec3{1, 1, 1}})
	for i := range g.Data {
		g.Data[i] = float32(i) - 3
	}
	n, err := grid.FitNormalization(g)
	if err != nil {
		t.Fatal(err)
	}
	n.Hi = 2.4907212853431702 // a full-precision value
	n.Mean01, n.Std01 = 0.041234567890123456, 0.10331111111111111
	n.Mean, n.Std = 2*n.Mean01-1, 2*n.Std01
	labels := append([]string{"neuralem crop of x.mrc"}, ParentLabels(n)...)
	for _, l := range labels {
		if len(l) > 80 {
			t.Errorf("label %q is %d bytes, over 80", l, len(l))
		}
	}
	path := filepath.Join(t.TempDir(), "crop.mrc")
	if err := Write(path, g, WriteOptions{Labels: labels}); err != nil {
		t.Fatal(err)
	}
	_, h, err := ReadGrid(path)
	if err != nil {
		t.Fatal(err)
	}
	back, ok, err := ParentNormalization(h)
	if err != nil || !ok || back != n {
		t.Errorf("read back %+v, %v, %v; wrote %+v", back, ok, err, n)
	}
	// No record.
	if err := Write(path, g, WriteOptions{Labels: []string{"plain"}}); err != nil {
		t.Fatal(err)
	}
	_, h, _ = ReadGrid(path)
	if _, ok, err := ParentNormalization(h); ok || err != nil {
		t.Errorf("no record: ok %v err %v", ok, err)
	}
	for _, c := range []struct {
		labels []string
		want   string
	}{
		{ParentLabels(n)[:2], "lacks count"},
		{[]string{"neuralem parent lo=0 hi=abc", ParentLabels(n)[1], ParentLabels(n)[2]}, `hi = "abc"`},
		{[]string{"neuralem parent lo=3 hi=1", ParentLabels(n)[1], ParentLabels(n)[2]}, "lo = 3, hi = 1"},
		{[]string{"neuralem parent lo=0 hi", ParentLabels(n)[1], ParentLabels(n)[2]}, "not key=value"},
	} {
		if err := Write(path, g, WriteOptions{Labels: c.labels}); err != nil {
			t.Fatal(err)
		}
		_, h, _ = ReadGrid(path)
		if _, _, err := ParentNormalization(h); err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), path) {
			t.Errorf("labels %q: %v, want %q", c.labels, err, c.want)
		}
	}
}
