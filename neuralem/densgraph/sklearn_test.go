package densgraph

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/neuralem/neuralem/neuralem/geom"
)

// chainField is a protein-like analytic map: 40 Gaussian "atoms" on a
// self-avoiding random walk with 1.5 Å bonds, different heights, so walked
// seeds pile up at many nearby peaks (and some at merged peaks).
func chainField() *gaussField {
	rng := rand.New(rand.NewPCG(11, 12))
	f := &gaussField{box: geom.Box{Max: geom.Point{16, 16, 16}}}
	p := geom.Point{8, 8, 8}
	for len(f.centres) < 40 {
		d := geom.Vec3{rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()}
		q := p.Add(d.Scale(1.5 / d.Norm()))
		ok := q[0] > 3 && q[0] < 13 && q[1] > 3 && q[1] < 13 && q[2] > 3 && q[2] < 13
		for _, c := range f.centres {
			ok = ok && c.Dist(q) > 1.3
		}
		if !ok {
			continue
		}
		p = q
		f.centres = append(f.centres, p)
		f.amp = append(f.amp, 0.6+0.6*rng.Float64())
		f.sigma = append(f.sigma, 0.45+0.2*rng.Float64())
	}
	return f
}

func TestDBSCANMatchesScikitLearn(t *testing.T) {
	py := python(t, "sklearn", "numpy")
	f := chainField()
	seeds, _, err := Seed(f, SeedOptions{Threshold: Absolute(0.25)})
	if err != nil {
		t.Fatal(err)
	}
	w, err := Walk(f, seeds, WalkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// A real walked peak set, plus a copy jittered by 0.08 Å so that the
	// clusters are not trivially tight (border points and noise appear).
	rng := rand.New(rand.NewPCG(13, 14))
	pts := append([]geom.Point(nil), w.Peaks...)
	for _, p := range w.Peaks {
		pts = append(pts, p.Add(geom.Vec3{rng.NormFloat64() * 0.08, rng.NormFloat64() * 0.08, rng.NormFloat64() * 0.08}))
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "pts.txt")
	var sb strings.Builder
	for _, p := range pts {
		fmt.Fprintf(&sb, "%.17g %.17g %.17g\n", p[0], p[1], p[2])
	}
	if err := os.WriteFile(in, []byte(sb.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		eps    float64
		minPts int
	}{{DefaultEps, DefaultMinPts}, {0.2, 4}, {0.12, 6}}
	// One interpreter run for all cases (importing scikit-learn is slow).
	script := `
import sys, numpy as np
from sklearn.cluster import DBSCAN
x = np.loadtxt(sys.argv[1])
for eps, m in zip(sys.argv[2::2], sys.argv[3::2]):
    lab = DBSCAN(eps=float(eps), min_samples=int(m), algorithm="brute").fit(x).labels_
    print(" ".join(str(v) for v in lab))
`
	args := []string{"-c", script, in}
	for _, c := range cases {
		args = append(args, strconv.FormatFloat(c.eps, 'g', -1, 64), strconv.Itoa(c.minPts))
	}
	out, err := exec.Command(py, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("sklearn: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != len(cases) {
		t.Fatalf("sklearn printed %d lines for %d cases:\n%s", len(lines), len(cases), out)
	}
	for ci, c := range cases {
		fs := strings.Fields(lines[ci])
		if len(fs) != len(pts) {
			t.Fatalf("sklearn returned %d labels for %d points", len(fs), len(pts))
		}
		ref := make([]int, len(fs))
		for i, s := range fs {
			if ref[i], err = strconv.Atoi(s); err != nil {
				t.Fatal(err)
			}
		}
		got, nc, err := DBSCAN(pts, c.eps, c.minPts)
		if err != nil {
			t.Fatal(err)
		}
		noise := 0
		for _, l := range got {
			if l == Noise {
				noise++
			}
		}
		t.Logf("eps %g minPts %d: %d points, %d clusters, %d noise", c.eps, c.minPts, len(pts), nc, noise)
		if !samePartition(got, ref) {
			diff := 0
			for i := range got {
				if (got[i] == Noise) != (ref[i] == Noise) {
					diff++
				}
			}
			t.Errorf("eps %g minPts %d: clustering differs from scikit-learn (%d noise mismatches)", c.eps, c.minPts, diff)
		}
		if nc < 30 || (c.minPts > 1 && noise == 0) {
			t.Errorf("test set too easy: %d clusters, %d noise", nc, noise)
		}
	}
}
