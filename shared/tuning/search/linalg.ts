/**
 * The little dense linear algebra a Gaussian process needs: Cholesky with a
 * growing jitter, and triangular solves. Matrices are row-major
 * Float64Arrays; n stays in the hundreds, so O(n³) is milliseconds.
 */

/**
 * Lower-triangular L with L·Lᵀ = A, adding a jitter of up to 1 % of the
 * largest diagonal entry when A is only numerically semi-definite (two
 * nearly equal points in a kernel matrix).
 */
export function cholesky(a: Float64Array, n: number): Float64Array {
  let scale = 0;
  for (let i = 0; i < n; i++) scale = Math.max(scale, Math.abs(a[i * n + i]!));
  scale ||= 1;
  for (let jitter = 0; jitter <= 1e-2 * scale; jitter = jitter ? jitter * 10 : 1e-12 * scale) {
    const l = tryCholesky(a, n, jitter);
    if (l) return l;
  }
  throw new Error("matrix is not positive definite");
}

function tryCholesky(a: Float64Array, n: number, jitter: number): Float64Array | undefined {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * n + j]!;
      for (let k = 0; k < j; k++) s -= l[i * n + k]! * l[j * n + k]!;
      if (i === j) {
        s += jitter;
        if (!(s > 0)) return undefined;
        l[i * n + i] = Math.sqrt(s);
      } else l[i * n + j] = s / l[j * n + j]!;
    }
  }
  return l;
}

/** x with L·x = b. */
export function solveLower(l: Float64Array, n: number, b: ArrayLike<number>): Float64Array {
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= l[i * n + k]! * x[k]!;
    x[i] = s / l[i * n + i]!;
  }
  return x;
}

/** x with Lᵀ·x = b. */
export function solveUpperT(l: Float64Array, n: number, b: ArrayLike<number>): Float64Array {
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i]!;
    for (let k = i + 1; k < n; k++) s -= l[k * n + i]! * x[k]!;
    x[i] = s / l[i * n + i]!;
  }
  return x;
}

/** Minimises f by Nelder–Mead from `x0` with initial step `step`; returns the best point found. */
export function nelderMead(
  f: (x: number[]) => number,
  x0: number[],
  options: { step: number; maxEvals: number; tol?: number },
): { x: number[]; value: number } {
  const d = x0.length;
  const tol = options.tol ?? 1e-6;
  let simplex = [x0, ...x0.map((_, i) => x0.map((v, j) => (i === j ? v + options.step : v)))].map((x) => ({
    x,
    v: f(x),
  }));
  let evals = simplex.length;
  const lerp = (a: number[], b: number[], t: number) => a.map((ai, i) => ai + t * (b[i]! - ai));
  while (evals < options.maxEvals) {
    simplex.sort((a, b) => a.v - b.v);
    const best = simplex[0]!;
    const worst = simplex[d]!;
    if (Math.abs(worst.v - best.v) < tol) break;
    const centroid = x0.map((_, i) => simplex.slice(0, d).reduce((s, p) => s + p.x[i]!, 0) / d);
    const reflect = lerp(centroid, worst.x, -1);
    const fr = f(reflect);
    evals++;
    if (fr < best.v) {
      const expand = lerp(centroid, worst.x, -2);
      const fe = f(expand);
      evals++;
      simplex[d] = fe < fr ? { x: expand, v: fe } : { x: reflect, v: fr };
    } else if (fr < simplex[d - 1]!.v) simplex[d] = { x: reflect, v: fr };
    else {
      const contract = lerp(centroid, worst.x, fr < worst.v ? -0.5 : 0.5);
      const fc = f(contract);
      evals++;
      if (fc < Math.min(fr, worst.v)) simplex[d] = { x: contract, v: fc };
      else {
        simplex = simplex.map((p, i) => (i === 0 ? p : { x: lerp(best.x, p.x, 0.5), v: f(lerp(best.x, p.x, 0.5)) }));
        evals += d;
      }
    }
  }
  simplex.sort((a, b) => a.v - b.v);
  return { x: simplex[0]!.x, value: simplex[0]!.v };
}
