// Package metainit learns the initial weights every region's SIREN starts
// from (meta-learning, after Tancik et al., "Learned Initializations for
// Optimizing Coordinate-Based Neural Representations", CVPR 2021), and reads
// and writes them as .nemi files.
//
// # Method
//
// Reptile (Nichol, Achiam and Schulman 2018), first-order: at each outer
// step Batch regions of Edge³ voxels are drawn from a training set of maps
// (BuildDataset: experimental maps and molmap simulations, each whole map
// normalised as neuralmap.Fit normalises, regions turned by a random
// symmetry of the cube); a copy of the current initialisation θ is trained
// on each region for InnerSteps full-batch Adam steps with the fit's own
// network and learning rate (siren.StackTrainer, the regions split over one
// stack per core); θ moves a fraction ε of the way to the mean of the
// trained weights, ε decaying linearly over the run. With
// DataOptions.OffGrid = M > 0 the inner loop is also supervised between
// voxels: at a fixed set of at least M points of the region's half-voxel
// lattice (closed under the cube's symmetries, so a turned region keeps
// its points) whose targets are the cubic B-spline of the whole normalised
// source map, every point weighted as a voxel in the MSE; the file records
// M (Meta.OffGrid). Everything is drawn
// from the seed and the outer step's number, so a run resumed from a
// checkpoint (Run) continues exactly as it would have. θ starts from random
// weights drawn from the seed or, to fine-tune an initialisation with other
// settings (say more inner steps), from that initialisation
// (RunOptions.From, meta-train --from; its SHA-256 is recorded as
// TrainOptions.From).
//
// The learned initialisation is a prior: the networks start from weights
// that already represent "a typical piece of density", and a fit only has
// to adapt them. bench/meta/README.md has the measurements (steps to MSE
// 1e-4 on held-out maps, learned against random) and what was tried.
//
// # Files
//
// An Init is the weights (a siren.Net of the preset's architecture) and
// Meta: the preset, the training sources and what was held out, the
// hyper-parameters, the command that made it and the wall time. The file
// (see file.go) is a header, JSON metadata, float32 weights and a SHA-256;
// the SHA-256 of the whole file identifies the initialisation in the neural
// maps fitted from it (neuralmap.InitRecord).
//
// The cpu preset's initialisation ships in learned/cpu.nemi (embedded, so
// fits work from any directory; learned/README.md gives the command that
// made it, its training set and its checksum). Learned returns it, and it
// is what cpu fits start from when no initialisation is asked for
// (Default). It was meta-learned with off-grid supervision
// (DataOptions.OffGrid): an initialisation trained on voxel centres only
// leaves small maxima between voxels that double the nodes of a density
// graph. Resolve turns the CLI's --init value into an Init. The paper
// preset has none (a GPU job: see Learned) and starts from random weights.
package metainit
