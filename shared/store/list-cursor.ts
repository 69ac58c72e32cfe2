/** The opaque cursor of a newest-first list: the last item's createdAt and document id, base64url JSON. */
import { KineticError } from "../errors.ts";

export function encodeCursor(createdAt: string, docId: string): string {
  return Buffer.from(JSON.stringify([createdAt, docId])).toString("base64url");
}

export function decodeCursor(cursor: string): { createdAt: string; key: string } {
  try {
    const [createdAt, key] = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown[];
    if (typeof createdAt === "string" && typeof key === "string") return { createdAt, key };
  } catch {
    /* fall through */
  }
  throw new KineticError("invalid-argument", "cursor is not a cursor this API returned", {
    issues: [{ field: "cursor", message: "malformed pagination cursor" }],
  });
}
