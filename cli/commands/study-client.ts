/** The study API client for the configured profile, and the namespace a study is looked up in. */
import { StudyApiClient } from "../../shared/client/study-client.ts";
import { tokenProvider } from "../../shared/client/token.ts";
import { requireSetting } from "../../shared/config/resolve.ts";
import type { CliContext } from "../context.ts";

export async function studyClient(ctx: CliContext): Promise<{ api: StudyApiClient; namespace: string }> {
  const config = await ctx.config();
  if (config.settings.apiUrl.value === undefined) requireSetting(config, "project");
  const api = new StudyApiClient({
    baseUrl: requireSetting(config, "apiUrl"),
    token: tokenProvider(config.apiToken.value, ctx.env),
  });
  return { api, namespace: requireSetting(config, "namespace") };
}
