import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { consoleBuildDirectory } from '../../src/modules/console/index.ts';
import { type ServerProcess, startServerProcess } from '../support/server-process.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOTS = new URL('./screenshots/', import.meta.url).pathname;

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

/** The password of every account a test creates, unless it says otherwise. */
export const PASSWORD = 'correct-horse-battery-staple';

/**
 * `expect.poll` options for a step that waits on the page or the server: long enough for a loaded
 * machine (CI, several suites at once) and for background work such as a queued task (vitest's
 * default is one second).
 */
export const POLL = { timeout: 30_000 };

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

/**
 * Starts the harness before the file's tests and closes it after them; the returned harness may be
 * used inside hooks and tests only. Call it after any `beforeAll` that starts what the server needs:
 * hooks run in the order they are registered, and `afterAll` hooks in the reverse order.
 */
export function setUpConsoleHarness(env: Record<string, string> = {}): ConsoleHarness {
  let started: ConsoleHarness | undefined;
  beforeAll(async () => {
    started = await startConsoleHarness(env);
  });
  afterAll(() => started?.close());
  const current = () => {
    if (!started) throw new Error('The console harness starts in beforeAll: use it in a hook or a test');
    return started;
  };
  return {
    get server() {
      return current().server;
    },
    get url() {
      return current().url;
    },
    get browser() {
      return current().browser;
    },
    openConsole: (options) => current().openConsole(options),
    close: () => current().close(),
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
  await page.getByLabel('Password').fill(account.password ?? PASSWORD);
  if (account.organization) await page.getByLabel('Organization name').fill(account.organization);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

/** Signs an existing account in from the sign-in page; resolves on the signed-in console. */
export async function signInToConsole(page: Page, email: string, password = PASSWORD) {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).last().click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

export interface ApiRequest {
  method?: string;
  /** Sent as JSON. */
  body?: unknown;
  /** The status the answer must have; 200 unless told. */
  status?: number;
}

/** Calls the API: asserts the answer's status and resolves with its JSON body (null when it has none). */
export interface ApiCaller {
  <T = any>(path: string, request?: ApiRequest): Promise<T>;
  /** The bearer token it sends, for a request it does not make (a multipart upload, a retry loop). */
  readonly token: string;
}

/** The API with a bearer token (an access token or an API key); with none (''), anonymously. */
export function apiWith(harness: ConsoleHarness, token = ''): ApiCaller {
  const call = async <T = any>(
    path: string,
    { method = 'GET', body, status = 200 }: ApiRequest = {},
  ): Promise<T> => {
    const response = await fetch(`${harness.url}${path}`, {
      method,
      headers: {
        ...(token === '' ? {} : { authorization: `Bearer ${token}` }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const answer = await response.json().catch(() => null);
    expect(response.status, `${method} ${path}: ${JSON.stringify(answer)}`).toBe(status);
    return answer as T;
  };
  return Object.assign(call, { token });
}

/**
 * The API as the same person the page signed in, with a token of their own from POST
 * /api/v1/auth/login: the console keeps its token in the page, out of the test's reach.
 */
export async function apiAs(harness: ConsoleHarness, email: string, password = PASSWORD): Promise<ApiCaller> {
  const { access_token: token } = await apiWith(harness)<{ access_token: string }>('/api/v1/auth/login', {
    method: 'POST',
    body: { email, password },
  });
  return apiWith(harness, token);
}

/**
 * A console page of a new account (with its own organization) registered from the sign-in page, and
 * the API as the same person beside it.
 */
export async function openConsoleAsNewAccount(
  harness: ConsoleHarness,
  account: { fullName: string; email: string; organization?: string },
  options: { viewport?: { width: number; height: number } } = {},
): Promise<ConsolePage & { call: ApiCaller }> {
  const opened = await harness.openConsole(options);
  await registerInConsole(opened.page, account);
  return { ...opened, call: await apiAs(harness, account.email) };
}

/** Saves a screenshot under test/browser/screenshots/ (the best are copied to docs/images/). */
export async function screenshot(page: Page, name: string) {
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
}

let sequence = 0;
/** An email no other test of the run uses. */
export const uniqueEmail = (who: string) => `${who}-${process.pid}-${++sequence}-${Date.now()}@example.com`;
