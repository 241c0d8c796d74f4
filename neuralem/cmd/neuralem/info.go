package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/neuralem/neuralem/neuralem/grid"
	"github.com/neuralem/neuralem/neuralem/metainit"
	"github.com/neuralem/neuralem/neuralem/model"
	"github.com/neuralem/neuralem/neuralem/mrc"
	"github.com/neuralem/neuralem/neuralem/neuralmap"
)

func init() {
	register("info", "print a map's header and validation, a model's summary, a neural map's fit summary, or an initialisation's provenance", runInfo)
}

func runInfo(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("info", "FILE...", "Prints what a file holds: for a map (MRC/CCP4, .gz) the header word by word, the\nframe in Å, data statistics and every MRC2014 rule it breaks; for a model (PDB/mmCIF)\nits atoms, chains and resolution; for a neural map (.nem) its frame, fit summary and\ninitial weights; for an initialisation (.nemi, 'neuralem meta-train') its network,\ntraining and provenance.", stderr)
	asJSON := fs.Bool("json", false, "write JSON to stdout")
	pos, err := parse(fs, args, 1, -1)
	if err != nil {
		return err
	}
	var all []any
	for _, path := range pos {
		kind, err := fileKind(path)
		if err != nil {
			return err
		}
		if sniff(path) == kindInit { // fileKind takes every "NEURALEM" file for a neural map
			kind = "nemi"
		}
		var v any
		switch kind {
		case "map":
			v, err = mapInfo(path)
		case "model":
			v, err = modelInfo(path)
		case "nem":
			v, err = nemInfo(path)
		case "nemi":
			v, err = nemiInfo(path)
		}
		if err != nil {
			return err
		}
		all = append(all, v)
		if !*asJSON {
			printInfo(stdout, v)
		}
	}
	if *asJSON {
		if len(all) == 1 {
			return writeJSON(stdout, all[0])
		}
		return writeJSON(stdout, all)
	}
	return nil
}

type mapInfoT struct {
	File        string     `json:"file"`
	Kind        string     `json:"kind"`
	Mode        int32      `json:"mode"`
	FileShape   [3]int32   `json:"file_shape_crs"`
	Axes        [3]int32   `json:"mapc_mapr_maps"`
	Shape       [3]int     `json:"shape_xyz"`
	Start       [3]int     `json:"nstart_xyz"`
	VoxelSize   [3]float64 `json:"voxel_size_A"`
	Origin      [3]float32 `json:"origin_words_A"`
	FirstVoxel  [3]float64 `json:"first_voxel_centre_A"`
	Cell        [6]float32 `json:"cell"`
	Orthogonal  bool       `json:"orthogonal"`
	SpaceGroup  int32      `json:"ispg"`
	NSymBT      int32      `json:"nsymbt"`
	Labels      []string   `json:"labels"`
	Stats       grid.Stats `json:"stats"`
	HeaderStats [4]float32 `json:"header_dmin_dmax_dmean_rms"`
	Problems    []string   `json:"problems"`
}

func mapInfo(path string) (*mapInfoT, error) {
	m, err := mrc.ReadOptions{AllowNonFinite: true}.Read(path) // info reports NaN/Inf voxels instead of refusing them
	if err != nil {
		return nil, err
	}
	h := &m.Header
	v := &mapInfoT{
		File: path, Kind: "map", Mode: h.Mode,
		FileShape: [3]int32{h.NX, h.NY, h.NZ}, Axes: [3]int32{h.MapC, h.MapR, h.MapS},
		Shape: m.Shape, Start: m.Start, VoxelSize: h.VoxelSize(), Origin: h.Origin,
		Cell:       [6]float32{h.CellA[0], h.CellA[1], h.CellA[2], h.CellB[0], h.CellB[1], h.CellB[2]},
		Orthogonal: h.Orthogonal(), SpaceGroup: h.ISPG, NSymBT: h.NSymBT, Labels: h.Labels(),
		Stats:       grid.ComputeStats(m.Data),
		HeaderStats: [4]float32{h.DMin, h.DMax, h.DMean, h.RMS},
	}
	v.FirstVoxel = m.Position([3]int{0, 0, 0})
	for _, p := range m.Validate() {
		v.Problems = append(v.Problems, p.String())
	}
	return v, nil
}

type modelInfoT struct {
	File       string         `json:"file"`
	Kind       string         `json:"kind"`
	Atoms      int            `json:"atoms"`
	Heavy      int            `json:"heavy_atoms"`
	CAlpha     int            `json:"calpha_atoms"`
	Het        int            `json:"hetatm"`
	Chains     []string       `json:"chains"`
	Elements   map[string]int `json:"elements"`
	Resolution float64        `json:"resolution_A"`
	BoundsMin  [3]float64     `json:"bounds_min_A"`
	BoundsMax  [3]float64     `json:"bounds_max_A"`
}

