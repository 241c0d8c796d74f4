package neuralmap

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

const killChildEnv = "NEURALMAP_TEST_KILL_CHILD_CHECKPOINT"

// TestFitSurvivesKill9 runs a fit in a child process, SIGKILLs it once the
// checkpoint holds two finished regions, then checks the checkpoint loads
// (never half-written) and that resuming keeps the finished regions and
// trains only what is missing.
func TestFitSurvivesKill9(t *testing.T) {
	if path := os.Getenv(killChildEnv); path != "" {
		// Child: fit until killed.
		_, err := Fit(context.Background(), synthMap(), FitOptions{Tiling: tinyTiling, Config: tinyConfig(), Checkpoint: path}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return
	}
	path := filepath.Join(t.TempDir(), "killed"+FileExt)
	cmd := exec.Command(os.Args[0], "-test.run=^TestFitSurvivesKill9$", "-test.count=1")
	cmd.Env = append(os.Environ(), killChildEnv+"="+path)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	var fittedBefore []int
poll:
	for {
		select {
		case err := <-exited:
			t.Fatalf("child exited before it was killed (%v); checkpoint regions %v", err, fittedBefore)
		case <-time.After(20 * time.Millisecond):
		}
		m, err := Load(path)
		if err != nil {
			continue // not created yet
		}
		if fittedBefore = m.Fitted(); len(fittedBefore) >= 2 {
			break poll
		}
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	<-exited
	m, err := Load(path)
	if err != nil {
		t.Fatalf("checkpoint after kill -9: %v", err)
	}
	have := m.Fitted()
	if len(have) < len(fittedBefore) || !slices.Equal(have[:len(fittedBefore)], fittedBefore) {
		t.Fatalf("checkpoint after the kill holds %v, it held %v before", have, fittedBefore)
	}
	// Resume the finished regions plus one more; only that one trains. (Two
	// workers finish regions out of order, and a save may hold several.)
	next := 0
	for slices.Contains(have, next) {
		next++
	}
	var resumed, trained []int
	out, err := Fit(context.Background(), synthMap(), FitOptions{Tiling: tinyTiling, Config: tinyConfig(), Checkpoint: path, Regions: append(slices.Clone(have), next)}, func(p FitProgress) error {
		if p.Done && p.Resumed {
			resumed = append(resumed, p.Region.ID)
		} else if p.Done {
			trained = append(trained, p.Region.ID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(resumed, have) || !slices.Equal(trained, []int{next}) {
		t.Errorf("after kill -9: resumed %v, trained %v; want %v and [%d]", resumed, trained, have, next)
	}
	for _, id := range have {
		if out.Regions[id].Report != m.Regions[id].Report {
			t.Errorf("region %d changed on resume", id)
		}
	}
}
