import { describe, expect, it } from "vitest";
import {
  parseDurationSeconds,
  parseGcsUri,
  parseHttpUrl,
  parseProfileName,
  parseProject,
  parseZone,
  regionOf,
} from "./validators.ts";

describe("setting validators", () => {
  it("parses durations as seconds", () => {
    expect(parseDurationSeconds("600")).toEqual({ ok: true, value: 600 });
    expect(parseDurationSeconds("10m")).toEqual({ ok: true, value: 600 });
    expect(parseDurationSeconds("1h30m")).toEqual({ ok: true, value: 5400 });
    expect(parseDurationSeconds("45s")).toEqual({ ok: true, value: 45 });
    expect(parseDurationSeconds("")).toMatchObject({ ok: false });
    expect(parseDurationSeconds("ten")).toMatchObject({ ok: false });
    expect(parseDurationSeconds("5d")).toMatchObject({ ok: false });
  });

  it("derives the region from a zone", () => {
    expect(regionOf("us-central1-a")).toBe("us-central1");
    expect(regionOf("europe-west4-b")).toBe("europe-west4");
  });

  it("accepts real names and rejects look-alikes", () => {
    expect(parseProject("my-project-123").ok).toBe(true);
    expect(parseProject("example.com:my-proj").ok).toBe(true);
    expect(parseProject("My_Project").ok).toBe(false);
    expect(parseProject("abc").ok).toBe(false);
    expect(parseZone("us-east5-b").ok).toBe(true);
    expect(parseZone("us-east5").ok).toBe(false);
    expect(parseProfileName("team-gpu.v2").ok).toBe(true);
    expect(parseProfileName("../x").ok).toBe(false);
    expect(parseProfileName("_hidden").ok).toBe(false);
    expect(parseGcsUri("gs://bucket/prefix/")).toEqual({ ok: true, value: "gs://bucket/prefix" });
    expect(parseGcsUri("s3://bucket").ok).toBe(false);
  });

  it("keeps credentials out of the API URL", () => {
    expect(parseHttpUrl("https://user:pw@example.com/api")).toMatchObject({ ok: false });
    expect(parseHttpUrl("https://example.com/api/")).toEqual({ ok: true, value: "https://example.com/api" });
    expect(parseHttpUrl("ftp://example.com").ok).toBe(false);
  });
});
