package experiment

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/neuralem/neuralem/internal/datadir"
)

// Pair is an experimental map with its deposited model (graph experiment).
// Paths may be relative to the data directory (GraphOptions.DataDir).
type Pair struct {
	// Name identifies the pair in tables, e.g. "EMD-2566".
	Name string `json:"name"`
	// Map and Model are the file paths of the density map and the model.
	Map   string `json:"map"`
	Model string `json:"model"`
	// Resolution of the map in Å (> 0; required).
	Resolution float64 `json:"resolution"`
	// ResolutionNote says where the resolution comes from, and
	// ResolutionAssumed flags a value that is a guess.
	ResolutionNote    string `json:"resolution_note,omitempty"`
	ResolutionAssumed bool   `json:"resolution_assumed,omitempty"`
	// Masked flags maps masked around the model: background density is
	// removed, so specificity is optimistic.
	Masked bool `json:"masked"`
	// NeuralMap, if set, is a .nem file of this map to build a graph from.
	NeuralMap string `json:"neural_map,omitempty"`
}

// DefaultPairs returns the five map + model pairs of /work/shared/data
// (SOURCES.md), with paths relative to the data directory:
//
//   - EMD-20026 (mouse apoferritin, chain A zone): 1.75 Å. SOURCES.md says
//     "~1.75 Å, please verify"; EMD-20026 is the 1.75 Å mouse apoferritin
//     map of the Q-score paper (Pintilie et al. 2020), so 1.75 is used.
//   - EMD-2566 (3J6B chain 9): 3.2 Å.
//   - EMD-0093 (HCN4, 6GYN): 3.4 Å (REMARK 2 of 6GYN).
//   - ribocut4a (unknown EMDB entry): 4.0 Å is an ASSUMPTION from the file
//     name ("4a"), flagged with ResolutionAssumed.
//   - 3EK3 X-ray 2Fo-Fc map: 1.70 Å (the crystal structure's resolution).
//
// EMD-20026, EMD-2566 and EMD-0093 are masked around the model.
func DefaultPairs() []Pair {
	return []Pair{
		{Name: "EMD-20026", Map: "maps/emd20026_apoferritin_chainA_zone.mrc.gz", Model: "models/emd20026_3ajo_fitted_refined_chainA.pdb",
			Resolution: 1.75, ResolutionNote: "EMD-20026 (Q-score paper's mouse apoferritin), 1.75 Å", Masked: true},
		{Name: "EMD-2566", Map: "maps/emd2566_3j6b_chain9.mrc", Model: "models/emd2566_3j6b_chain9.pdb",
			Resolution: 3.2, ResolutionNote: "EMDB entry", Masked: true},
		{Name: "EMD-0093", Map: "maps/emd0093_hcn4_masked4A.mrc.gz", Model: "models/emd0093_6gyn.pdb",
			Resolution: 3.4, ResolutionNote: "REMARK 2 of 6GYN", Masked: true},
		{Name: "ribocut4a", Map: "maps/ribocut4a_unknown_emdb.mrc", Model: "models/ribocut4a_ribosomexample_chainC.pdb",
			Resolution: 4.0, ResolutionNote: "ASSUMED from the file name; the EMDB entry is unknown", ResolutionAssumed: true},
		{Name: "3EK3-xray", Map: "maps/xray_3ek3_2fofc_C2221_axes213.map.gz", Model: "models/xray_3ek3.cif",
			Resolution: 1.70, ResolutionNote: "X-ray 2Fo-Fc, crystal structure resolution"},
	}
}

// SimModel is a model to simulate maps from (interpolation experiment).
type SimModel struct {
	// Name identifies the model in tables, e.g. "1CRN".
	Name string `json:"name"`
	// Path of the model file, possibly relative to the data directory.
	Path string `json:"path"`
	// Resolution in Å at which the maps are simulated (the paper uses the
	// resolution of the experimental map the model was deposited with).
	Resolution float64 `json:"resolution"`
}

// DefaultSimModels returns the models of models/sim in the shared data
// (SOURCES.md) with their deposited resolutions, smallest model first.
func DefaultSimModels() []SimModel {
	return []SimModel{
		{"4oz7", "models/sim/4oz7.pdb", 1.65},
		{"1CRN", "models/sim/1CRN.cif", 1.5},
		{"1blu", "models/sim/1blu.pdb", 2.1},
		{"5gob", "models/sim/5gob.pdb", 1.15},
		{"1d66", "models/sim/1d66.pdb", 2.7},
		{"4opj", "models/sim/4opj.cif", 1.54},
		{"7a4m", "models/sim/7a4m.cif", 1.22},
		{"2src", "models/sim/2src.pdb", 1.5},
		{"1u19", "models/sim/1u19.pdb", 2.2},
		{"8tze", "models/sim/8tze.cif", 2.90},
		{"9jmb", "models/sim/9jmb.cif", 2.18},
		{"9mqm", "models/sim/9mqm.cif", 3.07},
		{"3SN6", "models/sim/3SN6.cif", 3.2},
		{"7l2i", "models/sim/7l2i.cif", 3.7},
	}
}

// DataDir returns the shared data directory used when the options give
// none: $NEURALEM_SHARED_DATA if set, otherwise ../shared/data beside the
// repository root if it exists, otherwise "".
func DataDir() string { return datadir.Shared() }

// resolve returns path itself if it is absolute or exists as given, else
// path under dataDir (or under DataDir() when dataDir is empty). It fails,
// naming both candidates, when the file is in neither place.
func resolve(dataDir, path string) (string, error) {
	if path == "" {
		return "", fmt.Errorf("empty file path")
	}
	if filepath.IsAbs(path) {
		if _, err := os.Stat(path); err != nil {
			return "", err
		}
		return path, nil
	}
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	if dataDir == "" {
		dataDir = DataDir()
	}
	if dataDir == "" {
		return "", fmt.Errorf("%s: not found, and no data directory (set DataDir or $NEURALEM_SHARED_DATA)", path)
	}
	p := filepath.Join(dataDir, path)
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("%s: not found as given nor as %s", path, p)
	}
	return p, nil
}
