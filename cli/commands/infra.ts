/**
 * `kinetic up`, `kinetic down` and `kinetic pool …` (placeholder until the infra work lands).
 */
import type { Command } from "commander";

export function registerInfraCommands(_program: Command): void {}
