// Package slurm tests the Slurm scripts in this directory (submit.sh,
// fit-array.sbatch, merge.sbatch) for real: TestSlurm starts a single-node
// Slurm cluster on localhost (munged, slurmctld, slurmd with a slurm.conf in a
// temporary directory), submits a sharded fit of the shipped default map with
// submit.sh and checks that the merged neural map equals an unsharded fit,
// region by region, bit for bit. The merge tests run without Slurm.
//
// Needs root and the Debian packages slurm-wlm and munge: with $CI set the
// Slurm test fails if they are missing, otherwise it skips with a message.
package slurm

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/neuralem/neuralem/neuralem/grid"
	"github.com/neuralem/neuralem/neuralem/mrc"
	"github.com/neuralem/neuralem/neuralem/neuralmap"
)

// tinyFit makes a fit of the default map (27×35×40 voxels → 8 regions of
// ≤ 24³) take a few seconds on a CPU.
var tinyFit = []string{"--region-size", "24", "--max-steps", "20", "--width", "16", "--hidden-layers", "1", "--init", "random"}

const defaultRegions = 8

var (
	tmpRoot  string // removed by TestMain
	buildErr error
	buildMu  sync.Mutex
	binPath  string
	refOnce  sync.Once
	refPath  string
	refErr   error
)

