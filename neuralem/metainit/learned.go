package metainit

import (
	_ "embed" // the shipped initialisations
	"fmt"
	"path/filepath"
	"strings"
	"sync"

	"github.com/neuralem/neuralem/neuralem/siren"
)

//go:embed learned/cpu.nemi
var cpuFile []byte

// Init kinds, as a neural map records them.
const (
	// KindRandom: every region's network starts from siren.NewNet (the
	// config's scheme and seed).
	KindRandom = "random"
	// KindLearned: every region's network starts from a learned
	// initialisation (an Init).
	KindLearned = "learned"
)

var (
	cpuOnce sync.Once
	cpuInit *Init
	cpuErr  error
)

// ErrNoLearned is wrapped by Learned's error for a preset without a shipped
// initialisation.
var ErrNoLearned = fmt.Errorf("metainit: no learned initialisation ships for this preset")

// Learned returns the learned initialisation shipped for a preset (a copy
// the caller may change). Only "cpu" has one: see learned/README.md for the
// command that made it, its training set and its SHA-256. For "paper" it
// returns an error wrapping ErrNoLearned: meta-learning the paper's
// 256-wide network on 64³ regions is a GPU job (one inner Adam step of one
// region takes about 25 s on this project's 2-core machines, and Reptile
// needs tens of thousands).
func Learned(preset string) (*Init, error) {
	switch preset {
	case "cpu":
		cpuOnce.Do(func() {
			cpuInit, cpuErr = Decode(cpuFile)
			if cpuErr != nil {
				cpuErr = fmt.Errorf("metainit: the built-in cpu initialisation (learned/cpu.nemi): %w", cpuErr)
				return
			}
			cpuInit.Name = "cpu (built in)"
			if m := cpuInit.Meta; m.Done < m.Train.OuterSteps {
				cpuErr = fmt.Errorf("%w: the built-in cpu initialisation has %d of %d outer steps (a checkpoint, not a finished run)", ErrUnfinished, m.Done, m.Train.OuterSteps)
				return
			}
			cfg, err := siren.Preset("cpu")
			if err != nil {
				cpuErr = err
				return
			}
			if err := cpuInit.Check(cfg); err != nil {
				cpuErr = fmt.Errorf("metainit: the built-in cpu initialisation does not match the cpu preset: %w", err)
			}
		})
		if cpuErr != nil {
			return nil, cpuErr
		}
		c := *cpuInit
		c.Net = cpuInit.Net.Clone()
		return &c, nil
	case "paper":
		return nil, fmt.Errorf("%w (%q): meta-learning the paper's 256-wide network on 64³ regions is a GPU job "+
			"(about 25 s per inner Adam step of one region here, and Reptile needs tens of thousands); use --init random or a .nemi file", ErrNoLearned, preset)
	}
	return nil, fmt.Errorf("%w (%q): unknown preset", ErrNoLearned, preset)
}

// Default returns the initialisation a preset's fits start from when none
// is asked for: the shipped learned one for "cpu" (Learned), random weights
// (nil) for "paper", which has none. The cpu initialisation was
// meta-learned on voxel centres and on off-grid points between them (with
// the training map's cubic B-spline as the target there), so the networks
// fitted from it are as smooth between voxels as those fitted from random
// weights: the demo's density graph has the nodes and specificity of the
// random start, in about a third of the steps (learned/README.md,
// bench/meta/README.md). --init random (Resolve) starts from random weights.
func Default(preset string) (*Init, error) {
	switch preset {
	case "paper":
		return nil, nil
	case "cpu":
		return Learned(preset)
	}
	return nil, fmt.Errorf("%w (%q): unknown preset", ErrNoLearned, preset)
}

// Resolve turns an --init value into an initialisation for a preset:
// "random" (nil: siren.NewNet from the config's seed), "learned" (Learned),
// "" (Default) or the path of a .nemi file (Load). The network must match
// cfg exactly (Init.Check), else the error names both.
func Resolve(spec, preset string, cfg siren.Config) (*Init, error) {
	var in *Init
	var err error
	switch spec {
	case KindRandom:
		return nil, nil
	case KindLearned:
		in, err = Learned(preset)
	case "":
		in, err = Default(preset)
	default:
		if !strings.HasSuffix(spec, FileExt) && !strings.ContainsRune(spec, filepath.Separator) {
			return nil, fmt.Errorf("metainit: initialisation %q: want learned, random or the path of a %s file", spec, FileExt)
		}
		in, err = Load(spec)
	}
	if err != nil || in == nil {
		return nil, err
	}
	if in.Meta.Done < in.Meta.Train.OuterSteps {
		return nil, fmt.Errorf("%w: %s has %d of %d outer steps (a checkpoint: run meta-train again to finish it)", ErrUnfinished, in.Name, in.Meta.Done, in.Meta.Train.OuterSteps)
	}
	if err := in.Check(cfg); err != nil {
		return nil, err
	}
	return in, nil
}
