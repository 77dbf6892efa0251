/**
 * Debian's Chromium for the browser tests, driven by playwright-core. Never a browser download:
 * the package comes from the machine's own apt sources.
 */
import { existsSync } from 'node:fs';
import { MissingToolError } from './errors.js';
import { runStreaming } from './tools.js';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * The flags a headless Chromium needs here: no sandbox (root in a container), and no background
 * networking, whose connections a closed network refuses many at a time.
 */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

let installing: Promise<string> | undefined;

/**
 * The path of Debian's Chromium: `/usr/bin/chromium` when present; otherwise `apt-get update`
 * (once) and `apt-get install -y --no-install-recommends chromium`, which needs root.
 */
export function ensureChromium(options: { onLine?: (line: string) => void } = {}): Promise<string> {
  if (existsSync(CHROMIUM_PATH)) return Promise.resolve(CHROMIUM_PATH);
  installing ??= install(options.onLine).catch((error: unknown) => {
    installing = undefined;
    throw error;
  });
  return installing;
}

async function install(onLine: ((line: string) => void) | undefined): Promise<string> {
  if (process.platform !== 'linux' || !existsSync('/usr/bin/apt-get')) {
    throw new MissingToolError('chromium', `is not at ${CHROMIUM_PATH} and this machine has no apt-get to install it with (install Chromium so that ${CHROMIUM_PATH} exists)`);
  }
  if (process.getuid?.() !== 0) {
    throw new MissingToolError(
      'chromium',
      `is not at ${CHROMIUM_PATH}, and installing it needs root: run \`sudo apt-get update && sudo apt-get install -y --no-install-recommends chromium\``,
    );
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await runStreaming({ command: 'apt-get', args: ['update'], env, ...(onLine ? { onLine } : {}) });
  await runStreaming({ command: 'apt-get', args: ['install', '-y', '--no-install-recommends', 'chromium'], env, ...(onLine ? { onLine } : {}) });
  if (!existsSync(CHROMIUM_PATH)) throw new MissingToolError('chromium', `was installed by apt-get but ${CHROMIUM_PATH} does not exist`);
  return CHROMIUM_PATH;
}
