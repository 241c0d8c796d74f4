package model

import (
	"os"
	"testing"

	"github.com/neuralem/neuralem/neuralem/internal/shared"
)

func benchRead(b *testing.B, rel string, parse func([]byte, string) (*Model, error)) {
	data, err := os.ReadFile(shared.Path(b, rel))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	var n int
	for b.Loop() {
		m, err := finish(parse(data, rel))
		if err != nil {
			b.Fatal(err)
		}
		n = len(m.Atoms)
	}
	b.ReportMetric(float64(n), "atoms")
}

// BenchmarkReadCIF7l2i parses 7l2i.cif (1.8 MB, 17432 atom sites) from memory.
func BenchmarkReadCIF7l2i(b *testing.B) { benchRead(b, "models/sim/7l2i.cif", parseCIF) }

// BenchmarkReadPDB6gyn parses emd0093_6gyn.pdb (1.4 MB, 16932 atoms) from memory.
func BenchmarkReadPDB6gyn(b *testing.B) { benchRead(b, "models/emd0093_6gyn.pdb", parsePDB) }
