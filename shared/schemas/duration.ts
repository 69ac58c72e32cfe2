/**
 * Durations as Kaiwo writes them ("90s", "30m", "1h30m"): the job spec's soft
 * `duration` and the operator config share this one form.
 */
import { z } from "zod";

export const DURATION_TEXT = /^([0-9]+(s|m|h))+$/;
const UNIT_SECONDS = { s: 1, m: 60, h: 3600 } as const;

/** Seconds of a duration string; NaN when it is malformed. */
export function durationSeconds(text: string): number {
  if (!DURATION_TEXT.test(text)) return Number.NaN;
  let total = 0;
  for (const m of text.matchAll(/([0-9]+)(s|m|h)/g)) total += Number(m[1]) * UNIT_SECONDS[m[2] as "s" | "m" | "h"];
  return total;
}

/** A positive duration of at most a year, e.g. "2h" or "1h30m". */
export const DurationText = z
  .string()
  .regex(DURATION_TEXT, 'must be a duration like "45m", "2h" or "1h30m" (digits followed by s, m or h)')
  .refine((t) => durationSeconds(t) > 0, "must be longer than 0s")
  .refine((t) => durationSeconds(t) <= 365 * 86_400, "must be at most a year (8760h)");
