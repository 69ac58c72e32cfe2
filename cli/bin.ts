#!/usr/bin/env node
/**
 * The `kinetic` executable (package.json "bin"). Runs under Node 24's type
 * stripping; all logic lives in program.ts so tests can drive it in-process too.
 */
import { main } from "./program.ts";

process.exitCode = await main(process.argv.slice(2));