func modelInfo(path string) (*modelInfoT, error) {
	m, err := model.ReadFile(path)
	if err != nil {
		return nil, err
	}
	v := &modelInfoT{File: path, Kind: "model", Atoms: len(m.Atoms), Heavy: len(m.HeavyAtoms().Atoms),
		CAlpha: len(m.CAlphas().Atoms), Elements: m.ElementCounts(), Resolution: m.Resolution}
	seen := map[string]bool{}
	for _, a := range m.Atoms {
		if a.HetAtm {
			v.Het++
		}
		if !seen[a.Chain] {
			seen[a.Chain] = true
			v.Chains = append(v.Chains, a.Chain)
		}
	}
	b := m.Bounds()
	v.BoundsMin, v.BoundsMax = b.Min, b.Max
	return v, nil
}

type nemInfoT struct {
	File          string               `json:"file"`
	Kind          string               `json:"kind"`
	Shape         [3]int               `json:"shape_xyz"`
	VoxelSize     [3]float64           `json:"voxel_size_A"`
	Origin        [3]float64           `json:"origin_A"`
	Resolution    float64              `json:"resolution_A"`
	Mu            float64              `json:"mu"`
	Sigma         float64              `json:"sigma"`
	NormSource    string               `json:"normalization_from,omitempty"`
	Regions       int                  `json:"regions"`
	Fitted        int                  `json:"fitted"`
	Params        int                  `json:"parameters"`
	Summary       string               `json:"summary"`
	Complete      bool                 `json:"complete"`
	Init          neuralmap.InitRecord `json:"init"`
	Network       string               `json:"network,omitempty"`
	Training      map[string]any       `json:"training"`
	RegionReports []regionJSON         `json:"region_reports"`
	training      neuralmap.TrainingSummary
}

func nemInfo(path string) (*nemInfoT, error) {
	m, err := neuralmap.Load(path)
	if err != nil {
		return nil, err
	}
	ts := m.TrainingSummary()
	return &nemInfoT{Network: m.Network(), File: path, Kind: "neural map", Shape: m.Frame.Shape, VoxelSize: m.Frame.Spacing,
		Origin: m.Frame.Origin, Resolution: m.Resolution, Mu: m.Mu, Sigma: m.Sigma, NormSource: m.NormSource,
		Regions: len(m.Regions), Fitted: len(m.Fitted()), Params: m.NumParams(),
		Summary: m.FitSummary(), Complete: m.Complete(), Init: m.Init,
		Training: summaryJSON(ts), RegionReports: regionReports(m, nil), training: ts}, nil
}

type nemiInfoT struct {
	File   string        `json:"file"`
	Kind   string        `json:"kind"`
	SHA256 string        `json:"sha256"`
	Meta   metainit.Meta `json:"meta"`
}

func nemiInfo(path string) (*nemiInfoT, error) {
	in, err := metainit.Load(path)
	if err != nil {
		return nil, err
	}
	return &nemiInfoT{File: path, Kind: "initialisation", SHA256: in.SHA256, Meta: in.Meta}, nil
}

