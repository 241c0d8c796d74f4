package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// LockSuffix is appended to an output's name to make its lock file.
const LockSuffix = ".lock"

// LockedError is returned by Lock when another writer holds the lock.
type LockedError struct {
	Path     string // the output
	LockPath string // the lock file
	PID      int    // the holder's PID, 0 if it could not be read
}

func (e *LockedError) Error() string {
	who := "another process"
	if e.PID > 0 {
		who = fmt.Sprintf("process %d", e.PID)
		if e.PID == os.Getpid() {
			who += " (this process)"
		}
	}
	return fmt.Sprintf("%s is being written by %s (it holds %s); wait for it to finish or stop it", e.Path, who, e.LockPath)
}

// Locked is an exclusive lock on an output, held until Release.
type Locked struct {
	f    *os.File
	path string
}

// Lock takes an exclusive lock on the output path: flock(2) on path+".lock"
// (created if needed, holding this process's PID). It does not wait: if
// another writer (another process, or another Lock in this one) holds it,
// it returns a *LockedError naming the holder's PID. The lock is released
// by Release or when the process exits (even by kill -9).
func Lock(path string) (*Locked, error) {
	lp := path + LockSuffix
	for range 10 {
		f, err := os.OpenFile(lp, os.O_RDWR|os.O_CREATE, Perm)
		if err != nil {
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
			defer f.Close()
			if errors.Is(err, syscall.EWOULDBLOCK) {
				return nil, &LockedError{Path: path, LockPath: lp, PID: readPID(f)}
			}
			return nil, fmt.Errorf("lock %s: %w", lp, err)
		}
		// A previous holder removes the lock file when it releases: make
		// sure the file locked is still the one at lp.
		held, err1 := f.Stat()
		now, err2 := os.Stat(lp)
		if err1 != nil || err2 != nil || !os.SameFile(held, now) {
			f.Close()
			continue
		}
		if err := f.Truncate(0); err != nil {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", lp, err)
		}
		if _, err := f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0); err != nil {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", lp, err)
		}
		f.Sync()
		return &Locked{f: f, path: lp}, nil
	}
	return nil, fmt.Errorf("lock %s: the lock file keeps being replaced", lp)
}

func readPID(f *os.File) int {
	b, err := io.ReadAll(io.NewSectionReader(f, 0, 32))
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return 0
	}
	return pid
}

// Release removes the lock file and releases the lock. It is safe to call
// more than once.
func (l *Locked) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := os.Remove(l.path)
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.f = nil
	return err
}
