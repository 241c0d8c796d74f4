package experiment

import (
	"fmt"
	"hash/fnv"
	"strings"

	"github.com/neuralem/neuralem/neuralem/neuralmap"
)

// Initialisations of the neural maps' networks (InterpOptions.Inits).
const (
	// InitRandom is the configuration's own weight initialisation
	// (siren.Config.Init) drawn from its seed.
	InitRandom = "random"
	// InitLearned is the learned (meta-learned) initialisation of the
	// preset's network.
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

// applyInit sets up fo to start from the named initialisation.
func applyInit(init string, fo *neuralmap.FitOptions) error {
	switch init {
	case InitRandom:
		return nil
	case InitLearned:
		return fmt.Errorf("initialisation %q: this build has no learned initialisation yet (issue 11, part 1); use %q", init, InitRandom)
	}
	return fmt.Errorf("initialisation %q: initialisation files are not supported by this build yet (issue 11, part 1); use %q", init, InitRandom)
}
