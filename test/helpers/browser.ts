// Debian's Chromium driven by playwright-core, for the status page's tests: headless, quiet (no GPU, no QUIC, no
// background fetches, updates or sync a test could wait on), a fresh profile per launch, and closed in the test's
// cleanup (playwright also kills it when this process exits), so no browser outlives its test file.
import { type Browser, type BrowserContextOptions, chromium, type Dialog, type Page } from 'playwright-core';

export const chromiumPath = '/usr/bin/chromium';

const args = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Playwright gives each launch a fresh temporary `--user-data-dir` of its own and removes it on close (it refuses
 * one in `args`; only `launchPersistentContext` takes a given folder).
 */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath, headless: true, args, timeout: 30_000 });
}

/** A page in its own context, with what a test asserts on besides the DOM: dialogs opened and script errors. */
export interface WatchedPage {
  page: Page;
  dialogs: Dialog[];
  errors: Error[];
  /** Console messages of type error (a CSP violation is reported there). */
  consoleErrors: string[];
  close(): Promise<void>;
}

export async function openPage(browser: Browser, options: BrowserContextOptions = {}): Promise<WatchedPage> {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  const watched: WatchedPage = { page, dialogs: [], errors: [], consoleErrors: [], close: () => context.close() };
  page.on('dialog', (dialog) => {
    watched.dialogs.push(dialog);
    void dialog.dismiss().catch(() => undefined);
  });
  page.on('pageerror', (error) => watched.errors.push(error));
  page.on('console', (message) => {
    if (message.type() === 'error') watched.consoleErrors.push(message.text());
  });
  return watched;
}
