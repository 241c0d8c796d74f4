package metainit

import (
	"path/filepath"
)

// Split is a partition of the shared data into the sources an
// initialisation is trained on and the maps and models it is measured on.
type Split struct {
	Train []Source
	// HeldOutMaps and HeldOutModels are never used for training.
	HeldOutMaps   []Source
	HeldOutModels []string
}

// Resolutions are the simulated resolutions of the default training set,
// in Å: the span of cryo-EM maps the cpu preset meets (1.2–4 Å).
var Resolutions = []float64{1.2, 1.5, 2, 2.5, 3, 3.5, 4}

// RealVoxels are the voxel sizes in Å of the shared experimental maps
// (3EK3 ≈ 0.57, EMD-20026 0.65, ribocut4a 0.94, EMD-2566 and EMD-0093
// 1.34): the default training set also simulates on these grids.
var RealVoxels = []float64{0.57, 0.65, 0.94, 1.34}

// DefaultSplit returns the default split of the shared data directory
// dataDir (SOURCES.md there):
//
// Training: three experimental maps, EMD-0093 (HCN4, 3.4 Å, masked),
// ribocut4a (~4 Å, unmasked) and the 3EK3 X-ray 2Fo−Fc map (1.7 Å), and
// twelve models simulated at Resolutions on grids of R/3 and RealVoxels
// (SimSources): 9JMB, 8TZE, 7L2I, 3SN6, 1U19, 4OPJ, 5GOB, 1BLU, 1CRN, 4OZ7,
// and the deposited models of two training maps (ribocut4a chain C, 3EK3).
//
// Held out: the experimental maps EMD-20026 (apoferritin, 1.75 Å: the
// shipped default is a crop of it) and EMD-2566 (3.2 Å), their models, and
// the simulated models 7A4M (mouse apoferritin, the same protein as
// EMD-20026, so it must be held out with it), 2SRC, 1D66 and 9MQM.
func DefaultSplit(dataDir string) Split {
	p := func(rel string) string { return filepath.Join(dataDir, rel) }
	train := []Source{
		{Name: "EMD-0093", Map: p("maps/emd0093_hcn4_masked4A.mrc.gz"), Resolution: 3.4, Regions: 768},
		{Name: "ribocut4a", Map: p("maps/ribocut4a_unknown_emdb.mrc"), Resolution: 4, Regions: 768},
		{Name: "3EK3-xray", Map: p("maps/xray_3ek3_2fofc_C2221_axes213.map.gz"), Resolution: 1.7, Regions: 768},
	}
	var models []string
	for _, m := range []string{"9jmb.cif", "8tze.cif", "7l2i.cif", "3SN6.cif", "1u19.pdb", "4opj.cif", "5gob.pdb", "1blu.pdb", "1CRN.cif", "4oz7.pdb"} {
		models = append(models, p("models/sim/"+m))
	}
	models = append(models, p("models/ribocut4a_ribosomexample_chainC.pdb"), p("models/xray_3ek3.cif"))
	train = append(train, SimSources(models, Resolutions, RealVoxels, 24)...)
	return Split{
		Train: train,
		HeldOutMaps: []Source{
			{Name: "EMD-20026", Map: p("maps/emd20026_apoferritin_chainA_zone.mrc.gz"), Resolution: 1.75, Regions: 48},
			{Name: "EMD-2566", Map: p("maps/emd2566_3j6b_chain9.mrc"), Resolution: 3.2, Regions: 48},
		},
		HeldOutModels: []string{
			p("models/sim/7a4m.cif"), p("models/sim/2src.pdb"), p("models/sim/1d66.pdb"), p("models/sim/9mqm.cif"),
			p("models/emd20026_3ajo_fitted_refined_chainA.pdb"), p("models/emd2566_3j6b_chain9.pdb"),
		},
	}
}
