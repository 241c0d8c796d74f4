// Package neuralmap is the neural cryo-EM map of the paper (§2.1–2.3): a map
// cut into overlapping sub-regions (package region), one SIREN per region
// (package siren), blended into one continuous field that gives density and
// its gradient per Å anywhere in the box spanned by the map's voxel centres.
//
// # Blending
//
// Blending improves on the paper's Equation 2 (an average over overlapping
// axes, which jumps at overlap edges and corners): the weight of a region is
// the product over axes of ramps going 0→1 across each overlap, normalised
// per axis so the weights sum to 1. The blended value is continuous at faces,
// edges and corners of the overlaps; with RampSmooth its gradient is too
// (see Blender). Gradients include the ramps' derivatives (product rule).
//
// # Coordinates and units
//
// Region r's network sees x_a = −1 + 2·(v_a − lo_a)/(hi_a − 1 − lo_a), where v
// is the fractional voxel coordinate and [lo, hi) the region's voxels (as
// siren.RegionCoords), so d/dp_a = d/dx_a · 2/((hi_a − 1 − lo_a)·spacing_a)
// per Å. Networks output the normalised density d ∈ [−1, 1]; Sample returns
// the paper's output scale (d + 1)/2, SampleUnits also the [−1, 1] scale and
// the input map's units (grid.Normalization.FromSigned).
//
// # Fitting, files, export
//
// Fit normalises a grid, tiles it and trains one network per region,
// writing the map file atomically after every region so that a fit killed at
// any point resumes without redoing finished regions; FitOptions.Regions
// and Merge shard a fit. Save/Load use one self-describing, versioned file
// (magic, JSON metadata, float32 weights, CRC-32C; see file.go). Resample,
// FrameAt and WriteMRC export the field onto any grid as an MRC map in the
// input's origin convention.
package neuralmap
