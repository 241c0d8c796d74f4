//go:build xla

package siren

// Building with -tags xla links the XLA (PJRT) backend. It is used only when
// selected with GOMLX_BACKEND=xla[:…]; the PJRT plugin must be installed.
import _ "github.com/gomlx/go-xla/compute/xla"
