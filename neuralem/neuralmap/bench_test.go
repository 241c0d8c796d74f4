package neuralmap

import (
	"math/rand/v2"
	"testing"

	"github.com/neuralem/neuralem/neuralem/geom"
	"github.com/neuralem/neuralem/neuralem/grid"
	"github.com/neuralem/neuralem/neuralem/region"
	"github.com/neuralem/neuralem/neuralem/siren"
)

// benchMap is a 20³ map (1 Å voxels) tiled 12/4 into 8 regions with
// networks of the given shape. Query cost does not depend on the weights'
// values, so freshly initialised networks stand in for fitted ones.
func benchMap(b *testing.B, width, hidden int) *NeuralMap {
	frame := grid.Frame{Shape: [3]int{20, 20, 20}, Spacing: geom.Vec3{1, 1, 1}}
	m, err := New(frame, testNorm, region.Options{Size: 12, Overlap: 4})
	if err != nil {
		b.Fatal(err)
	}
	cfg, _ := siren.Preset("paper")
	cfg.Width, cfg.HiddenLayers = width, hidden
	for i := range m.Regions {
		cfg.Seed = uint64(i)
		if m.Regions[i].Net, err = siren.NewNet(cfg); err != nil {
			b.Fatal(err)
		}
	}
	return m
}

func benchSample(b *testing.B, width, hidden, n int, withGrad bool) {
	m := benchMap(b, width, hidden)
	pts := randomPointsIn(rand.New(rand.NewPCG(1, 2)), m.Domain(), n)
	val := make([]float64, n)
	var grad []geom.Vec3
	if withGrad {
		grad = make([]geom.Vec3, n)
	}
	// Warm up: compile the evaluation graphs.
	if err := m.Sample(pts, val, grad); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := m.Sample(pts, val, grad); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "points/s")
}

// Density + gradient per Å for batches of random points over the 8-region
// map: the unit-test network (width 16, 1 hidden layer), the "cpu" preset
// shape (64, 2) and the paper's network (256, 4).
func BenchmarkSampleGradW16(b *testing.B)  { benchSample(b, 16, 1, 1<<16, true) }
func BenchmarkSampleGradW64(b *testing.B)  { benchSample(b, 64, 2, 1<<16, true) }
func BenchmarkSampleGradW256(b *testing.B) { benchSample(b, 256, 4, 1<<14, true) }
func BenchmarkSampleW64(b *testing.B)      { benchSample(b, 64, 2, 1<<16, false) }
