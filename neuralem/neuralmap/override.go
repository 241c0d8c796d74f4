package neuralmap

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/neuralem/neuralem/neuralem/siren"
)

// Override changes chosen fields of fit options, usually a named preset's
// (Preset is the one place presets are defined; Override the one place they
// are changed). A nil field is not set and leaves the preset's value; a set
// field replaces it, whatever its value (0 included), after validation. So
// nothing is silently ignored: a bad value is an *OverrideError naming the
// field and the value, never a fall-back to the preset.
//
// A learned initialisation (FitOptions.Init, which Preset("cpu") sets) is
// meta-learned for one network and region size: an Override that changes
// either, or sets Seed (which only draws random initial weights), while
// Init is set is an *OverrideError naming the field. Set Init to nil first
// to start from random weights.
//
// From a notebook:
//
//	opts, _ := neuralmap.Preset("cpu")
//	lr, steps := 3e-3, 500
//	opts, changes, err := opts.Override(neuralmap.Override{LearningRate: &lr, MaxSteps: &steps})
type Override struct {
	Width        *int             // > 0
	HiddenLayers *int             // ≥ 0
	Omega0       *float64         // finite, > 0 (hidden sine layers; also the input layer when FirstOmega0 is 0)
	FirstOmega0  *float64         // finite, ≥ 0 (0: the input layer uses Omega0)
	LearningRate *float64         // finite, > 0
	MaxSteps     *int             // ≥ 0 (0: no step cap; then MaxTime must be set)
	MaxTime      *time.Duration   // ≥ 0 (0: no time cap; then MaxSteps must be set)
	Patience     *int             // > 0
	LowLoss      *float64         // finite, ≥ 0, ≤ HighLoss
	HighLoss     *float64         // finite, ≥ LowLoss
	Seed         *uint64          // any
	SolveOutput  *bool            // any (siren.Config.SolveOutput)
	Optimizer    *siren.Optimizer // "adam" or "kfac" (siren.Config.Optimizer; unset: FitOptions.FitConfig chooses by the start); "kfac" also sets SolveOutput and refuses LearningRate
	RegionSize   *int             // > Overlap
	Overlap      *int             // ≥ 0, < RegionSize
}

// Change is one field an Override set: its name (an Override field) and
// the values before and after, as text.
type Change struct {
	Field    string
	From, To string
}

// String is "Field from → to".
func (c Change) String() string {
	if c.From == c.To {
		return fmt.Sprintf("%s %s (unchanged)", c.Field, c.To)
	}
	return fmt.Sprintf("%s %s → %s", c.Field, c.From, c.To)
}

// OverrideError is a value an Override refused: the field (an Override
// field name), the value, and what is wanted.
type OverrideError struct {
	Field string
	Value string
	Want  string
}

func (e *OverrideError) Error() string {
	return fmt.Sprintf("neuralmap: override %s = %s: want %s", e.Field, e.Value, e.Want)
}

