package siren

import (
	"fmt"
	"os"

	"github.com/gomlx/compute"
	_ "github.com/gomlx/compute/gobackend" // the pure-Go backend, always linked
)

// NewBackend returns the GoMLX backend to use: the one named by
// $GOMLX_BACKEND if it is set (e.g. "go", or "xla:cpu" in a -tags xla
// build), otherwise the pure-Go backend. It never falls back to XLA on its
// own, so nothing tries to download PJRT plugins.
func NewBackend() (compute.Backend, error) {
	if cfg, ok := os.LookupEnv(compute.ConfigEnvVar); ok && cfg != "" {
		b, err := compute.NewWithConfig(cfg)
		if err != nil {
			return nil, fmt.Errorf("siren: backend from $%s=%q: %w", compute.ConfigEnvVar, cfg, err)
		}
		return b, nil
	}
	b, err := compute.NewWithConfig("go")
	if err != nil {
		return nil, fmt.Errorf("siren: Go backend: %w", err)
	}
	return b, nil
}
