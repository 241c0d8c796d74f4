package grid

import (
	"math"

	"github.com/neuralem/neuralem/neuralem/geom"
)

// BSpline is interpolating cubic B-spline interpolation of a grid (Unser
// 1999; Thévenaz, Blu & Unser 2000). The B-spline coefficients are computed
// once, at construction, by the exact recursive prefilter (gain 6, pole
// z = √3 − 2, one causal and one anti-causal pass per axis), so the
// interpolant
//
//	f(u) = Σ c[i,j,k] β³(u_x − i) β³(u_y − j) β³(u_z − k)
//
// equals the voxel values at voxel centres (to rounding, ~1e-15 relative).
// It is C² and its gradient is the analytic derivative of f, converted to
// per Å by dividing by the spacing of each axis.
//
// Boundary: the prefilter assumes the whole-sample mirror-symmetric extension
// of the data (s[−k] = s[k], s[n−1+k] = s[n−1−k]), the standard choice, which
// scipy.ndimage calls mode="mirror"; coefficients beyond the edge are
// mirrored the same way. Consequences: the gradient normal to each face of the
// domain is 0 on that face, and polynomials of degree ≤ 3 (per axis) are
// reproduced exactly only away from the faces. The error of reproducing a
// cubic decays like |z|^d ≈ 0.268^d with the distance d in voxels from the
// nearest face (below 1e-9 relative at d ≥ 16, at rounding level at d ≥ 26).
// Sampling is restricted to the box spanned by the voxel centres.
//
// Coefficients are float64, padded by one voxel below and two above on every
// axis, so a sample reads 64 contiguous-row coefficients with no branches.
type BSpline struct {
	frame  Frame
	dom    geom.Box
	ax     [3]axisMap
	pad    [3]int // padded shape: n + 3 per axis
	coeffs []float64
}

// bsplinePole is the pole of the cubic B-spline prefilter, √3 − 2.
var bsplinePole = math.Sqrt(3) - 2

// NewBSpline computes the B-spline coefficients of g and returns its
// interpolator. It copies what it needs; g may change afterwards.
func NewBSpline(g *Grid) (*BSpline, error) {
	if err := checkGrid(g); err != nil {
		return nil, err
	}
	c := Prefilter(g)
	b := &BSpline{frame: g.Frame, dom: g.Box(), ax: newAxes(g.Frame)}
	nx, ny, nz := g.Shape[0], g.Shape[1], g.Shape[2]
	b.pad = [3]int{nx + 3, ny + 3, nz + 3}
	px, py, pz := b.pad[0], b.pad[1], b.pad[2]
	b.coeffs = make([]float64, px*py*pz)
	mx := make([]int, px)
	for i := range px {
		mx[i] = mirror(i-1, nx)
	}
	for kk := range pz {
		k := mirror(kk-1, nz)
		for jj := range py {
			j := mirror(jj-1, ny)
			dst := b.coeffs[px*(jj+py*kk):][:px]
			src := c[nx*(j+ny*k):][:nx]
			for i := range dst {
				dst[i] = src[mx[i]]
			}
		}
	}
	return b, nil
}

// Prefilter returns the cubic B-spline coefficients of g (float64, X fastest,
// same shape) for the mirror-symmetric boundary extension; see BSpline.
func Prefilter(g *Grid) []float64 {
	nx, ny, nz := g.Shape[0], g.Shape[1], g.Shape[2]
	c := make([]float64, len(g.Data))
	for i, x := range g.Data {
		c[i] = float64(x)
	}
	// X lines are contiguous; Y and Z lines are gathered into a buffer.
	if nx > 1 {
		parallelChunks(ny*nz, 64, func(lo, hi int) {
			for l := lo; l < hi; l++ {
				prefilterLine(c[l*nx : (l+1)*nx])
			}
		})
	}
	if ny > 1 {
		parallelChunks(nz, 1, func(lo, hi int) {
			buf := make([]float64, ny)
			for k := lo; k < hi; k++ {
				for i := range nx {
					base := i + nx*ny*k
					for j := range ny {
						buf[j] = c[base+nx*j]
					}
					prefilterLine(buf)
					for j := range ny {
						c[base+nx*j] = buf[j]
					}
				}
			}
		})
	}
	if nz > 1 {
		parallelChunks(ny, 1, func(lo, hi int) {
			buf := make([]float64, nz)
			for j := lo; j < hi; j++ {
				for i := range nx {
					base := i + nx*j
					for k := range nz {
						buf[k] = c[base+nx*ny*k]
					}
					prefilterLine(buf)
					for k := range nz {
						c[base+nx*ny*k] = buf[k]
					}
				}
			}
		})
	}
	return c
}

// prefilterLine turns samples into cubic B-spline coefficients in place
// (Thévenaz et al. 2000, with the exact mirror-symmetric initialisation).
func prefilterLine(c []float64) {
	n := len(c)
	if n < 2 {
		return
	}
	z := bsplinePole
	const gain = 6 // (1 − z)(1 − 1/z)
	for i := range c {
		c[i] *= gain
	}
	c[0] = initialCausal(c, z)
	for i := 1; i < n; i++ {
		c[i] += z * c[i-1]
	}
	c[n-1] = z / (z*z - 1) * (z*c[n-2] + c[n-1])
	for i := n - 2; i >= 0; i-- {
		c[i] = z * (c[i+1] - c[i])
	}
}

