// Panel control against a stand-in of the XT1's web interface (lupupy's requests and answers): a command is sent
// with Basic auth, read back until the panel tells the new mode, and only then answered `done`; a wrong code is
// refused before any request; a refused login, a panel that refuses, never settles or never answers leave the state
// as it was and answer `refused` with the reason. Without a url every command is refused, as before.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, beforeEach, describe, it } from 'node:test';
import { Bus, type BusEvents, type CommandResult } from '../../src/core/bus.js';
import { EntityRegistry } from '../../src/core/entities.js';
import { startFeatures } from '../../src/features/host.js';
import { featureModule } from '../../src/features/module.js';
import { panelControlSection } from '../../src/features/panel-control/config.js';
import { PanelControl, type PanelControlTuning, panelCommandRefusal } from '../../src/features/panel-control/feature.js';
import { panelControlModule } from '../../src/features/panel-control/module.js';
import { decodeAnswer, PanelRequestFailed, Xt1Web } from '../../src/features/panel-control/xt1-web.js';
import { createLogger } from '../../src/log.js';
import { unusedBridgeView } from '../helpers/bridge-view.js';
import { FakeXt1Web } from '../helpers/fake-xt1-web.js';

const tuning: PanelControlTuning = { requestTimeoutMs: 300, confirmWithinMs: 1_500, readEveryMs: 20 };

interface Running {
  bus: Bus;
  entities: EntityRegistry;
  results: CommandResult[];
  shown: BusEvents['panelCommandState']['state'][];
  logs: Record<string, unknown>[];
  /** Sends a command and resolves with its result. */
  command(command: string, payload?: string): Promise<CommandResult>;
  stop(): Promise<void>;
}

let commandIds = 0;

