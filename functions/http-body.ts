/**
 * Request bodies of the HTTP functions: JSON only, at most MAX_BODY_BYTES,
 * refused in Kinetic's error shape before any work (authentication included).
 *
 * Deployed, functions-framework has read and parsed every body before our
 * code runs: its parsers take any content type up to 1024 MB (gzip and
 * brotli inflated), keep the bytes as `req.rawBody`, and answer malformed
 * JSON themselves. That cannot be configured, so the guard here checks what
 * the framework leaves: the declared Content-Length and the size of the raw
 * body (a chunked upload has no Content-Length). Without the framework (a
 * plain express server, tests), `jsonBody` reads the body itself with the
 * same limit, and `bodyErrors` answers parse failures in our shape.
 */
import express, { type ErrorRequestHandler, type Request, type RequestHandler, type Response } from "express";
import { KineticError, truncateText } from "../shared/errors.ts";
import { sendError } from "./http.ts";

/** A job spec is at most 512 KiB as compact JSON; this leaves room for indentation. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** The body's bytes, as functions-framework (or jsonBody) kept them; undefined when none was read. */
export function rawBodyOf(req: Request): Buffer | undefined {
  const raw = (req as Request & { rawBody?: unknown }).rawBody;
  return Buffer.isBuffer(raw) ? raw : undefined;
}

function tooLarge(bytes: number | undefined, max: number): KineticError {
  const size = bytes === undefined ? "larger than that" : `${bytes} bytes`;
  return new KineticError("payload-too-large", `the request body may be at most ${max} bytes; it is ${size}`, {
    issues: [{ field: "(body)", message: `at most ${max} bytes` }],
  });
}

function notJson(contentType: string | undefined): KineticError {
  const got = contentType ? `"${truncateText(contentType, 100)}"` : "none";
  return new KineticError("unsupported-media-type", `the request body must be JSON; its Content-Type is ${got}`, {
    issues: [{ field: "(body)", message: "send Content-Type: application/json" }],
  });
}

/** True when the request carries body bytes (an empty body is no body). */
function hasBodyBytes(req: Request): boolean {
  const raw = rawBodyOf(req);
  if (raw) return raw.length > 0;
  const length = req.get("content-length");
  if (length !== undefined) return Number(length) > 0;
  return req.get("transfer-encoding") !== undefined;
}

/** Refuses a body that is too large (413) or not JSON (415), before anything reads or uses it. */
export function bodyGuard(max = MAX_BODY_BYTES): RequestHandler {
  return (req, res, next) => {
    const declared = Number(req.get("content-length") ?? 0);
    const kept = rawBodyOf(req)?.length ?? 0;
    const size = Math.max(Number.isFinite(declared) ? declared : 0, kept);
    if (size > max) return refuse(req, res, tooLarge(size, max));
    if (hasBodyBytes(req) && !req.is("application/json")) return refuse(req, res, notJson(req.get("content-type")));
    next();
  };
}

/**
 * A whole HTTP function behind bodyGuard (the crons, which are no express app): a refused body never reaches
 * authentication or the run.
 */
export function guarded(
  handler: (req: Request, res: Response) => Promise<void>,
  max = MAX_BODY_BYTES,
): (req: Request, res: Response) => Promise<void> {
  const guard = bodyGuard(max);
  return async (req, res) => {
    let admitted = false;
    guard(req, res, () => void (admitted = true));
    if (admitted) await handler(req, res);
  };
}

/** Answers without reading an unread body: the rest is discarded as it arrives, then the connection closes. */
function refuse(req: Request, res: Response, err: KineticError): void {
  if (!req.complete) {
    res.set("Connection", "close");
    req.resume();
  }
  sendError(res, err);
}

/** Reads a JSON body when nothing has (no functions-framework in front), keeping its bytes as rawBody. */
export function jsonBody(max = MAX_BODY_BYTES): RequestHandler {
  return express.json({
    limit: max,
    verify: (req, _res, buf) => {
      (req as Request & { rawBody?: Buffer }).rawBody = buf;
    },
  });
}

/** body-parser's errors (from jsonBody) in Kinetic's shape; anything else goes on. */
export function bodyErrors(max = MAX_BODY_BYTES): ErrorRequestHandler {
  return (err: unknown, _req, res, next) => {
    const type = typeof err === "object" && err !== null ? (err as { type?: unknown }).type : undefined;
    const reason = truncateText(err instanceof Error ? err.message : String(err), 200);
    switch (type) {
      case "entity.too.large":
        return sendError(res, tooLarge(undefined, max));
      case "entity.parse.failed":
        return sendError(res, malformedJson(reason));
      case "charset.unsupported":
      case "encoding.unsupported":
        return sendError(
          res,
          new KineticError("unsupported-media-type", `the request body cannot be read: ${reason}`, {
            issues: [{ field: "(body)", message: "send UTF-8 JSON, uncompressed or gzip" }],
          }),
        );
      case "request.aborted":
      case "request.size.invalid":
        return sendError(
          res,
          new KineticError("invalid-argument", `the request body could not be read: ${reason}`, {
            issues: [{ field: "(body)", message: "incomplete body" }],
          }),
        );
      default:
        next(err);
    }
  };
}

export function malformedJson(reason: string): KineticError {
  return new KineticError("invalid-argument", "the request body is not valid JSON", {
    issues: [{ field: "(body)", message: `malformed JSON: ${reason}` }],
  });
}

/**
 * The body as a JSON object: an empty or missing body is a 400 (a job is
 * never made of nothing), and so is JSON that is not an object.
 */
export function jsonObjectBody(req: Request): Record<string, unknown> {
  const body: unknown = req.body;
  if (!rawBodyOf(req)?.length) {
    throw new KineticError("invalid-argument", "the request body is empty; send a JSON job spec", {
      issues: [{ field: "(body)", message: "required" }],
    });
  }
  if (typeof body !== "object" || body === null || Array.isArray(body) || Buffer.isBuffer(body)) {
    throw new KineticError("invalid-argument", "the request body must be a JSON job spec object", {
      issues: [{ field: "(body)", message: "expected a JSON object" }],
    });
  }
  return body as Record<string, unknown>;
}
