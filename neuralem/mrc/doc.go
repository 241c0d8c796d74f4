// Package mrc reads and writes MRC2014 / CCP4 density maps.
//
// Reading handles modes 0 (int8), 1 (int16), 2 (float32), 6 (uint16) and 12
// (float16) in either byte order (chosen by the MACHST machine stamp, with a
// plausibility guess for broken stamps), skips the NSYMBT-byte extended
// header, decompresses gzip transparently (recognised by its magic bytes, not
// the file name), and permutes the data from the file's column/row/section
// order (MAPC/MAPR/MAPS) to X, Y, Z.
//
// Coordinates: the voxel size along each cell axis is CELLA/(MX, MY, MZ) in
// Å. The Cartesian position of voxel (i, j, k) (X, Y, Z indices after
// permutation) is
//
//	ORIGIN + FracToCart · ((NSTART + (i, j, k)) / (MX, MY, MZ))
//
// with NSTART permuted like the data and ORIGIN the words 50-52 in Å. For
// orthogonal cells this is ORIGIN + (NSTART + idx)·voxel per axis. Cryo-EM
// cut-outs written by Chimera set ORIGIN with NSTART = 0; crystallographic
// maps set NSTART with ORIGIN = 0; if a file sets both, both are applied (the
// tests check this against gemmi, whose grid positions use NSTART and which
// exposes ORIGIN separately). Non-orthogonal cells load as a Map with correct
// Cartesian positions (Map.Position), but Map.Grid refuses them, since an
// axis-aligned grid.Grid cannot represent them.
//
// Every reader error is an *Error naming the file, the header word and field,
// and the offending value. Bad input never panics: dimensions are checked
// against the file size (or, for gzip, against the data actually present)
// before large allocations, and more than 2^31 voxels are refused.
//
// Writing produces mode 2 (or 12) little-endian MRC2014 files with NSTART 0,
// axes 1,2,3, ORIGIN set from the grid, fresh statistics, and labels, through
// a temporary file renamed into place; a ".gz" name gives gzip output.
package mrc
