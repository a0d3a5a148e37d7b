#!/usr/bin/env node
// The command `alarm-mail-bridge`.
import { runCli } from './cli.js';

await runCli(process.argv.slice(2));