async function start(options: { url?: string; password?: string; code?: string; tuning?: PanelControlTuning } = {}): Promise<Running> {
  const logs: Record<string, unknown>[] = [];
  const destination = new Writable({
    write: (chunk: Buffer, _encoding, done) => {
      logs.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  const bus = new Bus(() => undefined);
  const entities = new EntityRegistry(bus);
  const results: CommandResult[] = [];
  const shown: BusEvents['panelCommandState']['state'][] = [];
  bus.on('commandResult', (result) => results.push(result));
  bus.on('panelCommandState', ({ state }) => shown.push(state));
  const settings = panelControlSection.parse({
    url: options.url ?? '',
    username: 'admin',
    password: options.password ?? '',
    code: options.code ?? '',
  });
  const module = featureModule({
    name: 'panel_control',
    create: (_settings, context) =>
      new PanelControl(
        {
          web: settings.url === '' ? undefined : new Xt1Web({ ...settings, timeoutMs: (options.tuning ?? tuning).requestTimeoutMs }),
          code: settings.code,
          tuning: options.tuning ?? tuning,
        },
        context,
      ),
  });
  const running = await startFeatures([module], () => undefined, {
    log: createLogger({ level: 'debug', destination }),
    bus,
    dataDir: '/nonexistent',
    entities,
    bridge: unusedBridgeView(),
    raise: () => Promise.reject(new Error('not here')),
  });
  return {
    bus,
    entities,
    results,
    shown,
    logs,
    command: (command, payload) => {
      const commandId = `c${++commandIds}`;
      const answered = new Promise<CommandResult>((resolve) => {
        const off = bus.on('commandResult', (result) => {
          if (result.commandId !== commandId) return;
          off();
          resolve(result);
        });
      });
      bus.emit('command', { commandId, entity: 'panel_alarm', command, ...(payload === undefined ? {} : { payload }) });
      return answered;
    },
    stop: () => running.stop(),
  };
}

const outcome = ({ command, result, reason }: CommandResult) => ({ command, result, ...(reason === undefined ? {} : { reason }) });

describe('panel control', () => {
  let panel: FakeXt1Web;
  before(async () => {
    panel = await new FakeXt1Web().start();
  });
  after(() => panel.stop());
  beforeEach(() => {
    panel.requests.length = 0;
    Object.assign(panel, {
      mode: 'Disarm',
      firstXt1: true,
      settleAfterReads: 1,
      refuseWith: undefined,
      neverSettles: false,
      silent: false,
    });
  });

  it('without a url offers no arm or disarm and refuses every command with the reason, the log throttled', async () => {
    const running = await start();
    try {
      assert.equal(running.entities.panelAlarmControl(), undefined);
      assert.deepEqual(outcome(await running.command('ARM_AWAY')), { command: 'ARM_AWAY', result: 'refused', reason: panelCommandRefusal });
      assert.deepEqual(outcome(await running.command('DISARM')), { command: 'DISARM', result: 'refused', reason: panelCommandRefusal });
      // Commands of other entities are not its business.
      running.bus.emit('command', { commandId: 'other', entity: 'acknowledge', command: 'PRESS' });
      assert.equal(running.results.length, 2);
      assert.deepEqual(running.shown, []);
      assert.deepEqual(
        running.logs.filter((line) => line.component === 'panel_control').map((line) => [line.level, line.msg, line.command]),
        [
          [40, `${panelCommandRefusal}: command refused`, 'ARM_AWAY'],
          [20, `${panelCommandRefusal}: command refused`, 'DISARM'],
        ],
      );
    } finally {
      await running.stop();
    }
  });

  it('arms: arming shown, the mode sent with Basic auth as lupupy does, read back until the panel tells it, then done', async () => {
    const running = await start({ url: panel.url, password: panel.password });
    try {
      assert.deepEqual(running.entities.panelAlarmControl(), { features: ['arm_home', 'arm_away'], code: 'none' });
      panel.settleAfterReads = 2;
      assert.deepEqual(outcome(await running.command('ARM_AWAY')), { command: 'ARM_AWAY', result: 'done' });
      assert.deepEqual(running.shown, ['arming', 'armed_away']);
      assert.equal(panel.mode, 'Arm');
      // Read back until it tells the new mode (the third read here); a read cut short on a loaded machine is asked again.
      assert.deepEqual(panel.actions.slice(0, 2), ['POST login', 'POST panelCondPost']);
      assert.ok(
        panel.actions.slice(2).length >= 3 && panel.actions.slice(2).every((action) => action === 'GET panelCondGet'),
        String(panel.actions),
      );
      assert.equal(panel.requests[0]?.path, '/images/model.gif');
      assert.equal(panel.requests[0]?.authorization, undefined);
      const post = panel.requests.find((request) => request.path === '/action/panelCondPost');
      assert.equal(post?.body, 'mode=0');
      assert.equal(post?.authorization, `Basic ${Buffer.from(`admin:${panel.password}`).toString('base64')}`);

      // Home (1) and disarm (2); the model is asked once only.
      panel.requests.length = 0;
      assert.deepEqual(outcome(await running.command('ARM_HOME')), { command: 'ARM_HOME', result: 'done' });
      assert.deepEqual(outcome(await running.command('DISARM')), { command: 'DISARM', result: 'done' });
      assert.deepEqual(
        panel.requests.filter((request) => request.path === '/action/panelCondPost').map((request) => request.body),
        ['mode=1', 'mode=2'],
      );
      assert.ok(!panel.requests.some((request) => request.path === '/images/model.gif'));
      assert.deepEqual(running.shown.slice(2), ['arming', 'armed_home', 'disarming', 'disarmed']);
      assert.equal(panel.mode, 'Disarm');
    } finally {
      await running.stop();
    }
  });

  it('refuses a wrong or missing code before any request, and every command after five wrong ones in a minute', async () => {
    const running = await start({ url: panel.url, password: panel.password, code: '4711' });
    try {
      assert.deepEqual(running.entities.panelAlarmControl(), { features: ['arm_home', 'arm_away'], code: 'numeric' });
      assert.deepEqual(outcome(await running.command('ARM_AWAY', '1234')), {
        command: 'ARM_AWAY',
        result: 'refused',
        reason: 'wrong code',
      });
      assert.deepEqual(outcome(await running.command('ARM_AWAY')), { command: 'ARM_AWAY', result: 'refused', reason: 'no code given' });
      assert.deepEqual(panel.requests, []);
      assert.deepEqual(running.shown, []);
      assert.deepEqual(outcome(await running.command('ARM_AWAY', '4711')), { command: 'ARM_AWAY', result: 'done' });
      for (const guess of ['0000', '1111', '2222']) await running.command('DISARM', guess);
      const locked = await running.command('DISARM', '4711');
      assert.deepEqual(outcome(locked), { command: 'DISARM', result: 'refused', reason: 'too many wrong codes: try again in a minute' });
      assert.equal(panel.mode, 'Arm');
      assert.ok(!JSON.stringify(running.logs).includes('4711'));
    } finally {
      await running.stop();
    }
  });

  it('a refused login leaves the state as it was and says why, without the password', async () => {
    const running = await start({ url: panel.url, password: 'not-the-password' });
    try {
      assert.deepEqual(outcome(await running.command('ARM_AWAY')), {
        command: 'ARM_AWAY',
        result: 'refused',
        reason: 'the panel refused the user name or password (HTTP 401)',
      });
      assert.deepEqual(running.shown, ['arming', null]);
      assert.equal(panel.mode, 'Disarm');
      assert.ok(!JSON.stringify(running.logs).includes('not-the-password'));
      assert.ok(running.logs.some((line) => line.level === 40 && String(line.msg).includes('HTTP 401')));
    } finally {
      await running.stop();
    }
  });

  it('a panel that refuses the mode, never tells it, never answers, or is a later model: refused with the reason', async () => {
    const running = await start({ url: panel.url, password: panel.password });
    try {
      panel.refuseWith = '{WEB_ERR_SENSOR_OPEN}';
      assert.deepEqual(outcome(await running.command('ARM_AWAY')), {
        command: 'ARM_AWAY',
        result: 'refused',
        reason: 'the panel did not take the command ({WEB_ERR_SENSOR_OPEN})',
      });
      panel.refuseWith = undefined;
      panel.neverSettles = true;
      assert.deepEqual(outcome(await running.command('ARM_HOME')), {
        command: 'ARM_HOME',
        result: 'refused',
        reason: 'the panel did not report armed_home within 1.5 s',
      });
      panel.neverSettles = false;
      panel.silent = true;
      assert.deepEqual(outcome(await running.command('ARM_AWAY')), {
        command: 'ARM_AWAY',
        result: 'refused',
        reason: 'the panel did not answer within 0.3 s',
      });
      assert.deepEqual(running.shown, ['arming', null, 'arming', null, 'arming', null]);
    } finally {
      await running.stop();
    }
    panel.silent = false;
    panel.firstXt1 = false;
    panel.requests.length = 0;
    const later = await start({ url: panel.url, password: panel.password });
    try {
      assert.deepEqual(outcome(await later.command('DISARM')), {
        command: 'DISARM',
        result: 'refused',
        reason: 'the panel is no first-generation XT1 (XT1 Plus, XT2 and XT3 are not supported)',
      });
      assert.deepEqual(panel.actions, []);
    } finally {
      await later.stop();
    }
  });

  it('refuses a second command while one is under way, and commands the XT1 has not', async () => {
    const running = await start({ url: panel.url, password: panel.password });
    try {
      panel.settleAfterReads = 3;
      const first = running.command('ARM_AWAY');
      const second = await running.command('DISARM');
      assert.deepEqual(outcome(second), { command: 'DISARM', result: 'refused', reason: 'another command for the panel is under way' });
      assert.deepEqual(outcome(await running.command('ARM_NIGHT')), {
        command: 'ARM_NIGHT',
        result: 'refused',
        reason: 'the XT1 has no ARM_NIGHT',
      });
      assert.equal((await first).result, 'done');
    } finally {
      await running.stop();
    }
  });

  it('a stop cuts a command short: answered refused, the state as it was', async () => {
    const running = await start({ url: panel.url, password: panel.password, tuning: { ...tuning, requestTimeoutMs: 60_000 } });
    panel.silent = true;
    const answered = running.command('ARM_AWAY');
    await new Promise((resolve) => setTimeout(resolve, 50));
    await running.stop();
    assert.deepEqual(outcome(await answered), { command: 'ARM_AWAY', result: 'refused', reason: 'the bridge is stopping' });
    assert.deepEqual(running.shown, ['arming', null]);
  });

  it("reads the XT1's answers as lupupy does: the secure-JSON wrapper and tabs dropped, YAML with every value a string", () => {
    assert.deepEqual(decodeAnswer('panelCondGet', '/*-secure-\n{\t"updates" : {\t"mode_st" : "Home",\t"battery_ok" : 1}}\n*/'), {
      updates: { mode_st: 'Home', battery_ok: '1' },
    });
    // Unquoted keys and values, as YAML takes them; no wrapper at all.
    assert.deepEqual(decodeAnswer('panelCondGet', '{updates: {mode_st: Disarm}}'), { updates: { mode_st: 'Disarm' } });
    assert.throws(
      () => decodeAnswer('panelCondGet', '/*-secure-\n{"updates": [}\n*/'),
      (error) => error instanceof PanelRequestFailed && error.failure === 'unreadable',
    );
  });

  it('the module: the section, its secrets and the password from the environment', () => {
    assert.deepEqual(panelControlModule.secrets, ['password', 'code']);
    assert.deepEqual(panelControlModule.environment, { ALARM_MAIL_BRIDGE_PANEL_CONTROL_PASSWORD: ['password'] });
    assert.deepEqual(panelControlSection.parse({}), { url: '', username: '', password: '', code: '' });
    for (const bad of [
      { url: 'http://admin:pw@192.168.0.10' },
      { url: 'ftp://192.168.0.10', username: 'a' },
      { url: 'http://192.168.0.10' },
    ])
      assert.equal(panelControlSection.safeParse(bad).success, false, JSON.stringify(bad));
    assert.equal(panelControlSection.safeParse({ url: 'http://192.168.0.10', username: 'admin', code: 'abc' }).success, true);
  });
});