func fmtF(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

// Override returns o with the set fields of ov applied and validated, and
// the list of changes in field order. On error o is returned unchanged.
func (o FitOptions) Override(ov Override) (FitOptions, []Change, error) {
	out := o
	var changes []Change
	bad := func(field, value, want string) (FitOptions, []Change, error) {
		return o, nil, &OverrideError{Field: field, Value: value, Want: want}
	}
	setInt := func(field string, p *int, dst *int, ok func(int) bool, want string) error {
		if p == nil {
			return nil
		}
		if !ok(*p) {
			return &OverrideError{Field: field, Value: strconv.Itoa(*p), Want: want}
		}
		changes = append(changes, Change{field, strconv.Itoa(*dst), strconv.Itoa(*p)})
		*dst = *p
		return nil
	}
	setFloat := func(field string, p *float64, dst *float64, ok func(float64) bool, want string) error {
		if p == nil {
			return nil
		}
		if math.IsNaN(*p) || math.IsInf(*p, 0) || !ok(*p) {
			return &OverrideError{Field: field, Value: fmtF(*p), Want: want}
		}
		changes = append(changes, Change{field, fmtF(*dst), fmtF(*p)})
		*dst = *p
		return nil
	}
	pos := func(x int) bool { return x > 0 }
	nonNeg := func(x int) bool { return x >= 0 }
	posF := func(x float64) bool { return x > 0 }
	nonNegF := func(x float64) bool { return x >= 0 }
	c := &out.Config
	for _, err := range []error{
		setInt("Width", ov.Width, &c.Width, pos, "a layer width > 0"),
		setInt("HiddenLayers", ov.HiddenLayers, &c.HiddenLayers, nonNeg, "a number of hidden layers ≥ 0"),
		setFloat("Omega0", ov.Omega0, &c.Omega0, posF, "a finite ω0 > 0"),
		setFloat("FirstOmega0", ov.FirstOmega0, &c.FirstOmega0, nonNegF, "a finite ω0 ≥ 0 (0: the input layer uses Omega0)"),
		setFloat("LearningRate", ov.LearningRate, &c.LearningRate, posF, "a finite learning rate > 0"),
		setInt("MaxSteps", ov.MaxSteps, &c.MaxSteps, nonNeg, "a step cap ≥ 0 (0: none)"),
	} {
		if err != nil {
			return o, nil, err
		}
	}
	if ov.MaxTime != nil {
		if *ov.MaxTime < 0 {
			return bad("MaxTime", ov.MaxTime.String(), "a duration ≥ 0 (0: no time cap)")
		}
		changes = append(changes, Change{"MaxTime", c.MaxTime.String(), ov.MaxTime.String()})
		c.MaxTime = *ov.MaxTime
	}
	for _, err := range []error{
		setInt("Patience", ov.Patience, &c.Patience, pos, "a patience > 0 steps"),
		setFloat("LowLoss", ov.LowLoss, &c.LowLoss, nonNegF, "a finite loss ≥ 0"),
		setFloat("HighLoss", ov.HighLoss, &c.HighLoss, nonNegF, "a finite loss ≥ 0"),
	} {
		if err != nil {
			return o, nil, err
		}
	}
	if ov.Seed != nil {
		changes = append(changes, Change{"Seed", strconv.FormatUint(c.Seed, 10), strconv.FormatUint(*ov.Seed, 10)})
		c.Seed = *ov.Seed
	}
	if ov.SolveOutput != nil {
		changes = append(changes, Change{"SolveOutput", strconv.FormatBool(c.SolveOutput), strconv.FormatBool(*ov.SolveOutput)})
		c.SolveOutput = *ov.SolveOutput
	}
	if ov.Optimizer != nil {
		opt := *ov.Optimizer
		if opt != siren.OptimizerAdam && opt != siren.OptimizerKFAC {
			return bad("Optimizer", strconv.Quote(string(opt)), `"adam" or "kfac"`)
		}
		changes = append(changes, Change{"Optimizer", optimizerName(c.Optimizer), string(opt)})
		c.Optimizer = opt
		if opt == siren.OptimizerKFAC && !c.SolveOutput {
			if ov.SolveOutput != nil {
				return bad("SolveOutput", "false", `true with Optimizer "kfac" (K-FAC moves the sine layers; the output layer is solved)`)
			}
			changes = append(changes, Change{"SolveOutput", "false", "true"})
			c.SolveOutput = true
		}
	} else if c.Optimizer == "" && (ov.LearningRate != nil || ov.SolveOutput != nil) {
		// A learning rate, or a choice about the output layer, is a choice
		// of Adam's fit: never let the automatic choice
		// (FitOptions.FitConfig) pick K-FAC, which ignores the one and
		// needs the output layer solved.
		changes = append(changes, Change{"Optimizer", optimizerName(c.Optimizer), string(siren.OptimizerAdam)})
		c.Optimizer = siren.OptimizerAdam
	}
	if c.Optimizer == siren.OptimizerKFAC && ov.LearningRate != nil {
		return bad("LearningRate", fmtF(*ov.LearningRate), `none with Optimizer "kfac" (it chooses its step lengths; the learning rate is Adam's)`)
	}
	t := &out.Tiling
	for _, err := range []error{
		setInt("RegionSize", ov.RegionSize, &t.Size, pos, "a region edge > 0 voxels"),
		setInt("Overlap", ov.Overlap, &t.Overlap, nonNeg, "an overlap ≥ 0 voxels"),
	} {
		if err != nil {
			return o, nil, err
		}
	}
	// Checks across fields name the field that was set.
	pick := func(a string, pa bool, b string) string {
		if pa {
			return a
		}
		return b
	}
	switch {
	case c.LowLoss > c.HighLoss:
		f := pick("LowLoss", ov.LowLoss != nil, "HighLoss")
		v := map[string]float64{"LowLoss": c.LowLoss, "HighLoss": c.HighLoss}[f]
		return bad(f, fmtF(v), fmt.Sprintf("LowLoss ≤ HighLoss (LowLoss %g, HighLoss %g)", c.LowLoss, c.HighLoss))
	case c.MaxSteps == 0 && c.MaxTime == 0:
		f := pick("MaxSteps", ov.MaxSteps != nil, "MaxTime")
		return bad(f, "0", "a step cap or a time cap (MaxSteps and MaxTime are both 0, so a fit might never end)")
	case t.Size <= t.Overlap:
		f := pick("Overlap", ov.Overlap != nil, "RegionSize")
		v := map[string]int{"Overlap": t.Overlap, "RegionSize": t.Size}[f]
		return bad(f, strconv.Itoa(v), fmt.Sprintf("RegionSize > Overlap (region size %d, overlap %d voxels)", t.Size, t.Overlap))
	}
	if err := out.Config.Validate(); err != nil {
		return o, nil, fmt.Errorf("neuralmap: override: %w", err)
	}
	if err := out.Tiling.Validate(); err != nil {
		return o, nil, fmt.Errorf("neuralmap: override: %w", err)
	}
	if out.Init != nil {
		if ov.Seed != nil {
			return bad("Seed", strconv.FormatUint(*ov.Seed, 10), fmt.Sprintf("no seed with the learned initialisation %s: a seed draws random initial weights, so start from random ones to set it", out.Init.Name))
		}
		if err := checkInit(out.Init, out.Config, out.Tiling); err != nil {
			for _, ch := range changes { // name the first set field it refuses
				switch ch.Field {
				case "Width", "HiddenLayers", "Omega0", "FirstOmega0", "RegionSize":
					if ch.From != ch.To {
						return bad(ch.Field, ch.To, fmt.Sprintf("a value the learned initialisation %s fits, or random initial weights (set Init to nil first): %v", out.Init.Name, err))
					}
				}
			}
			return o, nil, fmt.Errorf("neuralmap: override: %w", err)
		}
	}
	return out, changes, nil
}

// optimizerName is opt as an Override's change shows it: "" (unset) is
// "auto", chosen by the start (FitOptions.FitConfig).
func optimizerName(opt siren.Optimizer) string {
	if opt == "" {
		return "auto"
	}
	return string(opt)
}
