// The status page in a real browser (Debian's Chromium through playwright-core) against a real bridge: real
// Mosquitto, mails over SMTP, the SMS provider's official client against the fake Twilio that first fails and then
// accepts. The same flows run on the page's own address and under Home Assistant's ingress prefix, inside the
// panel's iframe (test/helpers/ingress-proxy.ts). Screenshots go to test/screenshots/ (git-ignored); with
// UPDATE_DOCS_SCREENSHOT=1 the desktop light one is also copied to docs/status-page.png for the README.
import assert from 'node:assert/strict';
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import type { Browser, Locator } from 'playwright-core';
import type { EventView } from '../../src/features/http/api.js';
import { startTestBridge, type TestBridge } from '../helpers/bridge.js';
import { launchBrowser, openPage, type WatchedPage } from '../helpers/browser.js';
import { cleanUp } from '../helpers/cleanup.js';
import { FakeTwilio, twilioError } from '../helpers/fake-twilio.js';
import { IngressProxy } from '../helpers/ingress-proxy.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { freePort } from '../helpers/ports.js';
import { sendMail } from '../helpers/smtp-client.js';

const screenshots = new URL('../screenshots/', import.meta.url);
const fixture = (name: string) => readFile(new URL(`../fixtures/mails/cameras/${name}`, import.meta.url));

/** The page itself, or the iframe it sits in under ingress: both find elements the same way. */
interface PageRoot {
  locator(selector: string, options?: { hasText?: string | RegExp }): Locator;
}

const queuedId = (response: string) => {
  const id = /Queued as (\S+)/.exec(response)?.[1];
  assert.ok(id, response);
  return id;
};
/** What the tests read of a page's elements in the browser (the DOM's types are not in this project's lib). */
interface Picture {
  decode(): Promise<void>;
  naturalWidth: number;
}
interface PageDocument {
  querySelectorAll(selector: string): { length: number };
}
const pictureLoaded = (image: unknown) => (image as Picture).decode().then(() => (image as Picture).naturalWidth > 0);

const eventRow = (page: PageRoot, id: string) => page.locator(`[data-testid=event][data-id="${id}"]`);