// initialCausal is c⁺[0] = Σ_k z^k s̃[k] over the mirror-extended signal s̃
// of period 2n − 2, summed exactly in closed form.
func initialCausal(c []float64, z float64) float64 {
	n := len(c)
	zn := z
	iz := 1 / z
	z2n := math.Pow(z, float64(n-1))
	sum := c[0] + z2n*c[n-1]
	z2n *= z2n * iz
	for i := 1; i <= n-2; i++ {
		sum += (zn + z2n) * c[i]
		zn *= z
		z2n *= iz
	}
	return sum / (1 - zn*zn)
}

// Frame returns the frame of the interpolated grid.
func (b *BSpline) Frame() Frame { return b.frame }

// Domain returns the box spanned by the voxel centres.
func (b *BSpline) Domain() geom.Box { return b.dom }

// Sample implements Field.
func (b *BSpline) Sample(pts []geom.Point, val []float64, grad []geom.Vec3) error {
	return sampleField("bspline", b.dom, b, pts, val, grad)
}

// Eval returns the density at p and its gradient per Å.
func (b *BSpline) Eval(p geom.Point) (float64, geom.Vec3, error) { return evalOne(b, p) }

// bsplineWeights returns the cubic B-spline weights β³(t+1), β³(t), β³(t−1),
// β³(t−2) for t ∈ [0, 1] and their derivatives with respect to t.
func bsplineWeights(t float64) (w, dw [4]float64) {
	s := 1 - t
	t2 := t * t
	t3 := t2 * t
	w[0] = s * s * s / 6
	w[1] = (3*t3 - 6*t2 + 4) / 6
	w[2] = (-3*t3 + 3*t2 + 3*t + 1) / 6
	w[3] = t3 / 6
	dw[0] = -s * s / 2
	dw[1] = 1.5*t2 - 2*t
	dw[2] = -1.5*t2 + t + 0.5
	dw[3] = t2 / 2
	return
}

// bsplineValueWeights returns the weights of bsplineWeights without the
// derivatives.
func bsplineValueWeights(t float64) (w [4]float64) {
	s := 1 - t
	t2 := t * t
	t3 := t2 * t
	w[0] = s * s * s / 6
	w[1] = (3*t3 - 6*t2 + 4) / 6
	w[2] = (-3*t3 + 3*t2 + 3*t + 1) / 6
	w[3] = t3 / 6
	return
}

// sampleValues is sampleRange without gradients (about half the work).
func (b *BSpline) sampleValues(pts []geom.Point, val []float64) {
	px, pxy := b.pad[0], b.pad[0]*b.pad[1]
	c := b.coeffs
	for n, p := range pts {
		i, tx := b.ax[0].cell(p[0])
		j, ty := b.ax[1].cell(p[1])
		k, tz := b.ax[2].cell(p[2])
		wx := bsplineValueWeights(tx)
		wy := bsplineValueWeights(ty)
		wz := bsplineValueWeights(tz)
		base := i + px*j + pxy*k
		var v float64
		for a := 0; a < 4; a++ {
			var pv float64
			plane := base + a*pxy
			for bb := 0; bb < 4; bb++ {
				r := c[plane+bb*px:][:4]
				pv += wy[bb] * (r[0]*wx[0] + r[1]*wx[1] + r[2]*wx[2] + r[3]*wx[3])
			}
			v += wz[a] * pv
		}
		val[n] = v
	}
}

func (b *BSpline) sampleRange(pts []geom.Point, val []float64, grad []geom.Vec3) {
	if grad == nil {
		b.sampleValues(pts, val)
		return
	}
	px, pxy := b.pad[0], b.pad[0]*b.pad[1]
	c := b.coeffs
	for n, p := range pts {
		i, tx := b.ax[0].cell(p[0])
		j, ty := b.ax[1].cell(p[1])
		k, tz := b.ax[2].cell(p[2])
		wx, dwx := bsplineWeights(tx)
		wy, dwy := bsplineWeights(ty)
		wz, dwz := bsplineWeights(tz)
		// Padded index of coefficient (i−1, j−1, k−1) is (i, j, k).
		base := i + px*j + pxy*k
		var v, gx, gy, gz float64
		for a := 0; a < 4; a++ {
			var pv, pdx, pdy float64
			plane := base + a*pxy
			for bb := 0; bb < 4; bb++ {
				r := c[plane+bb*px:][:4]
				rx := r[0]*wx[0] + r[1]*wx[1] + r[2]*wx[2] + r[3]*wx[3]
				drx := r[0]*dwx[0] + r[1]*dwx[1] + r[2]*dwx[2] + r[3]*dwx[3]
				pv += wy[bb] * rx
				pdx += wy[bb] * drx
				pdy += dwy[bb] * rx
			}
			v += wz[a] * pv
			gx += wz[a] * pdx
			gy += wz[a] * pdy
			gz += dwz[a] * pv
		}
		val[n] = v
		grad[n] = geom.Vec3{gx * b.ax[0].inv, gy * b.ax[1].inv, gz * b.ax[2].inv}
	}
}
