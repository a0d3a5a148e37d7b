// The catalog the outputs read: event types in their stable order, zone meanings, the panel and zone devices.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Route } from '../../src/core/event.js';
import type { Mail } from '../../src/mail/mail.js';
import { catalogOf } from '../../src/sources/catalog.js';
import { classifyMail } from '../../src/sources/classify.js';
import { keywords } from '../../src/sources/keywords/index.js';
import { buildProfiles } from '../../src/sources/registry.js';
import { userRules } from '../../src/sources/rules/index.js';

/** The event entity's event_types: Home Assistant keeps them, so the order is fixed. */
const typesBefore = [
  'armed_away',
  'armed_home',
  'disarmed',
  'door_open',
  'door_closed',
  'motion',
  'intrusion',
  'tamper_restored',
  'tamper',
  'periodic_test',
  'supervision_failure',
  'restored',
  'test',
  'low_battery',
  'power_failure',
  'fire',
  'smoke',
  'water',
  'gas',
  'panic',
  'emergency',
  'alarm',
  'unknown',
  'unparsed',
];

/** The camera profiles add the types no panel profile had, before the fallbacks (camera events go to `<prefix>/event` too). */
const cameraTypes = ['person', 'vehicle', 'animal', 'line_crossing', 'intrusion_area', 'video_loss'];
const typesNow = [...typesBefore.slice(0, -3), ...cameraTypes, ...typesBefore.slice(-3)];

describe('catalogOf', () => {
  it('lists every type once: the user rules, each profile in order, then the fallbacks', () => {
    assert.deepEqual(catalogOf(buildProfiles([])).eventTypes, typesNow);
    const rules = [
      { match: '^Garage offen$', type: 'garage_open', category: 'status' as const, alarm_state: null },
      { match: '^Garage zu$', type: 'garage_open', category: 'status' as const, alarm_state: null },
    ];
    assert.deepEqual(catalogOf(buildProfiles(rules)).eventTypes, ['garage_open', ...typesNow]);
  });

  it('describes the cameras of each camera profile, and no camera for other sources', () => {
    const catalog = catalogOf(buildProfiles([]));
    assert.deepEqual(
      ['hikvision', 'dahua', 'reolink', 'camera'].map((source) => catalog.camera(source)?.manufacturer),
      ['Hikvision', 'Dahua', 'Reolink', 'Alarm Mail Bridge'],
    );
    assert.deepEqual(catalog.camera('dahua')?.eventTypes, [
      'motion',
      'person',
      'vehicle',
      'animal',
      'line_crossing',
      'intrusion_area',
      'video_loss',
      'tamper',
      'test',
      'unknown',
    ]);
    assert.deepEqual(catalog.camera('dahua')?.motionTypes, ['motion', 'person', 'vehicle', 'animal', 'line_crossing', 'intrusion_area']);
    assert.deepEqual(catalog.cameraSources, ['hikvision', 'dahua', 'reolink', 'camera']);
    assert.equal(catalog.camera('xt1'), undefined);
    assert.equal(catalog.camera('rules'), undefined);
  });

  it('gives each zone type its effect, also to a user rule of the same name', () => {
    const catalog = catalogOf(buildProfiles([{ match: '^Tor auf$', type: 'door_open', category: 'status', alarm_state: null }]));
    assert.deepEqual(
      ['door_open', 'door_closed', 'motion', 'tamper', 'tamper_restored', 'supervision_failure', 'intrusion', 'fire'].map((type) =>
        catalog.zoneEffect(type),
      ),
      [
        { entity: 'door', value: 'ON' },
        { entity: 'door', value: 'OFF' },
        { entity: 'motion', value: 'ON' },
        { entity: 'tamper', value: 'ON' },
        { entity: 'tamper', value: 'OFF' },
        { entity: 'problem', value: 'ON' },
        undefined,
        undefined,
      ],
    );
  });

  it('describes the XT1 panel and its zones', () => {
    const catalog = catalogOf(buildProfiles([]));
    assert.deepEqual(catalog.panel, { id: 'xt1', name: 'Lupusec XT1', manufacturer: 'Lupus Electronics', model: 'XT1' });
    assert.deepEqual(catalog.zone(4), { name: 'Zone 4', manufacturer: 'Lupus Electronics', model: 'XT1 zone 4' });
  });

  it('still has a panel when no profile describes one', () => {
    const catalog = catalogOf([userRules([]), keywords]);
    assert.equal(catalog.panel.id, 'panel');
    assert.equal(catalog.zone(2).name, 'Zone 2');
  });
});

describe('the classifier without a vendor grammar', () => {
  const mail = (text: string): Mail => ({
    envelope: {
      from: 'panel@local',
      recipients: ['alarm@bridge.local'],
      receivedAt: '2026-11-21T18:03:12.345Z',
      remoteAddress: '192.168.1.20',
    },
    headerFrom: '',
    subject: '',
    text,
    attachments: [],
  });
  const classify = (text: string, profiles = buildProfiles([]), route: Route = 'alarm') =>
    classifyMail({ id: 'm', mail: mail(text), route }, profiles);

  it('reads `Zone:` only through the XT1 profile', () => {
    const line = 'Zone:4 Keller, Wasser Alarm';
    const withXt1 = classify(line);
    assert.deepEqual([withXt1.type, withXt1.source, withXt1.zone, withXt1.sensor], ['water', 'generic', 4, 'Keller']);
    const without = classify(line, [keywords]);
    assert.deepEqual([without.type, without.source, without.zone, without.sensor], ['water', 'generic', null, null]);
  });
});
