package neuralmap

import (
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

// newDefaultEvaluator returns the evaluator Sample uses when none was set.
func newDefaultEvaluator() (NetEvaluator, error) { return NewEvaluator(nil) }
