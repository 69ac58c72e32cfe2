/**
 * The API bearer token: an explicit one (SDK argument or KINETIC_API_TOKEN),
 * else an identity token from `gcloud auth print-identity-token`, fetched once
 * per process. The token itself never appears in an error message.
 */
import { ConfigError } from "../config/errors.ts";
import { gcloudIdentityToken } from "../config/gcloud.ts";

export function tokenProvider(
  explicit: string | undefined,
  env?: Record<string, string | undefined>,
): () => Promise<string> {
  let cached: Promise<string> | undefined;
  return () => {
    if (explicit) return Promise.resolve(explicit);
    cached ??= gcloudIdentityToken(env).then((r) => {
      if (r.stdout) return r.stdout.split("\n").pop()!.trim();
      throw new ConfigError(`no API token: KINETIC_API_TOKEN is not set and gcloud gave none (${r.failure})`, {
        code: "unauthenticated",
        hint: "set KINETIC_API_TOKEN, or run `gcloud auth login` so `gcloud auth print-identity-token` works",
      });
    });
    return cached;
  };
}
