import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { consoleBuildDirectory } from '../../src/modules/console/index.ts';
import { type ServerProcess, startServerProcess } from '../support/server-process.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOTS = new URL('./screenshots/', import.meta.url).pathname;

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

export interface ConsoleHarness {
  server: ServerProcess;
  url: string;
  browser: Browser;
  /** A new browser context (its own cookies: another person) with a page open on the console. */
  openConsole(options?: { viewport?: { width: number; height: number } }): Promise<ConsolePage>;
  close(): Promise<void>;
}

export interface ConsolePage {
  context: BrowserContext;
  page: Page;
  /** Errors the page logged and Content-Security-Policy violations it met: a test expects none. */
  problems: string[];
}

/**
 * A real `agentry serve` on a fresh data directory and a headless Chromium. Every setting the test
 * passes in `env` goes to the server.
 */
export async function startConsoleHarness(env: Record<string, string> = {}): Promise<ConsoleHarness> {
  // CONSOLE_OUT_DIR: a private build (`CONSOLE_OUT_DIR=/tmp/x npm run console:build`).
  const consoleDirectory = process.env.CONSOLE_OUT_DIR ?? consoleBuildDirectory;
  if (!existsSync(join(consoleDirectory, 'index.html'))) {
    throw new Error(`The console is not built in ${consoleDirectory}: run \`npm run console:build\` first`);
  }
  const dataDirectory = await mkdtemp(join(tmpdir(), 'agentry-browser-'));
  const server = await startServerProcess({ DATA_DIR: dataDirectory, CONSOLE_DIR: consoleDirectory, ...env });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    // Root in a container has no user namespace for Chromium's sandbox.
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
  return {
    server,
    url: server.url,
    browser,
    async openConsole({ viewport = DESKTOP } = {}) {
      const context = await browser.newContext({ viewport, baseURL: server.url });
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error' && !isExpectedResourceError(message.text()))
          problems.push(message.text());
      });
      page.on('pageerror', (error) => problems.push(error.message));
      await page.goto('/');
      return { context, page, problems };
    },
    async close() {
      await browser.close();
      await server.stop();
      await rm(dataDirectory, { recursive: true, force: true });
    },
  };
}

// The browser logs every refused request (a 4xx the page expected and showed) as an error.
const isExpectedResourceError = (text: string) =>
  /Failed to load resource: the server responded with a status of 4\d\d/.test(text);

/** Registers a new account (and organization) from the sign-in page; resolves on the signed-in console. */
export async function registerInConsole(
  page: Page,
  account: { fullName: string; email: string; password?: string; organization?: string },
) {
  await page.getByRole('tab', { name: 'Create an account' }).click();
  await page.getByLabel('Full name').fill(account.fullName);
  await page.getByLabel('Email').fill(account.email);
  await page.getByLabel('Password').fill(account.password ?? 'correct-horse-battery-staple');
  if (account.organization) await page.getByLabel('Organization name').fill(account.organization);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

/** Saves a screenshot under test/browser/screenshots/ (the best are copied to docs/images/). */
export async function screenshot(page: Page, name: string) {
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
}

let sequence = 0;
/** An email no other test of the run uses. */
export const uniqueEmail = (who: string) => `${who}-${process.pid}-${++sequence}-${Date.now()}@example.com`;
