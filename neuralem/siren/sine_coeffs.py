#!/usr/bin/python3
"""Fits the polynomial coefficients of the fast sine (sine.go) and checks them.

    /usr/bin/python3 neuralem/siren/sine_coeffs.py [--exhaustive]

The fast sine computes sin(pi*t) for float32 t. The argument is reduced to
w = t - 2*round(t/2) in [-1, 1] (exact in float32), s = w*w, and

    sin(pi*w)  = a*2 + a*g(s),  a = w*(1 - s)     (product form: exact zeros at w = 0, +-1)
    pi*cos(pi*w) = c(s)                            (the custom gradient)

g is degree 5 and c degree 6. Each is a weighted minimax fit (Remez exchange in
float64) whose coefficients are rounded to float32 one at a time, refitting the
remaining ones after each rounding (as Sollya's fpminimax does), so that the
rounded coefficients stay near-minimax.

The script prints the Go literals used in sine.go, then emulates the graph's
float32 operation sequence exactly (numpy float32: one rounding per op, as the
GoMLX Go backend does) and reports the maximum absolute error against float64
sin(pi*w) on a dense sample. With --exhaustive it evaluates every float32 w in
[0, 1]: the reduction is exact and the polynomial form is exactly odd, so this
bounds the error for every float32 t with |t| < 2^22 (minutes of CPU).

The Go test TestSinPiAccuracy checks the sine independently (the real graph on
the Go backend against math.Sin) on a dense sweep and at the reduction
boundaries.
"""
import sys

import numpy as np

f32 = np.float32


def remez_fixed(W, H, deg, fixed, iters=80, grid=200000):
    """Minimax over x in (0, 1) of |W(x) * (sum_j c_j x^(2j) - H(x))|, with the
    first len(fixed) coefficients fixed. Returns all coefficients and the error."""
    xs = np.linspace(0.0, 1.0, grid)[1:-1]
    k = len(fixed)
    nfree = deg + 1 - k
    n = nfree + 1
    ref = 0.5 + 0.5 * np.cos(np.pi * (np.arange(n)[::-1] + 0.5) / n)

    def fixed_part(x):
        s = x * x
        return sum(fixed[j] * s**j for j in range(k))

    for _ in range(iters):
        s = ref**2
        A = np.zeros((n, n))
        for j in range(nfree):
            A[:, j] = W(ref) * s ** (k + j)
        A[:, nfree] = (-1.0) ** np.arange(n)
        sol = np.linalg.solve(A, W(ref) * (H(ref) - fixed_part(ref)))
        c = np.concatenate([fixed, sol[:nfree]])
        err = W(xs) * (np.polyval(c[::-1], xs**2) - H(xs))
        sign = np.sign(err)
        cuts = [0] + list(np.nonzero(sign[1:] != sign[:-1])[0] + 1) + [len(xs)]
        ext = [cuts[i] + np.argmax(np.abs(err[cuts[i]:cuts[i + 1]])) for i in range(len(cuts) - 1)]
        while len(ext) > n:
            ext = ext[1:] if abs(err[ext[0]]) < abs(err[ext[-1]]) else ext[:-1]
        if len(ext) < n:
            break
        ref = xs[ext]
    return c, np.abs(err).max()


def fpminimax(W, H, deg):
    fixed = []
    for j in range(deg + 1):
        c, err = remez_fixed(W, H, deg, np.array(fixed, dtype=np.float64))
        fixed.append(float(f32(c[j])))
    return [f32(x) for x in fixed], err


def sin_weight(x):
    return x * (1 - x * x)


def sin_g(x):  # sin(pi x) / (x (1 - x^2)) - 2
    return np.sin(np.pi * x) / (x * (1 - x * x)) - 2


def cos_c(x):
    return np.pi * np.cos(np.pi * x)


def horner(c, s):
    p = s * c[-1] + c[-2]
    for cj in reversed(c[:-2]):
        p = p * s + cj
    return p


def sin_f32(g, w):
    """The graph's op sequence, one float32 rounding per op."""
    s = w * w
    a = w * (f32(1) - s)
    return (a + a) + a * horner(g, s)


def cos_f32(c, w):
    return horner(c, w * w)


def max_err(fn, coeffs, ref, ws):
    e = np.abs(fn(coeffs, ws).astype(np.float64) - ref(ws.astype(np.float64)))
    i = int(np.argmax(e))
    return float(e[i]), float(ws[i])


def main():
    g, gerr = fpminimax(sin_weight, sin_g, 5)
    c, cerr = fpminimax(lambda x: np.ones_like(x), cos_c, 6)
    lit = lambda cs: ", ".join("%.9g" % x for x in cs)
    print("// sin: w(1-s)(2 + g(s)), fit error %.2g" % gerr)
    print("var sinPiG = [...]float32{%s}" % lit(g))
    print("// pi*cos: c(s), fit error %.2g" % cerr)
    print("var cosPiC = [...]float32{%s}" % lit(c))

    rng = np.random.default_rng(1)
    ws = np.concatenate([rng.random(10_000_000), np.linspace(0, 1, 4_000_001),
                         1 - np.arange(300_000) * 2.0**-24, 0.5 + np.arange(-200_000, 200_000) * 2.0**-25]).astype(f32)
    print("float32 evaluation, dense sample of %d w in [0, 1]:" % len(ws))
    print("  sin(pi w)    max abs error %.3g at w = %.9g" % max_err(sin_f32, g, lambda w: np.sin(np.pi * w), ws))
    print("  pi cos(pi w) max abs error %.3g at w = %.9g" % max_err(cos_f32, c, cos_c, ws))
    if "--exhaustive" in sys.argv:
        worst = (0.0, 0.0)
        top = np.float32(1).view(np.uint32)
        step = 1 << 24
        for lo in range(0, int(top) + 1, step):
            bits = np.arange(lo, min(lo + step, int(top) + 1), dtype=np.uint32)
            worst = max(worst, max_err(sin_f32, g, lambda w: np.sin(np.pi * w), bits.view(f32)))
        print("  exhaustive, all float32 w in [0, 1]: sin(pi w) max abs error %.3g at w = %.9g" % worst)


if __name__ == "__main__":
    main()
