// A status page and metrics need nothing but the bus: a tiny observer, built as a feature from bus messages alone,
// knows in a real run (real Mosquitto, a real SMTP client) whether the intake listens and the broker is connected,
// every backlog, the quarantine and the zones, and it sees the intake close and the broker go at the stop.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BusEvents } from '../../src/core/bus.js';
import { featureModule } from '../../src/features/module.js';
import { startTestBridge, type TestBridge } from '../helpers/bridge.js';
import { cleanUp } from '../helpers/cleanup.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { sendMail } from '../helpers/smtp-client.js';

/** What a status page shows, from bus messages only. */
interface StatusSummary {
  intake: Record<string, BusEvents['intake']>;
  broker: BusEvents['broker'] | undefined;
  backlogs: Record<string, number>;
  quarantine: { count: number; totalBytes: number; ids: string[] };
  parserRestarts: number;
  zones: Record<number, string>;
  accepted: number;
  events: number;
}

function statusObserver() {
  const summary: StatusSummary = {
    intake: {},
    broker: undefined,
    backlogs: {},
    quarantine: { count: 0, totalBytes: 0, ids: [] },
    parserRestarts: 0,
    zones: {},
    accepted: 0,
    events: 0,
  };
  const module = featureModule({
    name: 'status_summary',
    create: (_settings, { bus }) => ({
      start() {
        bus.on('intake', (intake) => (summary.intake[intake.input] = intake));
        bus.on('broker', (broker) => (summary.broker = broker));
        bus.on('backlog', ({ queue, depth }) => (summary.backlogs[queue] = depth));
        bus.on('quarantine', ({ count, totalBytes, added, removed }) => {
          summary.quarantine = {
            count,
            totalBytes,
            ids: [...summary.quarantine.ids, ...(added ? [added.id] : [])].filter((id) => id !== removed?.id),
          };
        });
        bus.on('parserRestarted', () => (summary.parserRestarts += 1));
        bus.on(
          'zoneState',
          ({ zone, name, state }) => (summary.zones[zone] = `${name}: door ${state.door ?? '?'}, tamper ${state.tamper}`),
        );
        bus.on('mailAccepted', () => (summary.accepted += 1));
        bus.on('event', () => (summary.events += 1));
      },
      stop() {},
    }),
  });
  return { summary, module };
}

/** Waits (briefly, really) until the summary says what the test expects; a fact that never comes is a diff. */
async function until(summary: StatusSummary, done: (summary: StatusSummary) => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!done(summary)) {
    assert.ok(Date.now() < deadline, `not seen in time: ${JSON.stringify(summary)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('a status summary from nothing but the bus', () => {
  let broker: Mosquitto;
  let dataDir: string;
  let test: TestBridge | undefined;
  const unreadable = '20261121T000000000Z-000000-0000beef';

  before(async () => {
    broker = await Mosquitto.start();
    dataDir = await mkdtemp(join(tmpdir(), 'amb-status-'));
    // A spool file cut short by a broken disk, left from a previous run: quarantined at the start.
    await mkdir(join(dataDir, 'spool', 'mails'), { recursive: true });
    await writeFile(join(dataDir, 'spool', 'mails', `${unreadable}.eml`), 'not a header line');
  });
  after(() =>
    cleanUp(
      () => test?.stop(),
      () => broker.stop(),
      () => rm(dataDir, { recursive: true, force: true }),
    ),
  );

  it('knows the intake, the broker, every backlog, the quarantine and the zones, and sees them end at the stop', async () => {
    const { summary, module } = statusObserver();
    test = await startTestBridge({ mqttUrl: broker.url, dataDir, features: [module] });
    const port = test.bridge.smtpPort;
    assert.deepEqual(
      summary.intake.smtp,
      { input: 'smtp', listening: true, address: `127.0.0.1:${port}` },
      'listening once the start is over',
    );
    await until(summary, ({ broker }) => broker?.connected === true);
    assert.equal(summary.broker?.url, broker.url);
    await until(summary, ({ quarantine }) => quarantine.count === 1);
    assert.deepEqual(summary.quarantine.ids, [unreadable]);

    const { response } = await sendMail(port, { to: 'status@bridge.local', body: 'Zone:3 Haustür, DC Open - Mobility' });
    assert.match(response, /^250 /);
    await until(
      summary,
      ({ events, zones, backlogs }) => events === 2 && zones[3] !== undefined && backlogs.spool === 0 && backlogs.mqtt === 0,
    );
    assert.deepEqual(
      { ...summary, broker: summary.broker?.connected, intake: summary.intake.smtp?.listening, quarantine: summary.quarantine.count },
      {
        intake: true,
        broker: true,
        // Every queue the bridge has: the spool, each output's, and the SMS outbox (dry-run: status events go to no one).
        backlogs: { spool: 0, mqtt: 0, sms: 0, telegram: 0, 'outbox/sms': 0 },
        quarantine: 1,
        parserRestarts: 0,
        zones: { 3: 'Haustür: door ON, tamper OFF' },
        accepted: 1,
        events: 2,
      },
    );

    await test.stop();
    test = undefined;
    assert.deepEqual(summary.intake.smtp, { input: 'smtp', listening: false });
    assert.equal(summary.broker?.connected, false);
  });
});
