/**
 * Parsers for setting values. Each takes the raw string from a flag, an env
 * var, a profile or an SDK argument and returns the typed value, or a reason
 * the caller turns into an error naming the setting and where the value came from.
 */
import { LOG_LEVELS, type LogLevel } from "../log.ts";

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const bad = (reason: string): Parsed<never> => ({ ok: false, reason });

// GCP project ids: 6–30 chars, lowercase letters, digits, hyphens, starting with a
// letter; legacy domain-scoped ids ("example.com:proj") are still in use.
const PROJECT = /^(?:[a-z][a-z0-9.-]*[a-z0-9]:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
const ZONE = /^[a-z]+-[a-z]+[0-9]+-[a-z]$/;
const CLUSTER = /^[a-z](?:[-a-z0-9]{0,38}[a-z0-9])?$/;
const NAMESPACE = /^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?$/;
const PROFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function parseProject(raw: string): Parsed<string> {
  return PROJECT.test(raw)
    ? ok(raw)
    : bad("expected a Google Cloud project id: 6-30 lowercase letters, digits or hyphens, starting with a letter");
}

export function parseZone(raw: string): Parsed<string> {
  return ZONE.test(raw) ? ok(raw) : bad("expected a Compute Engine zone such as us-central1-a");
}

export function parseCluster(raw: string): Parsed<string> {
  return CLUSTER.test(raw)
    ? ok(raw)
    : bad("expected a GKE cluster name: up to 40 lowercase letters, digits or hyphens, starting with a letter");
}

export function parseNamespace(raw: string): Parsed<string> {
  return NAMESPACE.test(raw)
    ? ok(raw)
    : bad("expected a Kubernetes namespace: up to 63 lowercase letters, digits or hyphens");
}

export function parseProfileName(raw: string): Parsed<string> {
  return PROFILE_NAME.test(raw)
    ? ok(raw)
    : bad("expected 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit");
}

export function parseGcsUri(raw: string): Parsed<string> {
  return /^gs:\/\/[a-z0-9][a-z0-9._-]{1,221}[a-z0-9](\/.*)?$/.test(raw)
    ? ok(raw.replace(/\/+$/, ""))
    : bad("expected a Cloud Storage URI such as gs://my-bucket/outputs");
}

export function parseImageRepo(raw: string): Parsed<string> {
  // registry host, then one or more path segments; no tag or digest (images are named inside it)
  return /^[a-z0-9.-]+(:[0-9]+)?(\/[a-z0-9._-]+)+$/.test(raw) && !raw.includes("@")
    ? ok(raw)
    : bad("expected an image repository such as us-docker.pkg.dev/my-project/kinetic (no tag)");
}

export function parseReservation(raw: string): Parsed<string> {
  // A plain name or a full projects/…/reservations/… path (block/sub-block paths included).
  return /^[a-z0-9]([-a-z0-9/]*[a-z0-9])?$/.test(raw) && raw.length <= 512
    ? ok(raw)
    : bad("expected a reservation name or projects/P/reservations/NAME path");
}

export function parseLogLevel(raw: string): Parsed<LogLevel> {
  const upper = raw.toUpperCase();
  return (LOG_LEVELS as readonly string[]).includes(upper)
    ? ok(upper as LogLevel)
    : bad(`expected one of ${LOG_LEVELS.join(", ")}`);
}

/** "90", "90s", "15m", "2h" or combinations like "1h30m" → seconds. */
export function parseDurationSeconds(raw: string): Parsed<number> {
  const text = raw.trim();
  if (/^[0-9]+$/.test(text)) return ok(Number(text));
  const m = /^(?:([0-9]+)h)?(?:([0-9]+)m)?(?:([0-9]+)s)?$/.exec(text);
  if (!m || text === "") return bad("expected a duration such as 600, 600s, 10m or 1h30m");
  return ok(Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0));
}

export function parseHttpUrl(raw: string): Parsed<string> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return bad("expected an http(s) URL");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return bad("expected an http(s) URL");
  if (url.username || url.password) return bad("credentials do not belong in the URL; use KINETIC_API_TOKEN");
  return ok(raw.replace(/\/+$/, ""));
}

/** "us-central1-a" → "us-central1". */
export function regionOf(zone: string): string {
  return zone.replace(/-[a-z]$/, "");
}

/** "24m" style rendering for durations shown to people. */
export function formatSeconds(seconds: number): string {
  if (seconds % 3600 === 0 && seconds > 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0 && seconds > 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}
