/**
 * Pub/Sub push endpoints. Pub/Sub pushes straight to a function (the push
 * subscription infra creates, with an OIDC token), so those functions are HTTP
 * functions: each checks the push identity first — something a CloudEvent
 * function never sees — then decodes the delivery into the event shape its
 * handler takes. A delivery may be the raw push body ({message, subscription})
 * or a CloudEvent in binary (ce-* headers) or structured mode, as Eventarc
 * would deliver it. 204 acks; anything else nacks.
 */
import type { Request, Response } from "express";
import type { Deps } from "../shared/deps.ts";
import type { CloudEventLike } from "../shared/jobs/envelope.ts";
import { sendError } from "./http.ts";

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/** The delivery as a CloudEvent-like value: id, time and the MessagePublishedData. */
export function eventFromPush(req: Request): CloudEventLike {
  const body: unknown = req.body;
  const ceId = req.get("ce-id");
  if (ceId) return { id: ceId, ...(req.get("ce-time") ? { time: req.get("ce-time") } : {}), data: body };
  if (req.is("application/cloudevents+json") && isObject(body)) {
    return {
      ...(str(body.id) ? { id: str(body.id) } : {}),
      ...(str(body.time) ? { time: str(body.time) } : {}),
      data: body.data,
    };
  }
  const message = isObject(body) && isObject(body.message) ? body.message : undefined;
  const id = str(message?.messageId) ?? str(message?.message_id);
  const time = str(message?.publishTime) ?? str(message?.publish_time);
  return { ...(id ? { id } : {}), ...(time ? { time } : {}), data: body };
}

/** An HTTP handler that authenticates a push, decodes it and hands it to `handle`. */
export function pushEndpoint(
  getDeps: () => Promise<Deps>,
  handle: (deps: Deps, event: CloudEventLike) => Promise<unknown>,
): (req: Request, res: Response) => Promise<void> {
  return async (req, res) => {
    try {
      const deps = await getDeps();
      // Only the push subscription's OIDC identity may hand us messages.
      if (deps.pushAuth) await deps.pushAuth.authenticate(req.get("authorization"));
      await handle(deps, eventFromPush(req));
      res.status(204).end();
    } catch (err) {
      sendError(res, err);
    }
  };
}
