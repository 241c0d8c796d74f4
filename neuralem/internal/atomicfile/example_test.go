package atomicfile_test

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/neuralem/neuralem/neuralem/internal/atomicfile"
)

// Two files that belong together land both or neither; a lock keeps a
// second writer of the same output away.
func Example() {
	dir, _ := os.MkdirTemp("", "atomicfile")
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "graph")

	lock, err := atomicfile.Lock(out)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer lock.Release()
	_, err = atomicfile.Lock(out)
	fmt.Println("second writer refused:", err != nil)

	var g atomicfile.Group
	for _, ext := range []string{".cif", ".json"} {
		if err := g.Stage(out+ext, func(w io.Writer) error { _, err := io.WriteString(w, "data"); return err }); err != nil {
			fmt.Println(err)
			return
		}
	}
	if err := g.Commit(); err != nil {
		fmt.Println(err)
		return
	}
	for _, ext := range []string{".cif", ".json"} {
		b, _ := os.ReadFile(out + ext)
		fmt.Println(filepath.Base(out+ext), string(b))
	}
	// Output:
	// second writer refused: true
	// graph.cif data
	// graph.json data
}
