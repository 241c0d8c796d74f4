// Package densgraph builds the paper's cryo-EM density graph (§2.4,
// Algorithm 1) from any grid.Field — the neural cryo-EM map or a classical
// interpolator — and writes it in formats that molecular viewers and graph
// libraries read.
//
// The pipeline, run end to end by Build:
//
//  1. Seeds (Seed): a regular grid of points over the Field's Domain
//     (default spacing 0.5 Å, §2.4), kept where the density exceeds a
//     threshold: an absolute value, μ + kσ from given statistics (default
//     k = 3, the paper's T = μ + 3σ), or none; optionally also restricted to
//     points within a margin of atomic positions (Mask).
//  2. Gradient walk (Walk, Algorithm 1): every seed steps 0.05 Å along its
//     unit gradient while the density increases; its result is the last point
//     before the density failed to increase. Seeds that leave the Domain are
//     dropped. All live seeds advance together with one batched Field.Sample
//     call per step. A per-seed cap (default 2000 steps = 100 Å at 0.05 Å)
//     stops runaway walks; capped seeds are dropped and counted.
//  3. Clustering (DBSCAN): eps 0.2 Å and minPts 1 as in the paper, on a
//     uniform-cell spatial hash (O(n) expected neighbour queries).
//  4. Nodes: cluster centroids, with the density sampled at the centroid and
//     the cluster size as features.
//  5. Edges (Edges): node pairs closer than a cutoff (default 2 × resolution,
//     4 Å when the resolution is unknown), found with the spatial hash; the
//     edge feature is its length in Å. Pruning to a minimum spanning tree or
//     to k nearest neighbours is offered as an option BEYOND the paper.
//
// Sweeps: the walk is the slow stage on a neural map, and a seed's walk does
// not depend on the other seeds. SeedAndWalk lays seeds at the lowest
// threshold of interest and walks them once; Walked.Graph then builds the
// graph at any higher threshold and any DBSCAN or edge setting in
// milliseconds, exactly as Build would.
//
// Exports, each with a reader for round trips: mmCIF (one pseudo-atom C of
// residue NOD per node, density in B_iso_or_equiv, edges as _struct_conn rows
// that ChimeraX and Coot draw as bonds), PDB (HETATM + CONECT, density in the
// B-factor column with a scale given in a REMARK), NetworkX node-link JSON,
// GraphML, and CSV of nodes and of edges.
//
// Units: positions and lengths are in Å (geom.Point, geom.Vec3); densities
// are in the Field's units.
package densgraph
