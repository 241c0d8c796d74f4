// Package pipeline composes the method's steps once, for the CLI, the
// experiments, benchmark programs and notebook cells alike: load a map or a
// neural map as a density Source (field + normalisation + voxel size +
// resolution), the paper's density-graph settings for it (PaperOptions),
// graphs and their scores, sweeps of the seed threshold and DBSCAN eps from
// one gradient walk (Sweep), and the whole method end to end on a map and
// its model (Run: fit → accuracy → graphs from the neural map and from a
// classical interpolator → scores), which is what `neuralem demo` runs.
//
// A notebook cell builds and scores a graph in a few lines:
//
//	src, err := pipeline.Open("map.nem", grid.MethodBSpline)
//	g, rep, err := src.Graph(pipeline.PaperOptions(src))
//	res, err := eval.EvaluateGraph(g, model, eval.Options{Atoms: model.Heavy})
//
// Every field is on the paper's [0, 1] output scale (§2.3): a classical
// interpolator interpolates the map after the same two-step normalisation
// the neural map was trained on, so thresholds mean the same on both.
package pipeline
