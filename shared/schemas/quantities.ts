/**
 * Kubernetes resource quantities ("500m", "4Gi", "1.5", "1e3"): the grammar
 * from apimachinery's resource.Quantity, plus the stricter rules Kinetic
 * adds for sizes — a byte size must carry a unit, because "4096" means 4096
 * bytes to Kubernetes, not 4096 MB as Metaflow users expect.
 */

const QUANTITY = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;

const SUFFIX_FACTOR: Record<string, number> = {
  "": 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

export interface ParsedQuantity {
  /** The value in base units (cores or bytes). Float: exact enough for comparisons and halving. */
  value: number;
  suffix: string;
}

/** Parse a quantity string; undefined when it does not match the grammar. */
export function parseQuantity(text: string): ParsedQuantity | undefined {
  const m = QUANTITY.exec(text);
  if (!m) return undefined;
  const sign = m[1] === "-" ? -1 : 1;
  const num = Number(m[2]);
  const suffix = m[3] ?? "";
  const factor = /^[eE]/.test(suffix) ? 10 ** Number(suffix.slice(1)) : SUFFIX_FACTOR[suffix]!;
  return { value: sign * num * factor, suffix };
}

/** A positive CPU quantity: cores as a number or a string like "500m" / "2". */
export function cpuQuantityError(text: string): string | undefined {
  const q = parseQuantity(text);
  if (!q) return `"${text}" is not a Kubernetes quantity (examples: "500m", "1", "2.5")`;
  if (q.value <= 0) return "must be greater than 0";
  if (q.value < 1e-3) return "must be at least 1m (one thousandth of a core)";
  return undefined;
}

/** A positive byte size with a unit: "4Gi", "512Mi", "10G". */
export function byteQuantityError(text: string): string | undefined {
  const q = parseQuantity(text);
  if (!q) return `"${text}" is not a Kubernetes quantity (examples: "512Mi", "4Gi", "10G")`;
  if (q.suffix === "") return `needs a unit: "${text}" would mean ${text} bytes (write e.g. "${text}Mi" or "${text}M")`;
  if (q.suffix === "m") return `"m" means milli-bytes; use "Mi" (mebibytes) or "M" (megabytes)`;
  if (q.value <= 0) return "must be greater than 0";
  if (q.value < 1) return "must be at least one byte";
  return undefined;
}

/** A non-negative quantity of any resource (advanced `resources` form). */
export function genericQuantityError(text: string): string | undefined {
  const q = parseQuantity(text);
  if (!q) return `"${text}" is not a Kubernetes quantity (examples: "500m", "4Gi", "1")`;
  if (q.value < 0) return "must not be negative";
  return undefined;
}

/** Express a byte count as a whole number of MiB (rounded down, at least 1). */
export function toMebibytes(bytes: number): string {
  return `${Math.max(1, Math.floor(bytes / 2 ** 20))}Mi`;
}
