package neuralmap

import "fmt"

// newDefaultEvaluator returns the evaluator Sample uses when none was set.
func newDefaultEvaluator() (NetEvaluator, error) {
	return nil, fmt.Errorf("neuralmap: no network evaluator set (siren.Evaluator not integrated yet)")
}
