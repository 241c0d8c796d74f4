// Package experiment reproduces the two experiments of the paper (Ranno & Si,
// "Neural representations of cryo-EM maps and a graph-based interpretation")
// as a library: RunInterp is §3.1 / Figure 5 (interpolation of simulated maps)
// and RunGraph is §3.2 / Table 1 / Figure 6 (density graphs of experimental
// maps scored against deposited models). The command line
// (`neuralem experiment interp|graph`), the notebooks and
// bench/experiments call it. Results are plain Go structs with CSV, JSON and
// markdown writers.
//
// # Interpolation experiment (RunInterp)
//
// For a model and a resolution R, two molmap-style maps are simulated (package
// molmap, ChimeraX defaults): the input at R/3 Å voxels and the control at
// 0.2 Å voxels. molmap puts the origin at min(atom) − 3R without snapping it
// to the voxel size, so both maps share their frame origin; RunInterp checks
// this and fails otherwise. The input is interpolated by the neural map
// (neuralmap.Fit on the input), trilinear and cubic B-spline interpolation
// (package grid), all at the centres of the control's voxels that are
// non-zero and lie inside the input's domain (the box spanned by its voxel
// centres), and compared with the control's values.
//
// Normalisation. §3.1 says the input and control maps' voxel values are
// "normalized to the range of [0, 1]". Read literally (each map by its own
// maximum) this would add an error no interpolator can remove: the 0.2 Å
// control samples the Gaussians' peaks more closely than the R/3 input, so
// its maximum is larger (by up to a few per cent), and dividing the two maps
// by different numbers shifts every control value relative to every
// interpolated one. We therefore normalise both maps with ONE mapping, the
// paper's two-step normalisation fitted on the input (grid.FitNormalization,
// which is what neuralmap.Fit applies to its training data, so all three
// interpolators and the control are on the same [0, 1] scale); the control may
// then exceed 1 slightly, and InterpRow.ControlMax01 reports by how much.
// InterpOptions.Normalization = NormOwn gives the literal reading (control
// divided by its own maximum) for comparison.
//
// Alignment. Our trilinear and B-spline interpolators are exactly aligned with
// the voxel grid (voxel (i,j,k) at Origin + (i,j,k)·Spacing, both
// interpolants equal to the voxel values there), as is the neural map. The
// paper's linear baseline is not described precisely; any half-voxel
// misalignment there would inflate its linear MAE. Our trilinear numbers are
// therefore a fair (if anything, favourable) baseline, and the ratio between
// our neural and trilinear MAE need not match Figure 5's.
//
// Crops. A CPU fit of a whole map with the paper's network takes hours,
// so InterpOptions.Crop selects a cube of that many Å around the model's
// centre (or around chosen residues); the same cube is applied to input and
// control (the control keeps the voxels whose centres lie inside the cropped
// input's domain), and only the cropped maps are simulated. Crop = 0 is the
// full-size experiment, meant for GPUs. Crop and region sizes matter for
// the neural map: its networks see coordinates normalised to [−1, 1] per
// region, and the paper's ω0 = 30 suits its 64-voxel regions; on small
// regions a fast fit memorises the voxels with wiggles between them
// (bench/siren/README.md §1 measures this against ω0, learning rate and
// the stop, with this experiment).
// InterpOptions.CropVoxels crops every model to the same number of voxels.
//
// # Graph experiment (RunGraph)
//
// For each map + model pair the map is normalised to [0, 1] (the paper's
// two-step normalisation) and a density graph is built (densgraph.Build:
// seeds on a 0.5 Å grid above μ + 3σ, gradient walk, DBSCAN 0.2 Å, edges
// below 2 × resolution) from the cubic B-spline interpolation of the whole
// map and from a neural map (loaded from a .nem file or fitted on a crop on
// the fly; a B-spline graph on the same crop is then added so the two are
// compared on equal footing). Graphs are scored with package eval: all-atom
// exclusive sensitivity, specificity and RMSD at 1 Å (Table 1) and C-alpha
// coverage, node fraction and closest-node RMSD at 3 Å (Figure 6), against the
// heavy atoms of the model that lie inside the field's domain. The paper's
// means are given as reference columns. Maps that are masked around the model
// (EMD-20026, EMD-2566, EMD-0093) are flagged: masking removes background
// density, so their specificity is optimistic.
//
// Before anything is built, CheckFrame verifies that model and map share a
// frame: it reports the fraction of heavy atoms inside the map box and the
// z-score of the mean density at the atoms against the map's mean and
// standard deviation, and fails when no atom is inside the map, naming the
// offset between the model's centre and the map box's centre.
package experiment
