// kill -9 at random moments while ten writers commit (and retire) through the journal: every commit that resolved and
// was not retired is there after the restart, with its id and its own body. (A kill cannot show a missing fdatasync:
// the kernel keeps what was written; group-commit.ts orders the sync before the resolve.)
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { JournalSpool } from '../../src/spool/journal-spool.js';
import { killOnExit } from '../helpers/cleanup.js';
import { seededRandom } from '../helpers/seeded-random.js';

const writerScript = join(import.meta.dirname, '..', 'helpers', 'journal-writer.ts');

/** Runs the writer until `killAfterMs` after it is ready, kills it with SIGKILL, and returns what it printed. */
async function runAndKill(dataDir: string, round: number, killAfterMs: number): Promise<string[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', writerScript, dataDir, String(round)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  killOnExit(child);
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  while (!output.startsWith('ready\n')) {
    if (child.exitCode !== null) throw new Error('the writer ended before it was ready');
    await delay(10);
  }
  await delay(killAfterMs);
  child.kill('SIGKILL');
  await exited;
  // A last line without its newline was cut by the kill: it says nothing.
  return output.split('\n').slice(1, -1);
}

describe('JournalSpool and kill -9', () => {
  let dataDir: string;
  before(async () => (dataDir = await mkdtemp(join(tmpdir(), 'amb-journal-crash-'))));
  after(() => rm(dataDir, { recursive: true, force: true }));

  it('keeps every resolved commit, once, with its body, across kills at random moments', async (t) => {
    const seed = Math.floor(Math.random() * 2 ** 32);
    t.diagnostic(`kill moments from seed ${seed}`);
    const random = seededRandom(seed);
    const acknowledged = new Map<string, string>();
    const retired = new Set<string>();
    for (let round = 0; round < 4; round++) {
      for (const line of await runAndKill(dataDir, round, 100 + Math.floor(random() * 400))) {
        const [what, id = '', text = ''] = line.split(' ');
        if (what === 'ok') {
          assert.ok(!acknowledged.has(id), `id ${id} given twice`);
          acknowledged.set(id, text);
        } else if (what === 'retired') retired.add(id);
      }
    }
    const spool = new JournalSpool(dataDir);
    await spool.open();
    try {
      const pending = await spool.pending();
      const missing = [...acknowledged.keys()].filter((id) => !retired.has(id) && !pending.includes(id));
      assert.deepEqual(missing, [], 'acknowledged and not retired, so still pending');
      for (const id of pending) {
        const record = await spool.read(id);
        const text = record.header.text as string;
        assert.equal(record.body.toString().trimEnd(), text, `${id} holds its own body`);
        if (acknowledged.has(id)) assert.equal(text, acknowledged.get(id));
      }
      t.diagnostic(`${acknowledged.size} commits acknowledged in 4 runs killed at random, ${pending.length} pending after the last`);
    } finally {
      await spool.close();
    }
  });
});
