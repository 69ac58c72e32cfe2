/**
 * tuneStudy's handler: one tuning-topic or job-events message in, one step
 * of a study out. Resolving acks; throwing nacks, which happens only for
 * transient faults (Pub/Sub redelivers, and the redelivery converges: every
 * step is idempotent). A poison message (not JSON, an unknown shape, an
 * invalid study, a study that does not exist) is recorded in tuningPoison
 * and acked, so it never loops.
 */
import { KineticError } from "../../shared/errors.ts";
import { decodeTypedMessage, type CloudEventLike } from "../../shared/jobs/envelope.ts";
import { createStudy } from "../../shared/studies/create.ts";
import { driveStudy } from "../../shared/studies/drive.ts";
import { onTrialEvent } from "../../shared/studies/events.ts";
import { TuningMessage } from "../../shared/studies/messages.ts";
import type { StudyDeps } from "../../shared/studies/types.ts";

export type TuningOutcome =
  | { status: "poison"; reason: string }
  | { status: "study"; studyId: string; state: string }
  | { status: "trial"; result: string };

export async function handleTuningMessage(deps: StudyDeps, event: CloudEventLike): Promise<TuningOutcome> {
  const decoded = await decodeTypedMessage(event, TuningMessage, {
    what: "a tuning message",
    log: deps.log,
    recordPoison: (id, reason, text) => deps.studies.recordPoison(id, reason, text),
  });
  if (!decoded.ok) return { status: "poison", reason: decoded.reason };
  const { message } = decoded;
  const poison = async (reason: string): Promise<TuningOutcome> => {
    deps.log.warn("poison tuning message recorded and acked", { messageId: message.messageId, reason });
    await deps.studies.recordPoison(message.messageId, reason, message.text);
    return { status: "poison", reason };
  };
  try {
    const m = decoded.data;
    switch (m.type) {
      case "study.create": {
        const { study } = await createStudy(deps, { spec: m.spec, principal: "pubsub" });
        return { status: "study", studyId: study.id, state: study.state };
      }
      case "study.drive": {
        const study = await driveStudy(deps, { namespace: m.namespace, id: m.studyId });
        return { status: "study", studyId: study.id, state: study.state };
      }
      case "job.finished":
        return { status: "trial", result: (await onTrialEvent(deps, m)).status };
    }
  } catch (err) {
    // Bad input can never succeed: record it and ack. Anything else is transient: nack.
    if (err instanceof KineticError && !err.retryable) {
      const issues = err.issues.map((i) => `${i.field}: ${i.message}`).join("; ");
      return poison(`${err.code}: ${err.message}${issues && !err.message.includes(issues) ? ` (${issues})` : ""}`);
    }
    throw err;
  }
}
