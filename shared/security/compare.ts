/**
 * Constant-time comparison for secrets. Both sides are hashed first, so
 * inputs of different lengths leak nothing through timing either.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";

export function safeEqual(a: string, b: string): boolean {
  const ha = createHash("sha256").update(a).digest();
  const hb = createHash("sha256").update(b).digest();
  return timingSafeEqual(ha, hb);
}

/** Verifies a `sha256=<hex>` HMAC signature over the raw request body. */
export function verifyHmacSha256(secret: string, rawBody: Buffer | string, header: string | undefined): boolean {
  if (!header || !header.startsWith("sha256=")) return false;
  const expected = "sha256=" + createHmac("sha256", secret).update(rawBody).digest("hex");
  return safeEqual(expected, header);
}
