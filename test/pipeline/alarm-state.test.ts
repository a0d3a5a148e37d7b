// The panel state over a sequence of real lines: what ends `triggered` and what never does, kept across a restart.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Route } from '../../src/core/event.js';
import { AlarmStateStore } from '../../src/pipeline/alarm-state.js';
import { classifyMail } from '../../src/sources/classify.js';
import { buildProfiles } from '../../src/sources/registry.js';
import type { RuleConfig } from '../../src/sources/rules/config.js';

const userRules: RuleConfig[] = [{ match: '^Anlage intern scharf$', type: 'panel_home', category: 'status', alarm_state: 'armed_home' }];
const profiles = buildProfiles(userRules);
const directories: string[] = [];
after(async () => {
  for (const directory of directories) await rm(directory, { recursive: true, force: true });
});

async function storeIn(): Promise<{ store: AlarmStateStore; path: string }> {
  const directory = await mkdtemp(join(tmpdir(), 'alarm-state-'));
  directories.push(directory);
  const path = join(directory, 'state.json');
  const store = new AlarmStateStore(path);
  await store.load();
  return { store, path };
}

/** The line as one mail, classified and resolved: the event's alarm_state as published. */
async function send(store: AlarmStateStore, text: string, route: Route = 'status'): Promise<string | null> {
  const mail = {
    envelope: {
      from: 'xt1@panel.local',
      recipients: [`${route}@bridge.local`],
      receivedAt: '2026-11-21T18:03:12.345Z',
      remoteAddress: '192.168.1.20',
    },
    headerFrom: 'xt1@panel.local',
    subject: '',
    text,
    attachments: [],
  };
  return (await store.resolve(classifyMail({ id: 'm', mail, route }, profiles))).alarm_state;
}

describe('AlarmStateStore', () => {
  it('keeps triggered through sensor, test, restore, supervision and unknown lines', async () => {
    const { store } = await storeIn();
    assert.equal(await send(store, 'Zone:1 Terrasse, Innenbereich Alarm', 'alarm'), 'triggered');
    for (const line of [
      'Zone:1 Terrasse, DC Open - Mobility',
      'Zone:5 PIR EG, IR Activity - Mobility',
      'Zone:4 Schlafzimmer, Periodischer Test Report',
      'Zone:8 Ost 1, Sabotage Alarm deaktiviert',
      'Feueralarm beendet',
      'Zone:7 Bäder OG, Sensorüberwachungsfehler',
      'Etwas Unbekanntes',
    ]) {
      assert.equal(await send(store, line), null, line);
      assert.equal(store.current, 'triggered', line);
    }
  });

  it('ends triggered with a user’s Arm, Home or Disarm line: the panel’s own word about its mode', async () => {
    const { store, path } = await storeIn();
    await send(store, 'Zone:1 Terrasse, Innenbereich Alarm', 'alarm');
    assert.equal(await send(store, 'Max, Arm'), 'armed_away');
    assert.equal(store.current, 'armed_away');
    await store.settled();
    const restarted = new AlarmStateStore(path);
    await restarted.load();
    assert.equal(restarted.current, 'armed_away', 'kept in data_dir');

    await send(store, 'Zone:8 Ost 1, Sabotage Alarm', 'alarm');
    assert.equal(await send(store, 'Max Müller, Home'), 'armed_home');
    await send(store, 'Feuer im Keller', 'alarm');
    assert.equal(await send(store, 'Benutzer 1, Disarm'), 'disarmed');
    assert.equal(store.current, 'disarmed');
  });

  it('does not hold the event up for its write, and says when the state is on disk', async () => {
    const { path } = await storeIn();
    await mkdir(path); // a folder where the file belongs: every write fails, and the event goes on all the same
    const failures: unknown[] = [];
    const failing = new AlarmStateStore(path, undefined, { failed: (error) => failures.push(error), recovered: () => undefined });
    assert.equal(await send(failing, 'Max, Arm'), 'armed_away');
    assert.equal(failing.current, 'armed_away');
    await failing.settled();
    assert.equal(failures.length, 1, 'a write that failed is told, once');
    await failing.close();
  });

  it('ends triggered with a user rule that names a mode, the user’s explicit word too', async () => {
    const { store } = await storeIn();
    await send(store, 'Einbruch Garten', 'alarm');
    assert.equal(await send(store, 'Anlage intern scharf'), 'armed_home');
    assert.equal(store.current, 'armed_home');
  });
});
