package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func readString(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func entries(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

func TestWriteReplacesAtomically(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "out.txt")
	if err := WriteBytes(p, []byte("old")); err != nil {
		t.Fatal(err)
	}
	// A failing writer leaves the old content and no temporary.
	boom := errors.New("disk full")
	err := Write(p, func(w io.Writer) error {
		io.WriteString(w, "half of the new")
		return boom
	})
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), p) {
		t.Errorf("failed write: %v, want it to wrap the cause and name %s", err, p)
	}
	if got := readString(t, p); got != "old" {
		t.Errorf("after a failed write the file holds %q, want the old content", got)
	}
	if names := entries(t, dir); len(names) != 1 {
		t.Errorf("directory holds %v after a failed write, want only out.txt", names)
	}
	if err := WriteBytes(p, []byte("new")); err != nil {
		t.Fatal(err)
	}
	if got := readString(t, p); got != "new" {
		t.Errorf("file holds %q, want new", got)
	}
	st, _ := os.Stat(p)
	if st.Mode().Perm()&0o044 == 0 {
		t.Errorf("mode %v: want a readable output", st.Mode())
	}
	if err := WriteBytes(dir, []byte("x")); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("writing over a directory: %v", err)
	}
}

// TestGroupAllOrNone: a failure while staging the third of three files
// changes none of them and leaves no temporaries; a commit lands all.
func TestGroupAllOrNone(t *testing.T) {
	dir := t.TempDir()
	names := []string{"g.cif", "g.pdb", "g.json"}
	for _, n := range names {
		if err := WriteBytes(filepath.Join(dir, n), []byte("good "+n)); err != nil {
			t.Fatal(err)
		}
	}
	var g Group
	for i, n := range names {
		err := g.Stage(filepath.Join(dir, n), func(w io.Writer) error {
			io.WriteString(w, "new "+n)
			if i == 2 {
				return errors.New("no space left on device")
			}
			return nil
		})
		if (err != nil) != (i == 2) {
			t.Fatalf("stage %s: %v", n, err)
		}
	}
	for _, n := range names {
		if got := readString(t, filepath.Join(dir, n)); got != "good "+n {
			t.Errorf("%s holds %q after a failed group, want the previous good file", n, got)
		}
	}
	if got := entries(t, dir); len(got) != 3 {
		t.Errorf("temporaries left: %v", got)
	}
	for _, n := range names {
		if err := g.Stage(filepath.Join(dir, n), func(w io.Writer) error { _, err := io.WriteString(w, "new "+n); return err }); err != nil {
			t.Fatal(err)
		}
	}
	if got := readString(t, filepath.Join(dir, names[0])); got != "good "+names[0] {
		t.Errorf("staged file visible before Commit: %q", got)
	}
	if err := g.Commit(); err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if got := readString(t, filepath.Join(dir, n)); got != "new "+n {
			t.Errorf("%s holds %q after commit", n, got)
		}
	}
}

// deadPID returns the PID of a process that has exited.
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	if Alive(pid) {
		t.Skipf("PID %d reused at once", pid) // practically never
	}
	return pid
}

func TestCleanStale(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "map.nem")
	mk := func(name string, age time.Duration) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		if age > 0 {
			old := time.Now().Add(-age)
			os.Chtimes(p, old, old)
		}
		return p
	}
	dead := mk(fmt.Sprintf(".map.nem.tmp-%d-0000abcd", deadPID(t)), 0)
	live := mk(fmt.Sprintf(".map.nem.tmp-%d-0000abcd", os.Getpid()), time.Hour)
	legacyOld := mk(".map.nem.tmp-123456789", time.Hour)
	legacyNew := mk(".map.nem.tmp-987654321", 0)
	other := mk(fmt.Sprintf(".other.nem.tmp-%d-0000abcd", deadPID(t)), time.Hour)
	removed, err := CleanStale(out)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{dead: true, legacyOld: true}
	if len(removed) != 2 || !want[removed[0]] || !want[removed[1]] {
		t.Errorf("removed %v, want %s and %s", removed, dead, legacyOld)
	}
	for _, p := range []string{live, legacyNew, other} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s removed: it belongs to a live writer, is recent, or is another output's", p)
		}
	}
}

func TestLock(t *testing.T) {
	out := filepath.Join(t.TempDir(), "map.nem")
	l, err := Lock(out)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(readString(t, out+LockSuffix)); got != strconv.Itoa(os.Getpid()) {
		t.Errorf("lock file holds %q, want our PID", got)
	}
	_, err = Lock(out)
	var le *LockedError
	if !errors.As(err, &le) || le.PID != os.Getpid() || !strings.Contains(err.Error(), strconv.Itoa(os.Getpid())) {
		t.Fatalf("second lock: %v, want a LockedError naming PID %d", err, os.Getpid())
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(out + LockSuffix); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("lock file left after Release: %v", err)
	}
	l2, err := Lock(out)
	if err != nil {
		t.Fatalf("lock after release: %v", err)
	}
	l2.Release()
	l2.Release()
}

const lockChildEnv = "ATOMICFILE_TEST_LOCK_CHILD"

// TestLockOtherProcess: a lock held by another process is refused naming
// that process's PID; after the holder is killed (kill -9 leaves the lock
// file behind) the lock is free.
func TestLockOtherProcess(t *testing.T) {
	if p := os.Getenv(lockChildEnv); p != "" {
		if _, err := Lock(p); err != nil {
			fmt.Println("child:", err)
			os.Exit(1)
		}
		fmt.Println("locked")
		time.Sleep(time.Minute)
		os.Exit(0)
	}
	out := filepath.Join(t.TempDir(), "map.nem")
	cmd := exec.Command(os.Args[0], "-test.run=^TestLockOtherProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), lockChildEnv+"="+out)
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	n, _ := stdout.Read(buf)
	if !strings.Contains(string(buf[:n]), "locked") {
		cmd.Process.Kill()
		t.Fatalf("child: %q", buf[:n])
	}
	_, err := Lock(out)
	var le *LockedError
	if !errors.As(err, &le) || le.PID != cmd.Process.Pid {
		t.Errorf("lock held by child %d: %v", cmd.Process.Pid, err)
	}
	cmd.Process.Kill()
	cmd.Wait()
	l, err := Lock(out)
	if err != nil {
		t.Fatalf("lock after the holder was killed: %v", err)
	}
	l.Release()
}
