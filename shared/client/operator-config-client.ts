/**
 * Client for the operator config endpoints (functions/api/operator-config-routes.ts),
 * used by `kinetic admin config`. Answers are checked against schemas so a
 * drifting server fails here with the field named.
 */
import { z } from "zod";
import { KineticApiClient } from "./api-client.ts";

const ConfigObject = z.record(z.string(), z.unknown());

export const ConfigStateResponse = z.object({
  config: ConfigObject,
  set: ConfigObject,
  revision: z.number(),
  updatedAt: z.string().optional(),
  updatedBy: z.string().optional(),
});
export type ConfigStateResponse = z.infer<typeof ConfigStateResponse>;

export const ConfigChange = z.object({
  revision: z.number(),
  at: z.string(),
  by: z.string(),
  old: ConfigObject,
  new: ConfigObject,
  changed: z.array(z.string()),
  reason: z.string().optional(),
});
export type ConfigChange = z.infer<typeof ConfigChange>;

export const ConfigPutResponse = ConfigStateResponse.extend({ change: ConfigChange.optional() });
export type ConfigPutResponse = z.infer<typeof ConfigPutResponse>;

export const ConfigHistoryResponse = z.object({ changes: z.array(ConfigChange), nextBefore: z.number().optional() });
export type ConfigHistoryResponse = z.infer<typeof ConfigHistoryResponse>;

export class OperatorConfigClient extends KineticApiClient {
  async show(): Promise<ConfigStateResponse> {
    return this.parse(await this.request("GET", "/admin/config"), ConfigStateResponse, "GET /admin/config");
  }

  async put(config: Record<string, unknown>, revision: number, reason?: string): Promise<ConfigPutResponse> {
    const body = { config, revision, ...(reason ? { reason } : {}) };
    return this.parse(await this.request("PUT", "/admin/config", { body }), ConfigPutResponse, "PUT /admin/config");
  }

  async history(query: { limit?: number; before?: number } = {}): Promise<ConfigHistoryResponse> {
    const res = await this.request("GET", "/admin/config/history", { query: { ...query } });
    return this.parse(res, ConfigHistoryResponse, "GET /admin/config/history");
  }
}
