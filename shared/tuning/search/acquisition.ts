/**
 * Acquisition functions on a minimisation problem. Expected improvement is
 * ranked on the log scale (log EI, as BoTorch does) so candidates far from
 * the incumbent still compare when plain EI underflows to 0.
 */

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/** erfc(x) with relative error < 1.2e-7 (Numerical Recipes' Chebyshev fit). */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

export function logNormalPdf(z: number): number {
  return -0.5 * z * z - LOG_SQRT_2PI;
}

/** log(φ(z) + z·Φ(z)), stable for very negative z (asymptotic Mills-ratio series). */
export function logH(z: number): number {
  if (z > -5) return Math.log(Math.max(Math.exp(logNormalPdf(z)) + z * normalCdf(z), 1e-300));
  const u = 1 / (z * z);
  const series = u * (1 - 3 * u * (1 - 5 * u * (1 - 7 * u * (1 - 9 * u))));
  return logNormalPdf(z) + Math.log(series);
}

export const ACQUISITIONS = ["EI", "PI", "LCB"] as const;
export type Acquisition = (typeof ACQUISITIONS)[number];

/** Larger is better. `best` is the incumbent (lowest) value on the model's scale. */
export function acquisitionScore(kind: Acquisition, mean: number, variance: number, best: number): number {
  const sd = Math.sqrt(variance);
  switch (kind) {
    case "EI":
      return Math.log(sd) + logH((best - mean) / sd);
    case "PI":
      return Math.log(Math.max(normalCdf((best - mean) / sd), 1e-300));
    case "LCB":
      return -(mean - 1.96 * sd);
  }
}
