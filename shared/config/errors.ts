/**
 * Configuration failures. They are the user's to fix (a bad flag, a missing
 * project, a hand-broken profiles file), so each carries a hint that says how,
 * and the CLI maps them to its "usage or configuration" exit code.
 */
import { KineticError, type ErrorCode, type FieldIssue } from "../errors.ts";

export class ConfigError extends KineticError {
  override name = "ConfigError";
  /** One line telling the user how to fix it (printed after the message). */
  readonly hint: string | undefined;

  constructor(
    message: string,
    options: { hint?: string; code?: ErrorCode; issues?: FieldIssue[]; cause?: unknown } = {},
  ) {
    super(options.code ?? "invalid-argument", message, { issues: options.issues, cause: options.cause });
    this.hint = options.hint;
  }
}

/** The profiles file exists but cannot be used as is; it is never overwritten. */
export class ProfileStoreError extends ConfigError {
  override name = "ProfileStoreError";
}

/** A profile name that is not in the store. */
export class ProfileNotFoundError extends ConfigError {
  override name = "ProfileNotFoundError";
  constructor(message: string, hint?: string) {
    super(message, { hint, code: "not-found" });
  }
}
