/**
 * Structured JSON logging in Cloud Logging's shape (severity + message + fields).
 * Anything that might hold a secret goes through `redact` first.
 */

export const LOG_LEVELS = ["DEBUG", "INFO", "WARNING", "ERROR", "FATAL"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const RANK: Record<LogLevel, number> = { DEBUG: 10, INFO: 20, WARNING: 30, ERROR: 40, FATAL: 50 };
const SECRET_KEY = /(secret|token|password|passwd|authorization|api[-_]?key|private[-_]?key|credential)/i;

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

/** Replaces values under secret-looking keys, recursively. */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 6 || value === null || typeof value !== "object") return value;
  // Errors have no enumerable fields; keep what an operator needs (the message may not carry secrets by convention).
  if (value instanceof Error)
    return { name: value.name, message: value.message, ...("code" in value ? { code: value.code } : {}) };
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) ? "[redacted]" : redact(v, depth + 1);
  return out;
}

function levelFromEnv(): LogLevel {
  const raw = (process.env.KINETIC_LOG_LEVEL ?? "INFO").toUpperCase();
  return (LOG_LEVELS as readonly string[]).includes(raw) ? (raw as LogLevel) : "INFO";
}

export function createLogger(
  base: LogFields = {},
  sink: (line: string) => void = (l) => process.stdout.write(l + "\n"),
): Logger {
  const min = RANK[levelFromEnv()];
  const emit = (severity: LogLevel, message: string, fields?: LogFields) => {
    if (RANK[severity] < min) return;
    const entry = { severity, message, time: new Date().toISOString(), ...(redact({ ...base, ...fields }) as object) };
    sink(JSON.stringify(entry));
  };
  return {
    debug: (m, f) => emit("DEBUG", m, f),
    info: (m, f) => emit("INFO", m, f),
    warn: (m, f) => emit("WARNING", m, f),
    error: (m, f) => emit("ERROR", m, f),
    child: (fields) => createLogger({ ...base, ...fields }, sink),
  };
}

export const log: Logger = createLogger();