func TestMain(m *testing.M) {
	var err error
	tmpRoot, err = os.MkdirTemp("", "neuralem-slurm-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(tmpRoot)
	os.Exit(code)
}

// repoRoot is the directory of the main module's go.mod above this package.
func repoRoot(t testing.TB) string {
	t.Helper()
	dir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	for d := filepath.Dir(dir); ; d = filepath.Dir(d) {
		if b, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil && bytes.Contains(b, []byte("module github.com/neuralem/neuralem\n")) {
			return d
		}
		if d == filepath.Dir(d) {
			t.Fatalf("no go.mod of github.com/neuralem/neuralem above %s", dir)
		}
	}
}

func defaultMap(t testing.TB) string {
	return filepath.Join(repoRoot(t), "neuralem", "testdata", "default", "emd20026_crop.mrc.gz")
}

// neuralem builds the neuralem binary once (GOEXPERIMENT=simd, Go backend).
func neuralem(t testing.TB) string {
	t.Helper()
	buildMu.Lock()
	defer buildMu.Unlock()
	if binPath == "" && buildErr == nil {
		p := filepath.Join(tmpRoot, "bin", "neuralem")
		cmd := exec.Command("go", "build", "-o", p, "./neuralem/cmd/neuralem")
		cmd.Dir = repoRoot(t)
		cmd.Env = append(os.Environ(), "GOEXPERIMENT=simd")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build ./neuralem/cmd/neuralem: %v\n%s", err, out)
		} else {
			binPath = p
		}
	}
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// run runs a command and returns its combined output and error.
func run(env []string, dir string, name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// mustRun runs a command that must succeed.
func mustRun(t testing.TB, env []string, dir string, name string, args ...string) string {
	t.Helper()
	out, err := run(env, dir, name, args...)
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return out
}

// reference is the unsharded fit of the default map with tinyFit, made once.
func reference(t testing.TB) string {
	t.Helper()
	bin := neuralem(t)
	refOnce.Do(func() {
		refPath = filepath.Join(tmpRoot, "reference.nem")
		args := append([]string{"fit", defaultMap(t), "-o", refPath}, tinyFit...)
		if out, err := run(nil, tmpRoot, bin, args...); err != nil {
			refErr = fmt.Errorf("unsharded reference fit: %v\n%s", err, out)
		}
	})
	if refErr != nil {
		t.Fatal(refErr)
	}
	return refPath
}

// requireSlurm fails (under CI) or skips unless this process can run a Slurm
// cluster: root, and the daemons and client commands on PATH.
func requireSlurm(t *testing.T) {
	t.Helper()
	var missing []string
	if os.Geteuid() != 0 {
		missing = append(missing, "root (the daemons run as root)")
	}
	for _, c := range []string{"munged", "mungekey", "slurmctld", "slurmd", "sbatch", "squeue", "sinfo", "scontrol", "scancel"} {
		if _, err := exec.LookPath(c); err != nil {
			missing = append(missing, c)
		}
	}
	if len(missing) == 0 {
		return
	}
	msg := fmt.Sprintf("cannot start a local Slurm cluster, missing: %s (apt-get install -y slurm-wlm munge)", strings.Join(missing, ", "))
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// cluster is a single-node Slurm cluster on localhost.
type cluster struct {
	dir  string
	conf string
	env  []string // SLURM_CONF for client commands
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

const slurmConf = `# Single-node test cluster written by docker/slurm/slurm_test.go.
ClusterName=neuralemtest
SlurmctldHost=localhost
SlurmctldPort={{ctldport}}
SlurmdPort={{dport}}
AuthType=auth/munge
AuthInfo=socket={{dir}}/munge/munge.sock
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
ReturnToService=2
SlurmUser=root
SlurmdUser=root
StateSaveLocation={{dir}}/state
SlurmdSpoolDir={{dir}}/spool
SlurmctldPidFile={{dir}}/slurmctld.pid
SlurmdPidFile={{dir}}/slurmd.pid
SlurmctldLogFile={{dir}}/slurmctld.log
SlurmdLogFile={{dir}}/slurmd.log
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MinJobAge=600
NodeName=localhost NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
`

// startCluster starts munged, slurmctld and slurmd in the foreground as
// children of the test, waits until the node is idle, and registers a cleanup
// that cancels the cluster's jobs and stops the three daemons.
func startCluster(t *testing.T) *cluster {
	t.Helper()
	// munged insists that its socket directory and the ones above it are
	// reachable by everyone, so not t.TempDir (0700).
	dir, err := os.MkdirTemp("", "neuralem-slurm-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	for _, d := range []string{"munge", "state", "spool"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	c := &cluster{dir: dir, conf: filepath.Join(dir, "slurm.conf")}
	c.env = []string{"SLURM_CONF=" + c.conf}
	conf := strings.NewReplacer("{{dir}}", dir,
		"{{ctldport}}", fmt.Sprint(freePort(t)), "{{dport}}", fmt.Sprint(freePort(t))).Replace(slurmConf)
	if err := os.WriteFile(c.conf, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	key := filepath.Join(dir, "munge", "munge.key")
	mustRun(t, nil, dir, "mungekey", "--create", "--keyfile="+key)

	var daemons []*exec.Cmd
	start := func(name string, args ...string) {
		cmd := exec.Command(name, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), c.env...)
		logf, err := os.Create(filepath.Join(dir, name+".out"))
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stdout, cmd.Stderr = logf, logf
		// Own process group (stopped as a group); SIGTERM if the test process
		// dies without running its cleanups (e.g. a go test -timeout panic).
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
		if err := cmd.Start(); err != nil {
			t.Fatalf("starting %s: %v", name, err)
		}
		daemons = append(daemons, cmd)
	}
	t.Cleanup(func() {
		// Cancel whatever is left on this cluster, then stop the daemons in
		// reverse order: SIGTERM to each one's process group, SIGKILL after 10 s.
		_, _ = run(c.env, dir, "scancel", "--full", "--user=root")
		for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
			if out, err := run(c.env, dir, "squeue", "-h"); err != nil || strings.TrimSpace(out) == "" {
				break
			}
		}
		for i := len(daemons) - 1; i >= 0; i-- {
			d := daemons[i]
			done := make(chan struct{})
			go func() { _ = d.Wait(); close(done) }()
			_ = syscall.Kill(-d.Process.Pid, syscall.SIGTERM)
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Logf("%s did not stop on SIGTERM; killing it", d.Path)
				_ = syscall.Kill(-d.Process.Pid, syscall.SIGKILL)
				<-done
			}
		}
	})
	start("munged", "--foreground", "--key-file="+key, "--socket="+filepath.Join(dir, "munge", "munge.sock"),
		"--pid-file="+filepath.Join(dir, "munge", "munged.pid"), "--log-file="+filepath.Join(dir, "munge", "munged.log"),
		"--seed-file="+filepath.Join(dir, "munge", "munged.seed"))
	waitFor(t, 10*time.Second, "munged socket", func() bool {
		_, err := os.Stat(filepath.Join(dir, "munge", "munge.sock"))
		return err == nil
	}, c)
	start("slurmctld", "-D", "-f", c.conf)
	start("slurmd", "-D", "-f", c.conf, "-N", "localhost")
	waitFor(t, 30*time.Second, "node localhost idle in sinfo", func() bool {
		out, err := run(c.env, dir, "sinfo", "-h", "-N", "-o", "%N %t")
		return err == nil && strings.TrimSpace(out) == "localhost idle"
	}, c)
	return c
}

// waitFor polls cond every 200 ms until it holds, failing after timeout with
// the cluster's logs.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool, c *cluster) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s\n%s", timeout, what, c.logs())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// logs returns the tails of the daemons' logs, for failure messages.
func (c *cluster) logs() string {
	var b strings.Builder
	for _, f := range []string{"munged.out", "slurmctld.out", "slurmctld.log", "slurmd.out", "slurmd.log"} {
		data, err := os.ReadFile(filepath.Join(c.dir, f))
		if err != nil {
			continue
		}
		lines := strings.Split(strings.TrimSpace(string(data)), "\n")
		fmt.Fprintf(&b, "--- %s (last lines)\n%s\n", f, strings.Join(lines[max(0, len(lines)-15):], "\n"))
	}
	return b.String()
}

// jobStates returns the JobState of every record of a job (one per array
// task), from 'scontrol show job -o'.
func (c *cluster) jobStates(t *testing.T, id string) (states []string, reasons []string) {
	t.Helper()
	out, err := run(c.env, c.dir, "scontrol", "show", "job", "-o", id)
	if err != nil {
		t.Fatalf("scontrol show job %s: %v\n%s", id, err, out)
	}
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		for _, kv := range f {
			if v, ok := strings.CutPrefix(kv, "JobState="); ok {
				states = append(states, v)
			}
			if v, ok := strings.CutPrefix(kv, "Reason="); ok {
				reasons = append(reasons, v)
			}
		}
	}
	if len(states) == 0 {
		t.Fatalf("scontrol show job %s: no JobState in\n%s", id, out)
	}
	return states, reasons
}

// waitJob waits until every record of job id has left PENDING/RUNNING (or
// is pending on a dependency that can never be satisfied) and returns the
// states.
func (c *cluster) waitJob(t *testing.T, id string, timeout time.Duration) []string {
	t.Helper()
	var states []string
	waitFor(t, timeout, "job "+id+" to finish", func() bool {
		var reasons []string
		states, reasons = c.jobStates(t, id)
		for i, s := range states {
			if s == "PENDING" && reasons[i] == "DependencyNeverSatisfied" {
				continue
			}
			if s == "PENDING" || s == "RUNNING" || s == "CONFIGURING" || s == "COMPLETING" {
				return false
			}
		}
		return true
	}, c)
	return states
}

// submit runs submit.sh (from the cluster's directory, as a user would from
// theirs) and returns the fit array's and the merge job's IDs.
func (c *cluster) submit(t *testing.T, work string, args ...string) (fitJob, mergeJob string) {
	t.Helper()
	env := append(slices.Clone(c.env), "NEURALEM_GRES=", "NEURALEM_WORK="+work, "NEURALEM_BIN="+neuralem(t),
		"NEURALEM_SBATCH_ARGS=--cpus-per-task=1")
	out, err := run(env, c.dir, "bash", append([]string{mustAbs(t, "submit.sh")}, args...)...)
	if err != nil {
		t.Fatalf("submit.sh %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	m := regexp.MustCompile(`(?m)^fit_job=(\d+)\nmerge_job=(\d+)$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("submit.sh output has no fit_job=ID and merge_job=ID lines:\n%s", out)
	}
	return m[1], m[2]
}

func readLogs(t *testing.T, dir string) string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*.out"))
	var b strings.Builder
	for _, f := range files {
		data, _ := os.ReadFile(f)
		fmt.Fprintf(&b, "--- %s\n%s\n", filepath.Base(f), data)
	}
	return b.String()
}

// TestSlurm submits sharded fits to a local single-node Slurm cluster.
func TestSlurm(t *testing.T) {
	requireSlurm(t)
	ref := reference(t) // fitted before the cluster starts, so the CPUs are not shared
	c := startCluster(t)

	t.Run("sharded fit equals unsharded", func(t *testing.T) {
		work := filepath.Join(c.dir, "work-ok")
		out := filepath.Join(c.dir, "out", "merged.nem")
		fitJob, mergeJob := c.submit(t, work, append([]string{defaultMap(t), out, "3"}, tinyFit...)...)
		states := c.waitJob(t, mergeJob, 180*time.Second) // generous: CI shares 2 cores with other packages
		if !slices.Equal(states, []string{"COMPLETED"}) {
			t.Fatalf("merge job %s: %v\n%s%s", mergeJob, states, readLogs(t, filepath.Join(work, "logs")), c.logs())
		}
		fits := c.waitJob(t, fitJob, 10*time.Second)
		if len(fits) != 3 || slices.ContainsFunc(fits, func(s string) bool { return s != "COMPLETED" }) {
			t.Fatalf("fit array %s: task states %v, want 3× COMPLETED", fitJob, fits)
		}
		// Each array task i wrote shard i+1 of 3: regions dealt round-robin.
		for i := range 3 {
			sh, err := neuralmap.Load(filepath.Join(work, fmt.Sprintf("shard_%d.nem", i)))
			if err != nil {
				t.Fatal(err)
			}
			var want []int
			for r := i; r < defaultRegions; r += 3 {
				want = append(want, r)
			}
			if got := sh.Fitted(); !slices.Equal(got, want) {
				t.Errorf("shard_%d.nem fitted regions %v, want %v (shard %d/3)", i, got, want, i+1)
			}
		}
		compareMaps(t, out, ref)
	})

	t.Run("failed array cancels merge", func(t *testing.T) {
		work := filepath.Join(c.dir, "work-bad")
		out := filepath.Join(c.dir, "out", "never.nem")
		fitJob, mergeJob := c.submit(t, work, defaultMap(t), out, "2", "--preset", "no-such-preset")
		fits := c.waitJob(t, fitJob, 60*time.Second)
		if len(fits) != 2 || slices.ContainsFunc(fits, func(s string) bool { return s != "FAILED" }) {
			t.Fatalf("fit array %s with a bad preset: task states %v, want 2× FAILED", fitJob, fits)
		}
		states := c.waitJob(t, mergeJob, 30*time.Second)
		if len(states) != 1 || states[0] != "CANCELLED" {
			t.Fatalf("merge job %s after a failed array: %v, want CANCELLED (--kill-on-invalid-dep)", mergeJob, states)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("%s exists after a failed array", out)
		}
		if logs := readLogs(t, filepath.Join(work, "logs")); !strings.Contains(logs, "no-such-preset") {
			t.Errorf("fit logs do not name the bad preset:\n%s", logs)
		}
	})
}

// compareMaps checks that two neural maps of the same map have the same
// frame, normalisation and tiling and, region by region, the same
// architecture, training report and bit-identical weights.
func compareMaps(t *testing.T, gotPath, wantPath string) {
	t.Helper()
	got, err := neuralmap.Load(gotPath)
	if err != nil {
		t.Fatal(err)
	}
	want, err := neuralmap.Load(wantPath)
	if err != nil {
		t.Fatal(err)
	}
	if got.Frame != want.Frame || got.Norm != want.Norm || got.Tiling != want.Tiling {
		t.Fatalf("merged map frame/normalisation/tiling %+v %+v %+v, unsharded %+v %+v %+v",
			got.Frame, got.Norm, got.Tiling, want.Frame, want.Norm, want.Tiling)
	}
	if !got.Complete() || !want.Complete() || len(got.Regions) != len(want.Regions) || len(got.Regions) != defaultRegions {
		t.Fatalf("merged: %d regions, fitted %v; unsharded: %d regions, fitted %v; want %d complete",
			len(got.Regions), got.Fitted(), len(want.Regions), want.Fitted(), defaultRegions)
	}
	for i := range got.Regions {
		g, w := got.Regions[i], want.Regions[i]
		id := w.Region.ID
		if g.Region != w.Region {
			t.Errorf("region %d: box %+v, unsharded %+v", id, g.Region, w.Region)
			continue
		}
		gc, wc := g.Net.Config, w.Net.Config
		if gc.Width != wc.Width || gc.HiddenLayers != wc.HiddenLayers || gc.Omega0 != wc.Omega0 || gc.Seed != wc.Seed {
			t.Errorf("region %d: network %+v, unsharded %+v", id, gc, wc)
			continue
		}
		if g.Report.Steps != w.Report.Steps || g.Report.BestStep != w.Report.BestStep || g.Report.BestLoss != w.Report.BestLoss {
			t.Errorf("region %d: steps %d, best step %d, best loss %g; unsharded %d, %d, %g",
				id, g.Report.Steps, g.Report.BestStep, g.Report.BestLoss, w.Report.Steps, w.Report.BestStep, w.Report.BestLoss)
		}
		var differ int
		var maxDiff float64
		var n int
		for l := range w.Net.Layers {
			gl, wl := g.Net.Layers[l], w.Net.Layers[l]
			for _, pair := range [][2][]float32{{gl.W, wl.W}, {gl.B, wl.B}} {
				if len(pair[0]) != len(pair[1]) {
					t.Fatalf("region %d layer %d: %d vs %d weights", id, l, len(pair[0]), len(pair[1]))
				}
				for k := range pair[1] {
					n++
					if math.Float32bits(pair[0][k]) != math.Float32bits(pair[1][k]) {
						differ++
						maxDiff = max(maxDiff, math.Abs(float64(pair[0][k])-float64(pair[1][k])))
					}
				}
			}
		}
		if differ > 0 {
			t.Errorf("region %d: %d of %d weights differ from the unsharded fit (max |Δ| %g); same seed on the Go backend must give identical weights",
				id, differ, n, maxDiff)
		}
	}
}

// fitRegions fits the given regions of mapPath into out with a 2-step tiny
// network (a fraction of a second per region), plus extra fit flags.
func fitRegions(t *testing.T, mapPath, out, regions string, extra ...string) {
	t.Helper()
	args := append([]string{"fit", mapPath, "-o", out, "--regions", regions}, tinyFit...)
	args = append(args, "--max-steps", "2") // later flags win
	args = append(args, extra...)
	mustRun(t, nil, filepath.Dir(out), neuralem(t), args...)
}

// mergeErr runs 'neuralem merge' and returns its error output; the merge
// must fail.
func mergeErr(t *testing.T, out string, shards ...string) string {
	t.Helper()
	msg, err := run(nil, filepath.Dir(out), neuralem(t), append(append([]string{"merge"}, shards...), "-o", out)...)
	if err == nil {
		t.Fatalf("neuralem merge %v succeeded, want an error:\n%s", shards, msg)
	}
	if _, err := os.Stat(out); err == nil {
		t.Errorf("failed merge wrote %s", out)
	}
	return msg
}

// TestMergeMissingShard: merging without one shard names the missing regions,
// both through 'neuralem merge' and through merge.sbatch (run here without
// Slurm, as a plain script).
func TestMergeMissingShard(t *testing.T) {
	dir := t.TempDir()
	m := defaultMap(t)
	// Shards 1/3 and 3/3 hold regions {0,3,6} and {2,5}; shard 2/3 ({1,4,7}) is missing.
	fitRegions(t, m, filepath.Join(dir, "shard_0.nem"), "0,3,6")
	fitRegions(t, m, filepath.Join(dir, "shard_2.nem"), "2,5")
	msg := mergeErr(t, filepath.Join(dir, "merged.nem"), filepath.Join(dir, "shard_0.nem"), filepath.Join(dir, "shard_2.nem"))
	if !strings.Contains(msg, "lack regions [1 4 7] of 8") {
		t.Errorf("merge error does not list the missing regions [1 4 7] of 8:\n%s", msg)
	}

	// merge.sbatch names the missing shard file before calling neuralem.
	env := []string{"NEURALEM_BIN=" + neuralem(t)}
	out, err := run(env, dir, "bash", mustAbs(t, "merge.sbatch"), filepath.Join(dir, "merged.nem"), dir, "3")
	if err == nil || !strings.Contains(out, "missing shard files: "+filepath.Join(dir, "shard_1.nem")) {
		t.Errorf("merge.sbatch with shard_1.nem missing: err %v, output:\n%s", err, out)
	}
	// An empty stand-in for shard 1 gets past the script; neuralem refuses it
	// and names the file.
	if err := os.WriteFile(filepath.Join(dir, "shard_1.nem"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err = run(env, dir, "bash", mustAbs(t, "merge.sbatch"), filepath.Join(dir, "merged.nem"), dir, "3")
	if err == nil || !strings.Contains(out, "shard_1.nem") {
		t.Errorf("merge.sbatch with an empty shard_1.nem: err %v, output:\n%s", err, out)
	}
}

func mustAbs(t testing.TB, p string) string {
	t.Helper()
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestFitArrayScript runs fit-array.sbatch as Slurm would run array task 1
// of 4 (without Slurm): it must fit shard 2/4, regions {1, 5}, into
// WORK/shard_1.nem, and refuse a task ID outside the array.
func TestFitArrayScript(t *testing.T) {
	work := filepath.Join(t.TempDir(), "work")
	env := []string{"NEURALEM_BIN=" + neuralem(t), "SLURM_ARRAY_TASK_ID=1"}
	args := append([]string{mustAbs(t, "fit-array.sbatch"), defaultMap(t), work, "4"}, tinyFit...)
	args = append(args, "--max-steps", "2")
	if out, err := run(env, t.TempDir(), "bash", args...); err != nil {
		t.Fatalf("fit-array.sbatch: %v\n%s", err, out)
	}
	sh, err := neuralmap.Load(filepath.Join(work, "shard_1.nem"))
	if err != nil {
		t.Fatal(err)
	}
	if got := sh.Fitted(); !slices.Equal(got, []int{1, 5}) {
		t.Errorf("task 1 of 4 fitted regions %v, want [1 5] (shard 2/4)", got)
	}
	env[1] = "SLURM_ARRAY_TASK_ID=4"
	out, err := run(env, t.TempDir(), "bash", args...)
	if err == nil || !strings.Contains(out, "SLURM_ARRAY_TASK_ID = '4': want 0..3") {
		t.Errorf("task 4 of 4: err %v, output:\n%s", err, out)
	}
}

// TestMergeRefusesForeignShards: shards of another map (other data or other
// origin) or of another tiling are refused, and so is a region fitted twice;
// the message names the field that differs and both files.
func TestMergeRefusesForeignShards(t *testing.T) {
	dir := t.TempDir()
	m := defaultMap(t)
	base := filepath.Join(dir, "base.nem")
	fitRegions(t, m, base, "0,1,2,3")

	g, _, err := mrc.ReadGrid(m)
	if err != nil {
		t.Fatal(err)
	}
	// Same frame, other data: the fitted normalisation differs.
	other := &grid.Grid{Frame: g.Frame, Data: slices.Clone(g.Data)}
	for i := range other.Data {
		other.Data[i] = 2*other.Data[i] + 1
	}
	otherMap := filepath.Join(dir, "other-data.mrc")
	if err := mrc.Write(otherMap, other, mrc.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	// Same data, origin moved by one voxel: another frame.
	moved := &grid.Grid{Frame: g.Frame, Data: g.Data}
	moved.Origin[0] += moved.Spacing[0]
	movedMap := filepath.Join(dir, "moved.mrc")
	if err := mrc.Write(movedMap, moved, mrc.WriteOptions{}); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name   string
		make   func(out string)
		errMsg string
	}{
		{"other data", func(out string) { fitRegions(t, otherMap, out, "4,5,6,7") }, "normalisation Lo differs"},
		{"other origin", func(out string) { fitRegions(t, movedMap, out, "4,5,6,7") }, "origin (Å) differs"},
		// --region-size 20 tiles the map differently (more regions).
		{"other tiling", func(out string) { fitRegions(t, m, out, "4", "--region-size", "20") }, "tiling (region size, overlap) differs"},
		{"region twice", func(out string) { fitRegions(t, m, out, "3,4,5,6,7") }, "region 3 is fitted in both"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sh := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-")+".nem")
			tc.make(sh)
			msg := mergeErr(t, filepath.Join(dir, "merged.nem"), base, sh)
			if !strings.Contains(msg, tc.errMsg) {
				t.Errorf("merge error %q does not contain %q", strings.TrimSpace(msg), tc.errMsg)
			}
			// Both shards are named, so the user knows which pair disagrees.
			if !strings.Contains(msg, base) || !strings.Contains(msg, sh) {
				t.Errorf("merge error %q does not name both %s and %s", strings.TrimSpace(msg), base, sh)
			}
		})
	}
	// Control: the matching shard merges.
	good := filepath.Join(dir, "good.nem")
	fitRegions(t, m, good, "4,5,6,7")
	mustRun(t, nil, dir, neuralem(t), "merge", base, good, "-o", filepath.Join(dir, "merged.nem"))
}
