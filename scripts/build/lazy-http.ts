/**
 * Run-time part of the functions bundle (scripts/build/functions.ts): the
 * bundle's entry registers every function at load, as functions-framework
 * requires, but each registration is this thin wrapper, which imports the
 * function's own module (its chunk, and the SDKs it needs) on the first
 * request. A deployed function thus loads its own code only, not all of
 * them. The function's module registers its real handler again when it
 * loads; the framework keeps the wrapper it picked at start, so that is
 * harmless.
 */
import type { HttpFunction } from "@google-cloud/functions-framework";

export interface HandlerModule {
  handler: HttpFunction;
}

/** An HTTP function that loads `load`'s handler on its first request (a failed load is tried again on the next). */
export function lazyHttp(load: () => Promise<HandlerModule>): HttpFunction {
  let loaded: Promise<HttpFunction> | undefined;
  return async (req, res) => {
    loaded ??= load().then(
      (m) => m.handler,
      (err: unknown) => {
        loaded = undefined;
        throw err;
      },
    );
    // A rejection reaches functions-framework's own error handler, which answers 500 and logs it.
    return (await loaded)(req, res);
  };
}
