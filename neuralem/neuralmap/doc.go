// Package neuralmap is the neural cryo-EM map of the paper (§2.1–2.3): a map
// cut into overlapping sub-regions, one SIREN per region, blended into one
// continuous field that gives density and its gradient per Å anywhere in the
// map's voxel-centre box.
//
// Blending improves on the paper's Equation 2 (an average over overlapping
// axes, which jumps at overlap edges and corners): the weight of a region is
// the product over axes of ramps going 0→1 across each overlap, normalised so
// the weights sum to 1. The blended value is continuous at faces, edges and
// corners of the overlaps (see Blender).
package neuralmap
