// What every browser test file shares: the real binary and Debian's
// Chromium (driven by playwright-core, never a downloaded browser) started
// before the file's tests and stopped after, fresh Korean-locale pages,
// screenshots, and the steps most tests begin with.
//
//   const suite = browserSuite();
//   const page = await suite.newPage();
//   await suite.signUp(page, 'ann@example.com', '앤');
//   await page.goto(`${suite.server.url}/#/write`);
//
// Screenshots go to $SCREENSHOT_DIR (make screenshots sets docs/screenshots)
// or a temporary directory.

import { after, before } from 'node:test';
import { mkdtemp, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

import { startServer } from './server.mjs';

const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Debian's Chromium, headless. */
export function launchChromium() {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_FLAGS });
}

/** The deadline for anything a page shows. */
export const WAIT = 10_000;

/** The password of every member the browser tests sign up. */
export const BROWSER_PASSWORD = 'browser-pass-123';

/**
 * Registers the file's before/after hooks and returns the suite:
 * {server, browser, pageErrors (every page's uncaught errors), newPage,
 * shot, signUp, roomOfPost, chatPost}.
 */
export function browserSuite() {
  let shots;
  const suite = { server: undefined, browser: undefined, pageErrors: [] };

  before(async () => {
    suite.server = await startServer();
    suite.browser = await launchChromium();
    shots = process.env.SCREENSHOT_DIR || await mkdtemp(path.join(os.tmpdir(), 'cobraspace-shots-'));
    await mkdir(shots, { recursive: true });
  });

  after(async () => {
    await suite.browser?.close();
    await suite.server?.stop();
  });

  /** A page in a fresh context; page.errors collects its uncaught errors. */
  suite.newPage = async ({ viewport = { width: 1280, height: 820 }, ...options } = {}) => {
    const context = await suite.browser.newContext({ viewport, locale: 'ko-KR', ...options });
    const page = await context.newPage();
    page.errors = [];
    page.on('pageerror', (err) => {
      page.errors.push(err.message);
      suite.pageErrors.push(err.message);
    });
    page.on('dialog', (d) => d.accept());
    return page;
  };

  suite.shot = async (page, name) => {
    await page.screenshot({ path: path.join(shots, `${name}.png`) });
  };

  /** Signs a new member up through the client's own form. */
  suite.signUp = async (page, email, nickname) => {
    await page.goto(`${suite.server.url}/#/signup`);
    await page.fill('input[name=email]', email);
    await page.fill('input[name=nickname]', nickname);
    await page.fill('input[name=password]', BROWSER_PASSWORD);
    await page.click('form.auth button[type=submit]');
    await page.locator('#nav .me', { hasText: nickname }).waitFor({ timeout: WAIT });
  };

  /** Writes a post and waits until its chat room has the writer online; its id. */
  suite.chatPost = async (page, title, content) => {
    await page.goto(`${suite.server.url}/#/write`);
    await page.fill('input[name=title]', title);
    await page.fill('textarea[name=content]', content);
    await page.click('form.editor button[type=submit]');
    await page.locator('article.post h1', { hasText: title }).waitFor({ timeout: WAIT });
    await page.locator('.chat .online li.me').waitFor({ timeout: WAIT });
    return page.url().split('#/post/')[1];
  };

  /** The room id of a post, as page's member reads it. */
  suite.roomOfPost = (page, postId) => page.evaluate(async (id) => {
    const { api } = await import('/js/api.js');
    return (await api(`/api/post/detail/${id}/`)).room_data.id;
  }, postId);

  return suite;
}
