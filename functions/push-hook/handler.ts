/**
 * pushHook's HTTP side: POST /hooks/<repoId> with a GitHub or GitLab push
 * delivery. It only reads the raw bytes and headers and hands them to the
 * handler in shared/builds (push-hook-handler.ts), which checks the signature
 * before anything is parsed. Public on purpose: a forge cannot send an OIDC
 * token, so the per-repository signature is the authentication.
 */
import type { Request, Response } from "express";
import { KineticError } from "../../shared/errors.ts";
import { handlePushHook, MAX_HOOK_BODY_BYTES, type PushHookDeps } from "../../shared/builds/push-hook-handler.ts";
import { rawBodyOf } from "../http-body.ts";
import { sendError } from "../http.ts";

const HOOK_PATH = /^\/hooks\/([^/]{1,100})\/?$/;

/** The raw body: functions-framework keeps it; without the framework (a plain server), read it here, capped. */
async function rawBody(req: Request, max: number): Promise<Buffer> {
  const kept = rawBodyOf(req);
  if (kept) return kept;
  if (req.readableEnded || req.complete) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    // One byte over is enough for the handler to answer 413; the rest is not kept.
    if (size > max) {
      chunks.push(chunk.subarray(0, 1));
      req.resume();
      return Buffer.concat([Buffer.alloc(max), ...chunks.slice(-1)]);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function headersOf(req: Request): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(req.headers)) out[k.toLowerCase()] = Array.isArray(v) ? v[0] : v;
  return out;
}

export function pushHookEndpoint(getDeps: () => Promise<PushHookDeps>) {
  return async (req: Request, res: Response): Promise<void> => {
    try {
      const m = HOOK_PATH.exec(req.path);
      if (!m) throw new KineticError("not-found", "push hooks are POST /hooks/<repository id>");
      if (req.method !== "POST") {
        res.set("Allow", "POST");
        res.status(405).json({ error: { code: "invalid-argument", message: "push hooks take POST only" } });
        return;
      }
      const deps = await getDeps();
      const max = deps.maxBodyBytes ?? MAX_HOOK_BODY_BYTES;
      const declared = Number(req.get("content-length") ?? 0);
      if (Number.isFinite(declared) && declared > max) {
        res.set("Connection", "close");
        req.resume();
        res
          .status(413)
          .json({ error: { code: "payload-too-large", message: `the delivery may be at most ${max} bytes` } });
        return;
      }
      const answer = await handlePushHook(deps, {
        repoId: m[1]!,
        headers: headersOf(req),
        rawBody: await rawBody(req, max),
      });
      res.status(answer.status).json(answer.body);
    } catch (err) {
      sendError(res, err);
    }
  };
}
