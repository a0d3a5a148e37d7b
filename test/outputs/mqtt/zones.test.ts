// Zone states from events: door, motion, tamper, supervision; new zones and renames call for discovery.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AlarmEvent } from '../../../src/core/event.js';
import { maxZones, type Zones, zoneChange } from '../../../src/outputs/mqtt/zones.js';
import { catalogOf } from '../../../src/sources/catalog.js';
import { buildProfiles } from '../../../src/sources/registry.js';

const catalog = catalogOf(buildProfiles([]));

function event(type: string, zone: number | null, sensor: string | null): AlarmEvent {
  return {
    id: 'm',
    time: '',
    input: 'smtp',
    source: 'xt1',
    category: 'status',
    type,
    alarm_state: null,
    zone,
    sensor,
    user: null,
    text: '',
    from: '',
    recipients: [],
    subject: '',
  };
}

function run(events: AlarmEvent[]): { zones: Zones; changes: ReturnType<typeof zoneChange>[] } {
  let zones: Zones = {};
  const changes = events.map((each) => {
    const change = zoneChange(zones, each, catalog);
    if (change) zones = { ...zones, [change.zone]: change.state };
    return change;
  });
  return { zones, changes };
}

describe('zoneChange', () => {
  it('keeps at most maxZones zones: a new zone past them makes no change, a known one still does', () => {
    let zones: Zones = {};
    for (let zone = 1; zone <= maxZones; zone++) {
      const change = zoneChange(zones, event('intrusion', zone, null), catalog);
      assert.ok(change);
      zones = { ...zones, [change.zone]: change.state };
    }
    assert.equal(zoneChange(zones, event('intrusion', maxZones + 1, null), catalog), undefined);
    assert.equal(zoneChange(zones, event('tamper', 1, null), catalog)?.publish.tamper, 'ON');
  });

  it('ignores events without a zone', () => {
    assert.equal(zoneChange({}, event('armed_away', null, null), catalog), undefined);
  });

  it('creates a zone at its first mail, with tamper and supervision states', () => {
    const { changes } = run([event('intrusion', 1, 'Terrasse')]);
    assert.deepEqual(changes[0], {
      zone: 1,
      state: { name: 'Terrasse', door: null, motion: false, tamper: 'OFF', problem: 'OFF' },
      rediscover: true,
      publish: { problem: 'OFF', tamper: 'OFF' },
      changed: true,
    });
  });

  it('drives door, motion, tamper and supervision', () => {
    const { zones, changes } = run([
      event('door_open', 2, 'Tür'),
      event('door_closed', 2, 'Tür'),
      event('motion', 2, 'Tür'),
      event('tamper', 2, 'Tür'),
      event('supervision_failure', 2, 'Tür'),
      event('tamper_restored', 2, 'Tür'),
    ]);
    assert.deepEqual(
      changes.map((change) => change?.publish),
      [
        { door: 'ON', problem: 'OFF', tamper: 'OFF' },
        { door: 'OFF' },
        { motion: 'ON' },
        { tamper: 'ON' },
        { problem: 'ON' },
        { tamper: 'OFF', problem: 'OFF' },
      ],
    );
    assert.deepEqual(
      changes.map((change) => change?.rediscover),
      [true, false, true, false, false, false],
    );
    assert.equal(zoneChange(zones, event('tamper_restored', 2, 'Tür'), catalog)?.changed, false, 'nothing new to save');
    assert.deepEqual(zones[2], { name: 'Tür', door: 'OFF', motion: true, tamper: 'OFF', problem: 'OFF' });
  });

  it("remembers the type and time of the zone's last alarm-category event, and publishes it once", () => {
    const alarm = { ...event('intrusion', 1, 'Terrasse'), category: 'alarm' as const, time: '2026-11-21T18:03:12.345Z' };
    const { zones, changes } = run([
      alarm,
      event('door_open', 1, 'Terrasse'),
      { ...event('tamper', 1, 'Terrasse'), category: 'alarm' as const, time: '2026-11-21T19:00:00.000Z' },
    ]);
    assert.deepEqual(
      changes.map((change) => change?.publish.last_alarm),
      ['{"type":"intrusion","time":"2026-11-21T18:03:12.345Z"}', undefined, '{"type":"tamper","time":"2026-11-21T19:00:00.000Z"}'],
    );
    assert.deepEqual(zones[1]?.lastAlarm, { type: 'tamper', time: '2026-11-21T19:00:00.000Z' });
    assert.equal(changes[2]?.changed, true, 'a new alarm is saved');
    assert.equal(changes[2]?.rediscover, false, 'the entity is there from the start');
  });

  it('reads a zone saved before the last alarm was kept', () => {
    const saved: Zones = { 2: { name: 'Tür', door: 'OFF', motion: false, tamper: 'OFF', problem: 'OFF' } };
    const change = zoneChange(saved, event('door_closed', 2, 'Tür'), catalog);
    assert.deepEqual([change?.changed, change?.state.lastAlarm], [false, undefined]);
  });

  it('follows a rename in the panel and asks for discovery again', () => {
    const { zones, changes } = run([event('door_open', 4, 'Fenster'), event('door_closed', 4, 'Fenster Küche')]);
    assert.equal(changes[1]?.rediscover, true);
    assert.equal(zones[4]?.name, 'Fenster Küche');
  });
});
