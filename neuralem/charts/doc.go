// Package charts turns neuralem results into go-echarts charts and renders them
// offline: in GoNB Jupyter notebooks, in standalone HTML pages and as HTML
// snippets.
//
// # Builders
//
// The builders take plain data (slices and small structs defined here), not the
// types of other neuralem packages, so that charts stays low in the import graph;
// a notebook converts its results first. Every builder validates its input and
// returns an error naming the field, the index and the value for empty or
// non-finite data: a chart is never an empty frame.
//
//   - [LossCurves]: training loss against step, log-scale y, one series per region,
//     with the paper's good-fit bound [GoodFit] (MSE 4e-4) as a dashed line;
//     [LiveLoss] redraws the same notebook output while a fit runs (throttled).
//   - [Slices]: one slice of one or two dense X-fastest volumes side by side, each
//     with a colour bar labelled with its [Scale] ([−1, 1], [0, 1] or data units),
//     optionally with their difference; [MapSlices] is original / neural /
//     difference on the [−1, 1] scale ([Slice] extracts a slice).
//   - [InterpolationError]: error against resolution, one series per interpolator,
//     with reference values ([Ref]) such as the paper's as dashed lines.
//   - [WalkPaths]: gradient-walk paths from seed to peak, starts and ends marked,
//     projected on a plane; [GraphView]: a density graph's nodes and edges (all,
//     or a slab) over the atoms; [GraphVsModel3D]: nodes, edges, atoms and the Cα
//     trace in 3-D (echarts-gl), each shown or hidden from the legend. Positions
//     are in Å and the axes keep equal scales.
//   - [DistanceHistogram]: histogram of node–atom distances ([Bins] computes it)
//     with the matching radius marked.
//   - [SweepHeatmap]: a metric over a two-parameter sweep, optionally on a log
//     colour scale, with chosen cells (the paper's defaults) outlined.
//   - [ErrorVsSNR]: error against noise level (peak/σ, noise-free at the right),
//     one series per method (the noise experiment's chart).
//   - [CAMetrics]: the paper's Figure 6, three Cα metrics against resolution.
//
// Every chart has a title, axis names with units and a legend that covers
// neither the title nor the data; printed numbers are rounded.
//
// The results are ordinary go-echarts charts (*charts.Line, *charts.HeatMap, …):
// a notebook can restyle them with SetGlobalOptions before rendering. Tests read
// their option through JSON(); see each builder for what it contains.
//
// # Offline rendering
//
// go-echarts normally references ECharts on a CDN, so charts are blank without
// network, and Jupyter pages load RequireJS, which captures a plain <script> UMD
// bundle ("Mismatched anonymous define()"). This package instead reads the
// ECharts bundles from disk at run time and inlines them, wrapped as
//
//	(function(define, exports, module){ …bundle… }).call(window)
//
// so the bundle sees no AMD loader and no CommonJS and attaches window.echarts
// (and window["echarts-gl"] for 3-D charts). Each inlined bundle is guarded by a
// check that it is not already loaded, and each chart's own script waits for
// ECharts before drawing and is wrapped in a function so that redrawing a chart
// (as [LiveLoss] does) never redeclares a global.
//
// The bundles are the npm packages echarts 5.6.0 and echarts-gl 2.0.9 installed
// by kernels/setup.sh into kernels/js/node_modules (not committed). [JSDir]
// finds that directory: $NEURALEM_JS_DIR (the gonb kernelspec sets it) or else
// kernels/js/node_modules in the working directory, $GONB_DIR or one of their
// parents. If the files are absent the output loads the same versions from the
// jsDelivr CDN instead ([CDNECharts], [CDNEChartsGL]) and shows a visible note
// saying so: such a chart only draws when the browser has network.
//
// [HTML] returns a self-contained snippet (the JavaScript inlined, guarded);
// [WritePage] writes a standalone page with the JavaScript inlined once;
// [Display] shows a chart in a GoNB notebook cell through gonbui, inlining the
// JavaScript only in the first chart a cell's program displays (GoNB runs each
// cell as a new program, so every cell's output stays self-contained).
package charts
