package main

import (
	"fmt"
	"io"

	"github.com/neuralem/neuralem/neuralem/internal/atomicfile"
	"github.com/neuralem/neuralem/neuralem/neuralmap"
)

func init() {
	register("merge", "merge shard files into one neural map", runMerge)
}

func runMerge(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("merge", "SHARD.nem... -o OUT.nem",
		"Merges partial neural maps (from 'fit --shard' or '--regions') into one. Every region\nmust be present exactly once and all shards must come from the same map, normalisation,\nresolution, tiling, architecture and training settings; otherwise the field, both values\nand both files (or the missing regions) are named.", stderr)
	out := fs.String("o", "", "output neural map file (required; not one of the shards)")
	force := fs.Bool("force", false, "overwrite -o even if it holds something other than a neural map")
	pos, err := parse(fs, args, 1, -1)
	if err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("-o OUT.nem is required")
	}
	if err := checkOutput("-o", *out, kindNeural, *force, pos...); err != nil {
		return err
	}
	lock, err := atomicfile.Lock(*out)
	if err != nil {
		return err
	}
	defer lock.Release()
	var shards []*neuralmap.NeuralMap
	for _, p := range pos {
		m, err := neuralmap.Load(p)
		if err != nil {
			return err
		}
		shards = append(shards, m)
	}
	m, err := neuralmap.Merge(shards...)
	if err != nil {
		return err
	}
	if !m.Complete() {
		var missing []int
		have := map[int]bool{}
		for _, id := range m.Fitted() {
			have[id] = true
		}
		for _, r := range m.Regions {
			if !have[r.Region.ID] {
				missing = append(missing, r.Region.ID)
			}
		}
		return fmt.Errorf("merged shards lack regions %v of %d; fit them (fit --regions) and merge again", missing, len(m.Regions))
	}
	if err := m.Save(*out); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s: %s\n", *out, m.FitSummary())
	return nil
}
