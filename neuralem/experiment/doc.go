// Package experiment reproduces the two experiments of the paper (Ranno & Si,
// "Neural representations of cryo-EM maps and a graph-based interpretation")
// as a library: RunInterp is §3.1 / Figure 5 (interpolation of simulated maps)
// and RunGraph is §3.2 / Table 1 / Figure 6 (density graphs of experimental
// maps scored against deposited models). RunNoise tests the paper's claim
// that the neural map's "natural fit point" (§2.2) stops before the network
// fits noise: the interpolation experiment on noisy inputs. The command line
// (`neuralem experiment interp|noise|graph`), the notebooks and
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
// InterpOptions.CropVoxels crops every model to the same number of voxels;
// InterpOptions.MaxInputVoxels keeps whole maps up to a voxel budget and
// crops larger ones to the largest cube within it.
//
// Peak height. Besides the MAE and the maximum error over the evaluated
// voxels, ErrStats.PeakMAE and PeakBias measure the error at the control's
// peaks: its local maxima (26-neighbourhood) of at least PeakFloor on the
// [0, 1] scale, i.e. the density maxima the interpolators should preserve
// (§3.1: "preserve density peaks").
//
// Initialisations. InterpOptions.Inits fits one neural map per
// initialisation of its networks (InitRandom, InitLearned) and gives each
// its own row; the classical interpolators are the same in every row.
//
// # Noise experiment (RunNoise)
//
// The interpolation experiment's set-up (same models, resolutions, crops,
// 0.2 Å clean control, errors at the control's non-zero voxels) with noise
// added to the R/3 input. Definitions:
//
//   - Signal peak: the clean input's maximum voxel value (molmap units;
//     grid.Normalization.Hi of the clean input).
//   - SNR = peak/σ, σ the noise's standard deviation in the same units.
//     SNR +Inf is the noise-free input. Defaults 1, 3, 10, ∞ (NoiseOptions.SNRs).
//   - White noise (NoiseWhite): independent N(0, σ²) in every input voxel.
//   - Band-limited noise (NoiseBand): white N(0, 1) noise convolved with the
//     3-D Gaussian of the resolution, the same σ_R = R/(π√2) that molmap
//     gives each atom (truncated at 4σ_R, drawn on a grid grown by the
//     kernel so that the noise is stationary up to the faces), scaled by
//     σ/√(Σ w²) (w the kernel's weights), so that its standard deviation is
//     σ in expectation. It has the signal's spectral envelope: the noise a
//     map filtered to its resolution keeps, which no low-pass can separate
//     from the signal.
//   - One noise field per model and kind (seeded by NoiseSeed, the model's
//     name and the kind; gonum's distuv.Normal on a PCG source) is scaled
//     to every SNR, so the curves compare the same pattern at every level.
//
// Every method sees the paper's preprocessing of its input (§2.1: negative
// values set to 0, as neuralmap.Fit does for the neural map), and every
// error is measured on the clean input's [0, 1] scale ((d − Lo)/(Hi − Lo)
// with the clean input's normalisation), against the clean control:
//
//   - trilinear and bspline: interpolation of the noisy input (clamped).
//   - lowpass-bspline: the honest classical denoiser. The noisy input
//     (before clamping) is convolved with a Gaussian of σ_f = f·σ_R Å
//     (NoiseOptions.LowPass, default f = 1), then clamped and interpolated
//     by the cubic B-spline. Matching rule: f = 1 is the Gaussian whose
//     transfer function falls to 1/e at the map's resolution 1/R, the same
//     band as the signal (and, for white noise and an isolated atom, the
//     matched filter). It is a fixed rule from R alone, not tuned on the
//     control; other factors are available to show the trade-off (a wider
//     filter removes more noise and flattens more peaks).
//   - neural-<init>: a neural map fitted on the noisy input, stopped by the
//     configuration's stop rule (the paper's natural fit point for the
//     paper preset). NoiseRow.TrainMSE and CleanMSE say whether the fit
//     stopped before fitting the noise: TrainMSE is the neural map's mean
//     squared difference from its noisy training targets, CleanMSE the
//     clean input's, both on the networks' [−1, 1] scale over the input's
//     voxels; a network that fits the noise ends with TrainMSE < CleanMSE.
//     The natural-fit-point rule only stops once the loss is below 4e-4
//     (§2.2): on noise with CleanMSE above that, it either stops after the
//     network has fitted part of the noise or never stops (the step or time
//     cap does).
//
// NoiseResults.Curves gives the mean MAE per method against SNR (the noise
// chart's series) and NoiseResults.Wins how many models have a neural MAE
// at or below each classical method's, per noise condition.
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
