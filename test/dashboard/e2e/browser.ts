// Debian's Chromium, headless, with nothing reaching the network but the pages we open: playwright-core (pinned
// to the release built for the same Chromium major) drives /usr/bin/chromium; no browser is downloaded.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const flags = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
];

/** A fresh profile each time (launchPersistentContext passes it as --user-data-dir). */
export function launch(options: { width?: number; height?: number; dark?: boolean } = {}): Promise<BrowserContext> {
  return chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'cp-chromium-')), {
    executablePath: CHROMIUM,
    headless: true,
    args: flags,
    viewport: { width: options.width ?? 1280, height: options.height ?? 860 },
    colorScheme: options.dark ? 'dark' : 'light',
    deviceScaleFactor: 1,
  });
}
