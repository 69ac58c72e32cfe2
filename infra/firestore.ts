/**
 * Firestore: the cluster's own database (so two clusters' jobs never mix), one composite index per query declared in
 * shared/store/queries.ts (derived, never hand-listed), and the TTL policies
 * from the deploy declaration. The database is kept on `kinetic down` unless asked.
 */
import * as gcp from "@pulumi/gcp";
import type * as pulumi from "@pulumi/pulumi";
import { TTL_POLICIES } from "../functions/deploy.ts";
import { QUERIES, type QueryDecl } from "../shared/store/queries.ts";
import { firestoreDatabase } from "../shared/config/deployment-names.ts";
import type { InfraConfig } from "./config.ts";

/** The cluster's database: its own (kinetic-{tag}) unless the config keeps an older one. */
export const databaseOf = (cfg: InfraConfig): string => cfg.firestoreDatabase ?? firestoreDatabase(cfg.cluster);

export interface IndexSpec {
  name: string;
  collection: string;
  fields: { fieldPath: string; order: "ASCENDING" | "DESCENDING" }[];
}

/** The composite indexes the declared queries need, in declaration order. */
export function compositeIndexes(queries: Record<string, QueryDecl> = QUERIES): IndexSpec[] {
  return Object.entries(queries).map(([name, q]) => ({
    name,
    collection: q.collection,
    fields: q.fields.map((f) => ({ fieldPath: f.field, order: f.order })),
  }));
}

const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

export interface FirestoreResources {
  database: gcp.firestore.Database;
  indexes: gcp.firestore.Index[];
  ttl: gcp.firestore.Field[];
}

export function createFirestore(cfg: InfraConfig, dependsOn: pulumi.Resource[]): FirestoreResources {
  const database = new gcp.firestore.Database(
    "firestore",
    {
      project: cfg.project,
      name: databaseOf(cfg),
      locationId: cfg.firestoreLocation ?? cfg.region,
      type: "FIRESTORE_NATIVE",
      // Job history outlives the control plane: `kinetic down` leaves the data.
      deletionPolicy: "ABANDON",
    },
    { dependsOn, ...(cfg.adoptFirestore ? { import: `projects/${cfg.project}/databases/${databaseOf(cfg)}` } : {}) },
  );
  const indexes = compositeIndexes().map(
    (ix) =>
      new gcp.firestore.Index(`index-${kebab(ix.name)}`, {
        project: cfg.project,
        database: database.name,
        collection: ix.collection,
        queryScope: "COLLECTION",
        fields: ix.fields,
      }),
  );
  const ttl = TTL_POLICIES.map(
    (p) =>
      new gcp.firestore.Field(`ttl-${p.collection}-${kebab(p.field)}`, {
        project: cfg.project,
        database: database.name,
        collection: p.collection,
        field: p.field,
        ttlConfig: {},
        // Never queried: exempt it from single-field indexing (Firestore TTL best practice).
        indexConfig: {},
      }),
  );
  return { database, indexes, ttl };
}
