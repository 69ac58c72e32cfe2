/**
 * Request headers carrying the function's own Google access token
 * (Application Default Credentials; cached and refreshed by
 * google-auth-library, which loads on first use): what Google Managed
 * Prometheus's PromQL API asks of checkUtilization.
 */
import { KineticError } from "../errors.ts";

export function googleAuthHeaders(
  scopes = ["https://www.googleapis.com/auth/monitoring.read"],
): () => Promise<Record<string, string>> {
  let auth: Promise<{ getAccessToken(): Promise<string | null | undefined> }> | undefined;
  return async () => {
    auth ??= import("google-auth-library").then(({ GoogleAuth }) => new GoogleAuth({ scopes }));
    const token = await (await auth).getAccessToken();
    if (!token) throw new KineticError("unavailable", "no Google access token (Application Default Credentials)");
    return { authorization: `Bearer ${token}` };
  };
}
