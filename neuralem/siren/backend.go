package siren

import (
	"fmt"
	"os"
	"reflect"
	"strings"

	"github.com/gomlx/compute"
	_ "github.com/gomlx/compute/gobackend" // the pure-Go backend, always linked
)

// DefaultBackendConfig is the backend used when $GOMLX_BACKEND is unset: the
// pure-Go backend with its graph ops run one after another. compute v0.1.5's
// Go backend can deadlock on 2 cores when two parallel ops both saturate the
// matmul worker pool (2 of 6 small fits hung); ops_sequential never did (8 of
// 8), and each matmul still uses every core.
const DefaultBackendConfig = "go:ops_sequential"

// NewBackend returns the GoMLX backend to use: the one named by
// $GOMLX_BACKEND if it is set (e.g. "go", or "xla:cpu" in a -tags xla
// build), otherwise DefaultBackendConfig. It never falls back to XLA on its
// own, so nothing tries to download PJRT plugins.
func NewBackend() (compute.Backend, error) {
	if cfg, ok := os.LookupEnv(compute.ConfigEnvVar); ok && cfg != "" {
		b, err := compute.NewWithConfig(cfg)
		if err != nil {
			return nil, fmt.Errorf("siren: backend from $%s=%q: %w", compute.ConfigEnvVar, cfg, err)
		}
		return b, nil
	}
	b, err := compute.NewWithConfig(DefaultBackendConfig)
	if err != nil {
		return nil, fmt.Errorf("siren: Go backend: %w", err)
	}
	return b, nil
}

// checkedBackend validates cfg and returns backend (NewBackend() when it
// is nil) and the sine its graphs use: the common start of the Trainer,
// StackTrainer and Evaluator constructors.
func checkedBackend(backend compute.Backend, cfg Config) (compute.Backend, SineKind, error) {
	if err := cfg.Validate(); err != nil {
		return nil, "", err
	}
	if backend == nil {
		var err error
		if backend, err = NewBackend(); err != nil {
			return nil, "", err
		}
	}
	sine, err := resolveSine(cfg.Sine, backend)
	if err != nil {
		return nil, "", err
	}
	return backend, sine, nil
}

// IsGoBackend reports whether b is GoMLX's pure-Go backend (whose training
// step keeps about one core busy, so regions are best trained concurrently).
func IsGoBackend(b compute.Backend) bool {
	if b == nil {
		return false
	}
	t := reflect.TypeOf(b)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return strings.HasSuffix(t.PkgPath(), "/gobackend")
}
