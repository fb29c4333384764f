#!/usr/bin/env node
// The `colorless` command. The CLI is TypeScript compiled to dist/ (npm run build).
import { main } from "../dist/cli/main.js";

const code = await main(process.argv.slice(2));
if (code !== undefined) process.exitCode = code;