func printInfo(w io.Writer, v any) {
	switch v := v.(type) {
	case *mapInfoT:
		fmt.Fprintf(w, "%s: map, mode %d\n", v.File, v.Mode)
		fmt.Fprintf(w, "  file grid (cols,rows,secs) %v, MAPC/MAPR/MAPS %v\n", v.FileShape, v.Axes)
		fmt.Fprintf(w, "  shape X,Y,Z %v, nstart %v, voxel %.4g×%.4g×%.4g Å\n", v.Shape, v.Start, v.VoxelSize[0], v.VoxelSize[1], v.VoxelSize[2])
		fmt.Fprintf(w, "  origin words %v Å; voxel (0,0,0) at (%.3f, %.3f, %.3f) Å\n", v.Origin, v.FirstVoxel[0], v.FirstVoxel[1], v.FirstVoxel[2])
		fmt.Fprintf(w, "  cell %v, orthogonal %v, ISPG %d, NSYMBT %d\n", v.Cell, v.Orthogonal, v.SpaceGroup, v.NSymBT)
		fmt.Fprintf(w, "  data min %.5g max %.5g mean %.5g σ %.5g (header %v)\n", v.Stats.Min, v.Stats.Max, v.Stats.Mean, v.Stats.Std, v.HeaderStats)
		if v.Stats.NaN+v.Stats.Inf > 0 {
			fmt.Fprintf(w, "  NON-FINITE voxels: %d NaN, %d Inf\n", v.Stats.NaN, v.Stats.Inf)
		}
		for _, l := range v.Labels {
			fmt.Fprintf(w, "  label: %s\n", l)
		}
		if len(v.Problems) == 0 {
			fmt.Fprintln(w, "  MRC2014: no problems")
		}
		for _, p := range v.Problems {
			fmt.Fprintf(w, "  problem: %s\n", p)
		}
	case *modelInfoT:
		fmt.Fprintf(w, "%s: model, %d atoms (%d heavy, %d Cα, %d HETATM), chains %v\n", v.File, v.Atoms, v.Heavy, v.CAlpha, v.Het, v.Chains)
		res := "unknown"
		if v.Resolution > 0 {
			res = fmt.Sprintf("%.2f Å", v.Resolution)
		}
		fmt.Fprintf(w, "  resolution %s; bounds (%.2f, %.2f, %.2f) – (%.2f, %.2f, %.2f) Å\n", res, v.BoundsMin[0], v.BoundsMin[1], v.BoundsMin[2], v.BoundsMax[0], v.BoundsMax[1], v.BoundsMax[2])
		var els []string
		for e := range v.Elements {
			els = append(els, e)
		}
		sort.Strings(els)
		fmt.Fprint(w, "  elements:")
		for _, e := range els {
			fmt.Fprintf(w, " %s %d", e, v.Elements[e])
		}
		fmt.Fprintln(w)
	case *nemInfoT:
		fmt.Fprintf(w, "%s: neural map of shape %v, voxel %.4g Å, origin (%.3f, %.3f, %.3f) Å\n", v.File, v.Shape, v.VoxelSize[0], v.Origin[0], v.Origin[1], v.Origin[2])
		res := "unknown"
		if v.Resolution > 0 {
			res = fmt.Sprintf("%.3g Å", v.Resolution)
		}
		fmt.Fprintf(w, "  %d parameters; μ %.4g σ %.4g (on [0,1]); resolution %s\n", v.Params, v.Mu, v.Sigma, res)
		if v.NormSource != "" {
			fmt.Fprintf(w, "  normalisation: %s\n", v.NormSource)
		}
		fmt.Fprintf(w, "  initial weights: %s\n", v.Init)
		if v.Network != "" {
			fmt.Fprintf(w, "  network: %s\n", v.Network)
		}
		for _, l := range strings.Split(v.training.String(), "\n") {
			fmt.Fprintf(w, "  %s\n", l)
		}
	case *nemiInfoT:
		m := v.Meta
		fmt.Fprintf(w, "%s: SIREN initialisation for the %s preset (width %d, %d hidden sine layers, ω0 %g), sha256 %s\n",
			v.File, m.Preset, m.Width, m.HiddenLayers, m.Omega0, v.SHA256)
		t := m.Train
		state := "finished"
		if m.Done < t.OuterSteps {
			state = "UNFINISHED (a checkpoint: fits refuse it until meta-train completes)"
		}
		fmt.Fprintf(w, "  %s on %d-voxel regions: %d of %d outer steps (%s), %d regions per step, k = %d inner Adam steps at lr %g, meta step %g → %g, seed %d; %s\n",
			m.Method, m.RegionEdge, m.Done, t.OuterSteps, state, t.Batch, t.InnerSteps, t.InnerLR, t.MetaLR, t.MetaLRFinal, t.Seed, m.Elapsed.Round(time.Second))
		if t.ShortenedAt > 0 {
			fmt.Fprintf(w, "  shortened: planned for %d outer steps, finished at %d (from step %d the meta step decayed linearly to %g)\n",
				t.PlannedSteps, t.OuterSteps, t.ShortenedAt, t.MetaLRFinal)
		}
		if m.OffGrid > 0 {
			fmt.Fprintf(w, "  off-grid supervision: %d points per region between voxels, targets the source map's cubic B-spline\n", m.OffGrid)
		}
		if t.From != "" {
			fmt.Fprintf(w, "  started from the initialisation with sha256 %s (fine-tuned; the command says which file)\n", t.From)
		}
		fmt.Fprintf(w, "  trained on %d sources; held out: %s\n", len(m.Sources), strings.Join(m.HeldOut, ", "))
		fmt.Fprintf(w, "  made by: %s (%s)\n", m.Command, m.Created)
		if m.Notes != "" {
			fmt.Fprintf(w, "  notes: %s\n", m.Notes)
		}
	}
}