describe('status page in a browser', () => {
  let broker: Mosquitto;
  let twilio: FakeTwilio;
  let test: TestBridge;
  let browser: Browser;
  let proxy: IngressProxy;
  let base: string;

  before(async () => {
    broker = await Mosquitto.start();
    twilio = await new FakeTwilio().start();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    test = await startTestBridge({
      mqttUrl: broker.url,
      http: { port },
      sms: {
        provider: 'twilio',
        recipients: ['0170 1234567'],
        sender: '+15005550006',
        api_url: twilio.url,
        twilio: { account_sid: twilio.accountSid, auth_token: twilio.authToken },
      },
      rules: [{ match: '^Sensor (?<sensor>.+) offen$', type: 'sensor_open', category: 'status' }],
      supervision: { panel_silent_after: '25h' },
    });
    proxy = await IngressProxy.start({ target: base });
    browser = await launchBrowser();
  });
  after(() =>
    cleanUp(
      () => browser?.close(),
      () => proxy?.stop(),
      () => test?.stop(),
      () => twilio?.stop(),
      () => broker?.stop(),
    ),
  );

  /** Polls the bridge's own API (not the page) until it lists the event. */
  async function loggedEvent(id: string): Promise<EventView> {
    for (;;) {
      const events = (await (await fetch(`${base}/api/events?limit=50`)).json()) as EventView[];
      const found = events.find((event) => event.id === id);
      if (found) return found;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  const views = [
    {
      name: 'at its own address',
      zone: 1,
      open: async (watched: WatchedPage): Promise<PageRoot> => {
        await watched.page.goto(`${base}/`);
        return watched.page;
      },
    },
    {
      name: "under Home Assistant's ingress prefix, in the panel's iframe",
      zone: 2,
      open: async (watched: WatchedPage): Promise<PageRoot> => {
        await watched.page.goto(proxy.panelUrl);
        return watched.page.frameLocator('iframe');
      },
    },
  ];

  for (const view of views) {
    describe(view.name, () => {
      let watched: WatchedPage;
      let page: PageRoot;

      before(async () => {
        watched = await openPage(browser);
        page = await view.open(watched);
        await page.locator('[data-testid=stream-state][data-state=live]').waitFor();
      });
      after(() => watched?.close());

      it('shows a mail as it arrives, its SMS going from retrying to sent, the number masked', async () => {
        twilio.scripted.push(twilioError(503, 20500, 'Service unavailable'));
        const line = `Zone:${view.zone} Terrasse, Innenbereich Alarm`;
        const id = queuedId((await sendMail(test.bridge.smtpPort, { to: 'alarm@bridge.local', body: line })).response);
        const row = eventRow(page, id);
        const sms = row.locator('[data-testid=delivery][data-output=sms]');
        await row.locator('[data-testid=delivery][data-output=sms][data-result=retrying]').waitFor();
        assert.match((await sms.textContent()) ?? '', /next attempt/);
        await row.locator('[data-testid=delivery][data-output=sms][data-result=sent]').waitFor();
        await row.locator('[data-testid=delivery][data-output=mqtt][data-result=published]').waitFor();
        assert.equal(await row.locator('[data-testid=event-type]').textContent(), 'intrusion');
        assert.equal(await row.locator('[data-testid=event-text]').textContent(), line);
        assert.equal(await row.locator('[data-testid=message]').getAttribute('data-result'), 'sent');
        assert.match((await row.locator('[data-testid=message]').textContent()) ?? '', /\*{9}4567/);
        assert.equal(await page.locator('[data-testid=event]').first().getAttribute('data-id'), id, 'newest on top');
        // The "Now" block follows: the panel's last mail and the alarm state.
        await page.locator('[data-testid=panel-last]', { hasText: line }).waitFor();
        await page.locator('[data-testid=alarm-state]', { hasText: 'triggered' }).waitFor();
        // What the bridge watches: the panel has just mailed, so it is not silent.
        await page.locator('[data-testid=watches] [data-entity=panel_silent]', { hasText: 'ok' }).waitFor();
        assert.ok(!((await page.locator('body').textContent()) ?? '').includes('1701234567'), 'no number in full');
      });

      it('acknowledges the alarm incident the mail opened with its button, and shows who did', async () => {
        const incident = '[data-testid=watches] [data-entity=alarm_incident]';
        await page.locator(`${incident}[data-state=open]`).waitFor();
        await page.locator(`${incident} [data-testid=incident-acknowledge]`).click();
        await page.locator(`${incident}[data-state=acknowledged]`, { hasText: 'by status page' }).waitFor();
        assert.match((await page.locator('[data-testid=incident-result]').textContent()) ?? '', /^The alarm is acknowledged/);
        assert.equal(await page.locator(`${incident} [data-testid=incident-acknowledge]`).count(), 0, 'no button once acknowledged');
      });

      it("shows a camera's mail with its snapshot, kept apart from the panel's last mail", async () => {
        const raw = await fixture('dahua-motion-base64.eml');
        const id = queuedId((await sendMail(test.bridge.smtpPort, { to: 'camera@bridge.local', from: 'dahua@cam.local', raw })).response);
        const thumbnail = eventRow(page, id).locator('[data-testid=thumbnail]');
        await thumbnail.waitFor();
        assert.ok(await thumbnail.evaluate(pictureLoaded), 'the picture loaded');
        await page.locator('[data-testid=cameras] [data-camera=ipc06]').waitFor();
        assert.doesNotMatch((await page.locator('[data-testid=panel-last]').textContent()) ?? '', /IPC06|motion/i);
      });

      it('shows a test event it sent', async () => {
        await page.locator('[data-testid=test-send]').click();
        const result = page.locator('[data-testid=test-result][data-id]');
        await result.waitFor();
        const id = (await result.getAttribute('data-id'))!;
        const row = eventRow(page, id);
        await row.locator('[data-testid=delivery][data-output=mqtt][data-result=published]').waitFor();
        assert.equal(await row.getAttribute('data-category'), 'test');
        // Not asked for SMS: the test event never reaches a phone.
        assert.equal(await row.locator('[data-testid=delivery][data-output=sms]').getAttribute('data-result'), 'skipped');
      });

      it('shows how a pasted line would be read, with the rule to write for it', async () => {
        await page.locator('[data-testid=classify-text]').fill('Zone:3 Kueche, Innenbereich Alarm');
        await page.locator('[data-testid=classify-send]').click();
        await page.locator('[data-testid=classification]:not([hidden])').waitFor();
        const field = (name: string) => page.locator(`[data-testid=classification] dd[data-field=${name}]`).textContent();
        assert.deepEqual(
          [await field('source'), await field('type'), await field('category'), await field('zone')],
          ['xt1', 'intrusion', 'alarm', '3'],
        );
        assert.match((await page.locator('[data-testid=classification-rule]').textContent()) ?? '', /^rules:\n {2}- match: .*\(\?<zone>/);
      });

      if (view.zone === 2) {
        it('fills in what it missed while the line through Home Assistant was down', async () => {
          const errorsBefore = watched.consoleErrors.length;
          const line = proxy.interrupt();
          try {
            await page.locator('[data-testid=stream-state][data-state=connecting]').waitFor();
            const body = 'Zone:5 Keller, Innenbereich Alarm';
            const id = queuedId((await sendMail(test.bridge.smtpPort, { to: 'alarm@bridge.local', body })).response);
            await loggedEvent(id);
            assert.equal(await eventRow(page, id).count(), 0, 'nothing reached the page meanwhile');
            line.resume();
            await eventRow(page, id).waitFor();
            await page.locator('[data-testid=stream-state][data-state=live]').waitFor();
            // The browser reports the stream it lost; that one is this test's doing.
            const cut = watched.consoleErrors.splice(errorsBefore);
            assert.ok(
              cut.every((message) => message.includes('ERR_INCOMPLETE_CHUNKED_ENCODING')),
              cut.join('\n'),
            );
          } finally {
            line.resume();
          }
        });

        it("reached the bridge only below the prefix, with Home Assistant's headers", () => {
          const paths = proxy.forwarded.map((request) => `${request.method} ${request.path.split('?')[0]}`);
          for (const path of ['GET /', 'GET /app.js', 'GET /style.css', 'GET /api/events/stream', 'GET /api/status', 'POST /api/classify'])
            assert.ok(paths.includes(path), `${path} in ${paths.join(', ')}`);
          assert.ok(proxy.forwarded.every((request) => request.headers['x-ingress-path'] === proxy.ingressPath));
          assert.deepEqual(proxy.refused, [], 'no request left the prefix');
        });
      }

      it('ran without a script error or a refused resource', () => {
        assert.deepEqual(
          watched.errors.map((error) => error.message),
          [],
        );
        assert.deepEqual(watched.consoleErrors, []);
      });
    });
  }

  it('saves screenshots: light and dark, desktop and phone', async () => {
    await mkdir(screenshots, { recursive: true });
    for (const [width, height, device] of [
      [1280, 900, 'desktop'],
      [390, 844, 'phone'],
    ] as const) {
      for (const colorScheme of ['light', 'dark'] as const) {
        const watched = await openPage(browser, { viewport: { width, height }, colorScheme });
        try {
          const { page } = watched;
          await page.goto(`${base}/`);
          await page.locator('[data-testid=stream-state][data-state=live]').waitFor();
          await page.locator('[data-testid=version]:not(:empty)').waitFor();
          await page.locator('[data-testid=thumbnail]').first().evaluate(pictureLoaded);
          await page.locator('[data-testid=classify-text]').fill('Zone:3 Kueche, Innenbereich Alarm');
          await page.locator('[data-testid=classify-send]').click();
          await page.locator('[data-testid=classification]:not([hidden])').waitFor();
          const path = new URL(`${device}-${colorScheme}.png`, screenshots);
          await page.screenshot({ path: path.pathname, fullPage: true });
          if (device === 'desktop' && colorScheme === 'light' && process.env.UPDATE_DOCS_SCREENSHOT === '1') {
            const docs = new URL('../../docs/status-page.png', import.meta.url);
            await mkdir(new URL('.', docs), { recursive: true });
            // The first screen, as a visitor sees it: back to the top after trying a mail scrolled down.
            await page.evaluate(() => (globalThis as unknown as { scrollTo(x: number, y: number): void }).scrollTo(0, 0));
            await page.screenshot({ path: new URL('desktop-light-viewport.png', screenshots).pathname });
            await copyFile(new URL('desktop-light-viewport.png', screenshots), docs);
          }
          assert.deepEqual(watched.errors, []);
        } finally {
          await watched.close();
        }
      }
    }
  });

  it('shows markup from a mail as text: no element is made from it, no script runs', async () => {
    const watched = await openPage(browser);
    try {
      const { page } = watched;
      await page.goto(`${base}/`);
      await page.locator('[data-testid=stream-state][data-state=live]').waitFor();
      const sensor = '<img src=x onerror=alert(1)>';
      const subject = '<script>alert(2)</script><b id=injected>bold</b>';
      const response = (
        await sendMail(test.bridge.smtpPort, {
          to: 'alarm@bridge.local',
          body: `Sensor ${sensor} offen\n<script>alert(3)</script>\n<svg onload=alert(4)>`,
          headers: { Subject: subject },
        })
      ).response;
      const id = queuedId(response);
      const row = eventRow(page, id);
      await row.waitFor();
      assert.equal(await row.locator('[data-testid=event-text]').textContent(), `Sensor ${sensor} offen`);
      assert.ok(((await row.textContent()) ?? '').includes(sensor), 'the sensor shows as its characters');
      assert.ok(((await row.locator('[data-testid=event-subject]').textContent()) ?? '').includes(subject));
      await page.locator('[data-testid=panel-last]', { hasText: sensor }).waitFor();
      const made = await page.evaluate(() => {
        const { document } = globalThis as unknown as { document: PageDocument };
        return {
          handlers: document.querySelectorAll('[onerror], [onload]').length,
          scripts: document.querySelectorAll('script').length,
          strangers: document.querySelectorAll('img[src="x"], svg, #injected').length,
        };
      });
      assert.deepEqual(made, { handlers: 0, scripts: 1, strangers: 0 }, 'only the page’s own script element');
      assert.deepEqual(watched.dialogs, []);
      assert.deepEqual(watched.errors, []);
    } finally {
      await watched.close();
    }
  });
});
