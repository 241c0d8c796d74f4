// Command pjrt-install installs the CUDA PJRT plugin and the NVIDIA
// libraries it needs for GoMLX's XLA backend, at container image build time.
//
// It calls github.com/gomlx/go-xla/installer (the library behind go-xla's
// own pjrt_installer) for one pinned plugin version, so the running
// container never downloads anything: the image sets
// GOMLX_NO_AUTO_INSTALL=1 and PJRT_PLUGIN_LIBRARY_PATH to the directory
// written here.
//
//	pjrt-install -plugin cuda13 -version 0.8.0 -lib /usr/local/lib
//
// writes /usr/local/lib/go-xla/nvidia/pjrt_c_api_cuda_plugin.so, the NVIDIA
// wheels' libraries under /usr/local/lib/go-xla/nvidia/, and (for cuda13)
// cuBLAS links in /usr/local/lib. It exits non-zero, naming the flag and its
// value, if anything is missing afterwards.
//
// This is a separate Go module (own go.mod) so that the main module's
// 'go test ./...' neither builds it nor needs its network access.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/gomlx/go-xla/installer"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "pjrt-install:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("pjrt-install", flag.ContinueOnError)
	plugin := fs.String("plugin", "cuda13", "PJRT plugin: cuda13 or cuda12 (Jax's jax-<plugin>-pjrt wheel)")
	version := fs.String("version", "", "Jax PJRT wheel version to install (required, e.g. 0.8.0; \"latest\" is refused: images must be reproducible)")
	lib := fs.String("lib", "/usr/local/lib", "library directory; the plugin goes to <lib>/go-xla/nvidia")
	verbose := fs.Bool("v", false, "verbose installer output")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	switch *plugin {
	case "cuda12", "cuda13":
	default:
		return fmt.Errorf("-plugin %q: want cuda12 or cuda13", *plugin)
	}
	if *version == "" || *version == "latest" {
		return fmt.Errorf("-version %q: pin a Jax PJRT wheel version (e.g. 0.8.0)", *version)
	}
	if !filepath.IsAbs(*lib) {
		return fmt.Errorf("-lib %q: want an absolute directory", *lib)
	}
	verbosity := installer.Normal
	if *verbose {
		verbosity = installer.Verbose
	}
	goxla := filepath.Join(*lib, "go-xla")
	// No download cache: the image keeps only the installed files.
	if err := installer.CudaInstall(*plugin, *version, goxla, false, verbosity); err != nil {
		return fmt.Errorf("installing %s PJRT %s into %s: %w", *plugin, *version, goxla, err)
	}
	so := filepath.Join(goxla, "nvidia", installer.NVIDIAPJRTPluginFileName)
	st, err := os.Stat(so)
	if err != nil {
		return fmt.Errorf("after install: %w", err)
	}
	if st.Size() == 0 {
		return fmt.Errorf("after install: %s is empty", so)
	}
	fmt.Printf("pjrt-install: %s (%d bytes)\n", so, st.Size())
	return nil
}
