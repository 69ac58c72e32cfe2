/**
 * Process exit codes, one table for every command (documented in cli/README.md).
 */
import { ApiError } from "../shared/client/api-client.ts";
import { ConfigError } from "../shared/config/errors.ts";
import { KineticError } from "../shared/errors.ts";

export const EXIT = {
  /** Success. */
  ok: 0,
  /** Any other failure: the API rejected the request, could not be reached, answered nonsense… */
  error: 1,
  /** Usage or configuration error found before anything was sent: bad flag, missing project, broken profiles file. */
  usage: 2,
  /** The job (or other object) does not exist. */
  notFound: 3,
  /** `--wait` saw the job end in FAILED, CANCELLED or REJECTED. */
  jobFailed: 4,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export function exitCodeFor(err: unknown): ExitCode {
  if (err instanceof ConfigError) return EXIT.usage;
  if (err instanceof ApiError) return err.code === "not-found" ? EXIT.notFound : EXIT.error;
  // Local input problems (an unreadable spec file, a bad option value) are usage errors.
  if (err instanceof KineticError && err.code === "invalid-argument") return EXIT.usage;
  return EXIT.error;
}

/** Thrown by a command to end with a given code after it has printed its own output. */
export class ExitRequest extends Error {
  override name = "ExitRequest";
  readonly exitCode: ExitCode;
  constructor(exitCode: ExitCode) {
    super(`exit ${exitCode}`);
    this.exitCode = exitCode;
  }
}
