// Package atomicfile writes output files so that a reader, a crash or a full
// disk never leaves a half-written or mixed file behind, and keeps two
// writers of one output apart.
//
//   - Write writes one file: a temporary file in the same directory
//     (".NAME.tmp-PID-RANDOM"), fsync, rename over NAME, fsync of the
//     directory. Readers see the old file or the new one, never a mix.
//   - Group writes several files that belong together (a graph's five
//     formats): every temporary is written and synced first, and only then
//     are they renamed, in order; if any write fails none is renamed and
//     every temporary is removed.
//   - CleanStale removes temporaries of an output left by a writer that
//     died (kill -9, power loss): the temporary names the writer's PID.
//   - Lock takes an exclusive flock(2) on "NAME.lock" beside an output, so a
//     second writer fails at once with an error naming the holder's PID.
//
// Everything here is for POSIX systems (rename within a directory is atomic;
// flock and kill(pid, 0) exist).
package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Perm is the permission of files written here (before the umask).
const Perm = 0o644

// tempPrefix returns the prefix shared by every temporary of path.
func tempPrefix(path string) string {
	return "." + filepath.Base(path) + ".tmp-"
}

// createTemp creates a temporary file for path in path's directory, named
// after the output and this process's PID.
func createTemp(path string) (*os.File, error) {
	dir := filepath.Dir(path)
	for range 100 {
		name := filepath.Join(dir, fmt.Sprintf("%s%d-%08x", tempPrefix(path), os.Getpid(), rand.Uint32()))
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, Perm)
		if errors.Is(err, os.ErrExist) {
			continue
		}
		return f, err
	}
	return nil, fmt.Errorf("cannot create a temporary file for %s in %s", filepath.Base(path), dir)
}

// CheckTarget reports an output path that cannot be written as a file: an
// empty path or an existing directory.
func CheckTarget(path string) error {
	if path == "" {
		return fmt.Errorf("empty output path")
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return fmt.Errorf("%s is a directory, want a file name", path)
	}
	return nil
}

// Write writes path atomically with the bytes write produces: to a
// temporary file in the same directory, synced, renamed over path, and the
// directory synced. On any error the temporary is removed and path is
// untouched.
func Write(path string, write func(io.Writer) error) error {
	var g Group
	if err := g.Stage(path, write); err != nil {
		return err
	}
	return g.Commit()
}

// WriteBytes is Write of a byte slice.
func WriteBytes(path string, b []byte) error {
	return Write(path, func(w io.Writer) error { _, err := w.Write(b); return err })
}

// Group writes several files all or none: Stage writes each to its
// temporary; Commit renames them all; Abort (or a failed Stage) removes every
// temporary. The zero value is ready to use.
type Group struct {
	staged []staged
}

type staged struct{ tmp, path string }

// Stage writes the content of one output to a synced temporary file beside
// path. If it fails, every temporary staged so far is removed too.
func (g *Group) Stage(path string, write func(io.Writer) error) (err error) {
	if err := CheckTarget(path); err != nil {
		g.Abort()
		return err
	}
	f, err := createTemp(path)
	if err != nil {
		g.Abort()
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
			g.Abort()
			err = fmt.Errorf("write %s: %w", path, err)
		}
	}()
	if err = write(f); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	g.staged = append(g.staged, staged{f.Name(), path})
	return nil
}

// Paths returns the outputs staged so far, in order.
func (g *Group) Paths() []string {
	var p []string
	for _, s := range g.staged {
		p = append(p, s.path)
	}
	return p
}

// Commit renames every staged temporary over its output, in the order they
// were staged, and syncs the directories. After an error the outputs not yet
// renamed keep their old content and their temporaries are removed.
func (g *Group) Commit() error {
	dirs := map[string]bool{}
	for i, s := range g.staged {
		if err := os.Rename(s.tmp, s.path); err != nil {
			g.staged = g.staged[i:]
			g.Abort()
			return fmt.Errorf("write %s: %w", s.path, err)
		}
		dirs[filepath.Dir(s.path)] = true
	}
	g.staged = nil
	for d := range dirs {
		syncDir(d)
	}
	return nil
}

// Abort removes every staged temporary; no output is changed.
func (g *Group) Abort() {
	for _, s := range g.staged {
		os.Remove(s.tmp)
	}
	g.staged = nil
}

// syncDir makes renames in dir durable (best effort: some file systems
// refuse to sync a directory).
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// LegacyAge is how old a temporary without a PID in its name (written by an
// older build) must be before CleanStale removes it.
const LegacyAge = 10 * time.Minute

// CleanStale removes the temporaries of path that no running process is
// writing: those whose name holds the PID of a process that no longer
// exists, and older-style ones (no PID) not modified for LegacyAge. It
// returns the names removed.
func CleanStale(path string) ([]string, error) {
	dir := filepath.Dir(path)
	entries, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		return nil, err
	}
	base := filepath.Base(path)
	prefixes := []string{tempPrefix(path), "." + base + ".tmp", base + ".tmp"}
	var removed []string
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() {
			continue
		}
		var rest string
		var ok bool
		for _, p := range prefixes {
			if rest, ok = strings.CutPrefix(name, p); ok {
				break
			}
		}
		if !ok || !stale(filepath.Join(dir, name), rest) {
			continue
		}
		full := filepath.Join(dir, name)
		if err := os.Remove(full); err == nil {
			removed = append(removed, full)
		}
	}
	return removed, nil
}

// stale decides whether the temporary full (rest: its name after the
// prefix) belongs to no live writer.
func stale(full, rest string) bool {
	if pidText, _, ok := strings.Cut(rest, "-"); ok {
		if pid, err := strconv.Atoi(pidText); err == nil && pid > 0 {
			return !Alive(pid)
		}
	}
	st, err := os.Stat(full)
	return err == nil && time.Since(st.ModTime()) > LegacyAge
}

// Alive reports whether a process with this PID exists.
func Alive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
