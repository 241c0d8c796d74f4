package neuralmap

import (
	"fmt"
	"runtime"
	"sync"

	"github.com/gomlx/compute"
	"github.com/neuralem/neuralem/neuralem/siren"
)

// archKey identifies a network architecture (what a siren.Evaluator's
// compiled graphs depend on).
type archKey struct {
	width, hidden int
	omega0, first float64
}

// sirenEvaluator dispatches to one siren.Evaluator per architecture, all on
// one backend, created on first use.
type sirenEvaluator struct {
	mu      sync.Mutex
	backend compute.Backend
	evals   map[archKey]*siren.Evaluator
}

// NewEvaluator returns the GoMLX evaluator Sample uses by default: one
// siren.Evaluator per network architecture on backend (nil:
// siren.NewBackend(), the pure-Go backend unless $GOMLX_BACKEND says
// otherwise). Share one between maps to share compiled graphs.
func NewEvaluator(backend compute.Backend) (NetEvaluator, error) {
	if backend == nil {
		var err error
		if backend, err = siren.NewBackend(); err != nil {
			return nil, err
		}
	}
	return &sirenEvaluator{backend: backend, evals: map[archKey]*siren.Evaluator{}}, nil
}

func (s *sirenEvaluator) Eval(net *siren.Net, x, val, grad []float32) error {
	c := net.Config
	k := archKey{c.Width, c.HiddenLayers, c.Omega0, c.InputOmega0()}
	s.mu.Lock()
	e, ok := s.evals[k]
	if !ok {
		var err error
		if e, err = siren.NewEvaluator(s.backend, c); err != nil {
			s.mu.Unlock()
			return err
		}
		s.evals[k] = e
	}
	s.mu.Unlock()
	return e.Eval(net, x, val, grad)
}

// NewEvaluators returns n evaluators for NeuralMap.SetEvaluators: the first
// on backend (nil: siren.NewBackend()), each other one on its own new
// siren.NewBackend(), so that they run concurrently. n = 0 chooses: on the
// pure-Go backend, whose evaluation keeps about one core busy (elementwise
// sine and cosine run on one core), one per core (GOMAXPROCS); on other
// backends 1. This is what Sample uses when no evaluator was set.
func NewEvaluators(n int, backend compute.Backend) ([]NetEvaluator, error) {
	if n < 0 {
		return nil, fmt.Errorf("neuralmap: %d evaluators, want ≥ 0 (0: one per core on the Go backend)", n)
	}
	if backend == nil {
		var err error
		if backend, err = siren.NewBackend(); err != nil {
			return nil, err
		}
	}
	if n == 0 {
		n = 1
		if siren.IsGoBackend(backend) {
			n = runtime.GOMAXPROCS(0)
		}
	}
	es := make([]NetEvaluator, n)
	for w := range es {
		b := backend
		if w > 0 {
			var err error
			if b, err = siren.NewBackend(); err != nil {
				return nil, err
			}
		}
		var err error
		if es[w], err = NewEvaluator(b); err != nil {
			return nil, err
		}
	}
	return es, nil
}
