package molmap

import (
	"testing"
)

func benchmark7l2i(b *testing.B, spacing float64) {
	atoms := readCIFAtoms(b, "models/sim/7l2i.cif")
	p := Defaults(3.7) // 7L2I: cryo-EM, 3.7 Å
	if spacing > 0 {
		p.Spacing = spacing
	}
	f, err := BoundingFrame(atoms, p)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(f.Len())/1e6, "Mvoxels")
	b.ReportMetric(float64(len(atoms)), "atoms")
	b.ResetTimer()
	for b.Loop() {
		if _, err := Simulate(atoms, p); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMolmap7l2i02 simulates 7L2I (17k atoms, 3.7 Å) at 0.2 Å spacing,
// the paper's control-map setting (≈ 280 M voxels, 1.1 GB).
func BenchmarkMolmap7l2i02(b *testing.B) { benchmark7l2i(b, 0.2) }

// BenchmarkMolmap7l2iRes3 simulates 7L2I at the default resolution/3 spacing.
func BenchmarkMolmap7l2iRes3(b *testing.B) { benchmark7l2i(b, 0) }
