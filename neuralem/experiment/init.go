package experiment

import (
	"fmt"
	"hash/fnv"
	"strings"

	"github.com/neuralem/neuralem/neuralem/metainit"
	"github.com/neuralem/neuralem/neuralem/neuralmap"
)

// Initialisations of the neural maps' networks (InterpOptions.Inits).
const (
	// InitRandom is the configuration's own weight initialisation
	// (siren.Config.Init) drawn from its seed.
	InitRandom = "random"
	// InitLearned is the learned (meta-learned) initialisation shipped for
	// the preset's network (metainit.Learned; the cpu preset has one).
	InitLearned = "learned"
)

// neuralInits returns the initialisations to fit (none when noNeural),
// InitRandom alone when names is empty, and fails on an empty or repeated
// name.
func neuralInits(noNeural bool, names []string) ([]string, error) {
	if noNeural {
		return nil, nil
	}
	if len(names) == 0 {
		return []string{InitRandom}, nil
	}
	seen := map[string]bool{}
	out := make([]string, 0, len(names))
	for i, n := range names {
		n = strings.TrimSpace(n)
		if n == "" {
			return nil, fmt.Errorf("option Inits[%d] is empty: want %q, %q or an initialisation file", i, InitRandom, InitLearned)
		}
		if seen[n] {
			return nil, fmt.Errorf("option Inits[%d] %q is repeated", i, n)
		}
		seen[n] = true
		out = append(out, n)
	}
	return out, nil
}

// initKey is the part of a checkpoint name that says which initialisation
// a fit started from.
func initKey(init string) string {
	switch init {
	case InitRandom, InitLearned:
		return init
	}
	h := fnv.New32a()
	h.Write([]byte(init))
	return fmt.Sprintf("init%08x", h.Sum32())
}

// applyInit sets up fo to start from the named initialisation: InitRandom
// (fo.Init nil), InitLearned (the preset's shipped one, metainit.Learned;
// preset "" is "paper", which has none) or a .nemi file. The
// initialisation must fit fo.Config and fo.Tiling exactly, else the error
// names both; an unfinished meta-training checkpoint is refused.
func applyInit(init, preset string, fo *neuralmap.FitOptions) error {
	if init == InitRandom {
		fo.Init = nil
		return nil
	}
	if preset == "" {
		preset = "paper"
	}
	in, err := metainit.Resolve(init, preset, fo.Config)
	if err != nil {
		return fmt.Errorf("initialisation %q: %w", init, err)
	}
	fo.Init = in
	if err := fo.CheckInit(); err != nil {
		return fmt.Errorf("initialisation %q: %w", init, err)
	}
	return nil
}
