/**
 * Kinetic's error vocabulary. Every failure a user can see carries one code
 * from a closed list; one table maps each code to an HTTP status and to the
 * retry decision a Pub/Sub handler makes (throw = nack = retry, resolve = ack).
 */

export const ERROR_CODES = [
  "invalid-argument",
  "unknown-accelerator",
  "unauthenticated",
  "permission-denied",
  "not-found",
  "already-exists",
  "id-conflict",
  "failed-precondition",
  "resource-exhausted",
  "payload-too-large",
  "unsupported-media-type",
  "cluster-rejected",
  "cluster-unavailable",
  "unavailable",
  "internal",
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

interface CodeBehaviour {
  /** HTTP status the API answers with. */
  status: number;
  /** True when the same request may succeed later (transient fault). */
  retryable: boolean;
}

// A `satisfies Record<ErrorCode, …>` table: adding a code without deciding its
// status and retry behaviour does not compile.
const BEHAVIOUR = {
  "invalid-argument": { status: 400, retryable: false },
  "unknown-accelerator": { status: 400, retryable: false },
  unauthenticated: { status: 401, retryable: false },
  "permission-denied": { status: 403, retryable: false },
  "not-found": { status: 404, retryable: false },
  "already-exists": { status: 409, retryable: false },
  /** A job id already names a different job (another spec, or a namespace the caller cannot see). */
  "id-conflict": { status: 409, retryable: false },
  "failed-precondition": { status: 409, retryable: false },
  "resource-exhausted": { status: 429, retryable: true },
  // The same bytes are refused every time: never retried.
  "payload-too-large": { status: 413, retryable: false },
  "unsupported-media-type": { status: 415, retryable: false },
  "cluster-rejected": { status: 422, retryable: false },
  "cluster-unavailable": { status: 503, retryable: true },
  unavailable: { status: 503, retryable: true },
  internal: { status: 500, retryable: true },
} as const satisfies Record<ErrorCode, CodeBehaviour>;

/** One field-level problem: a dotted path into the input and the reason. */
export interface FieldIssue {
  field: string;
  message: string;
}

export class KineticError extends Error {
  override name = "KineticError";
  readonly code: ErrorCode;
  readonly issues: FieldIssue[];

  constructor(code: ErrorCode, message: string, options: { issues?: FieldIssue[]; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.code = code;
    this.issues = options.issues ?? [];
  }

  get status(): number {
    return BEHAVIOUR[this.code].status;
  }

  get retryable(): boolean {
    return BEHAVIOUR[this.code].retryable;
  }

  toJSON(): { error: { code: ErrorCode; message: string; issues?: FieldIssue[] } } {
    return {
      error: { code: this.code, message: this.message, ...(this.issues.length ? { issues: this.issues } : {}) },
    };
  }
}

/** Bad input: never retried; the message is recorded and acknowledged. */
export function invalid(message: string, issues: FieldIssue[] = []): KineticError {
  return new KineticError("invalid-argument", message, { issues });
}

export function isRetryable(err: unknown): boolean {
  // Unknown errors are treated as transient: a redelivery is cheaper than a lost job.
  return err instanceof KineticError ? err.retryable : true;
}

/** Longest message Kinetic stores or returns for one error: records must stay far below Firestore's 1 MiB. */
export const MAX_MESSAGE_CHARS = 8192;

/** `text` cut to `max` characters with a note saying how much was left out. */
export function truncateText(text: string, max = MAX_MESSAGE_CHARS): string {
  if (text.length <= max) return text;
  const note = (left: number) => `… (truncated: ${left} more characters)`;
  // The note's length depends on the count it prints; the count is at most text.length.
  const keep = Math.max(0, max - note(text.length).length);
  return text.slice(0, keep) + note(text.length - keep);
}
