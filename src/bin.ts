#!/usr/bin/env node
// The command `alarm-mail-bridge`: first its memory settings (launcher.ts), then the command line. The rest is
// imported only after a relaunch was decided, so a relaunching process loads nothing it would throw away.
import { relaunchTuned } from './launcher.js';

relaunchTuned();
const { runCli } = await import('./cli.js');
await runCli(process.argv.slice(2));
