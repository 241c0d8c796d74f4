package experiment

import (
	"fmt"
	"os"

	"github.com/gomlx/compute"
	"github.com/neuralem/neuralem/neuralem/siren"
)

// DefaultBackendConfig is the GoMLX backend used for neural fits and
// sampling when neither the options nor $GOMLX_BACKEND name one.
//
// "ops_sequential" works around a deadlock of the Go backend in
// github.com/gomlx/compute v0.1.5 on 2 cores: when two graph nodes run in
// parallel pool workers and both call a parallel small matmul
// (avx512SmallFloat32Parallel → workerspool.Pool.Saturate), each waits for a
// free worker that the other holds, forever. Measured: 2 hangs in 6 runs of
// TestInterpPipeline with plain "go", none in 8 with "go:ops_sequential".
// Matmuls still use both cores; only independent graph nodes no longer run
// concurrently.
const DefaultBackendConfig = "go:ops_sequential"

// newBackend returns b if not nil, the backend named by $GOMLX_BACKEND if
// set (siren.NewBackend), else DefaultBackendConfig.
func newBackend(b compute.Backend) (compute.Backend, error) {
	if b != nil {
		return b, nil
	}
	if cfg, ok := os.LookupEnv(compute.ConfigEnvVar); ok && cfg != "" {
		return siren.NewBackend()
	}
	b, err := compute.NewWithConfig(DefaultBackendConfig)
	if err != nil {
		return nil, fmt.Errorf("GoMLX backend %q: %w", DefaultBackendConfig, err)
	}
	return b, nil
}
