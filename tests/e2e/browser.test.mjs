// The web client and the admin dashboard in a real headless Chromium
// (Debian's, driven by playwright-core): two members sign up, one writes a
// post, both chat live in its room and see each other's presence; hostile
// post content and messages render inert; a superuser manages posts in
// the dashboard. Screenshots go to $SCREENSHOT_DIR (make screenshots sets
// docs/screenshots) or a temporary directory.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { startServer } from './server.mjs';

const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const WAIT = 10_000; // deadline for anything the page shows

let server, browser, shots;
const pageErrors = [];

before(async () => {
  server = await startServer();
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_FLAGS });
  shots = process.env.SCREENSHOT_DIR || await mkdtemp(path.join(os.tmpdir(), 'cobraspace-shots-'));
  await mkdir(shots, { recursive: true });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function newPage() {
  const context = await browser.newContext({ viewport: { width: 1280, height: 820 }, locale: 'ko-KR' });
  const page = await context.newPage();
  page.on('pageerror', (err) => pageErrors.push(err.message));
  page.on('dialog', (d) => d.accept());
  return page;
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(shots, `${name}.png`) });
}

async function signUp(page, email, nickname) {
  await page.goto(`${server.url}/#/signup`);
  await page.fill('input[name=email]', email);
  await page.fill('input[name=nickname]', nickname);
  await page.fill('input[name=password]', 'browser-pass-123');
  await page.click('form.auth button[type=submit]');
  await page.locator('#nav .me', { hasText: nickname }).waitFor({ timeout: WAIT });
}

async function writePost(page, { title, content, tags }) {
  await page.goto(`${server.url}/#/write`);
  await page.fill('input[name=title]', title);
  await page.fill('textarea[name=content]', content);
  await page.fill('input[name=tags]', tags);
  await page.click('form.editor button[type=submit]');
  await page.locator('article.post h1', { hasText: title }).waitFor({ timeout: WAIT });
  return page.url().split('#/post/')[1];
}

const message = (page, text) => page.locator('.messages .message .text', { hasText: text });

test('two members chat live in a post room and see each other come and go', async () => {
  const a = await newPage();
  const b = await newPage();
  await signUp(a, 'alice.browser@example.com', '앨리스');
  await signUp(b, 'bob.browser@example.com', '밥');
  await shot(a, 'posts');

  const postId = await writePost(a, {
    title: '실시간 채팅 서버를 Go로 만들기',
    content: '## 목표\n\nPocketBase 위에 **WebSocket** 채팅을 올립니다.\n\n```go\nfmt.Println("hello")\n```\n',
    tags: 'go, 채팅, websocket',
  });
  await a.locator('.chat .online li', { hasText: '앨리스' }).waitFor({ timeout: WAIT });

  // bob opens the post: alice sees him arrive, live
  await b.goto(`${server.url}/#/post/${postId}`);
  await b.locator('.chat .online li', { hasText: '밥' }).waitFor({ timeout: WAIT });
  await a.locator('.chat .online li', { hasText: '밥' }).waitFor({ timeout: WAIT });
  await a.locator('.messages .notice', { hasText: '밥님이 들어왔습니다.' }).waitFor({ timeout: WAIT });

  await a.fill('.send input', '안녕하세요, 밥! 채팅 테스트입니다.');
  await a.click('.send button');
  await message(b, '안녕하세요, 밥! 채팅 테스트입니다.').waitFor({ timeout: WAIT });

  await b.fill('.send input', '반가워요 앨리스 👋');
  await b.click('.send button');
  await message(a, '반가워요 앨리스 👋').waitFor({ timeout: WAIT });

  // a reply quotes the message it answers
  await a.locator('.message', { hasText: '반가워요 앨리스' }).locator('button.reply').click();
  await a.fill('.send input', '답장도 됩니다');
  await a.click('.send button');
  await b.locator('.message', { hasText: '답장도 됩니다' }).locator('.quote', { hasText: '밥' }).waitFor({ timeout: WAIT });
  await shot(a, 'post-chat');

  // bob leaves: alice sees it live
  await b.goto(`${server.url}/#/`);
  await a.locator('.messages .notice', { hasText: '밥님이 나갔습니다.' }).waitFor({ timeout: WAIT });
  await a.locator('.chat .online li', { hasText: '밥' }).waitFor({ state: 'detached', timeout: WAIT });

  // the post is found by a 2-syllable Korean search
  await b.fill('form.search input', '채팅');
  await b.click('form.search button');
  await b.locator('.post-card h2', { hasText: '실시간 채팅 서버를 Go로 만들기' }).waitFor({ timeout: WAIT });
  await shot(b, 'search');

  await a.goto(`${server.url}/#/write`);
  await a.fill('input[name=title]', 'Markdown 미리보기');
  await a.fill('textarea[name=content]', '# 제목\n\n- 목록 하나\n- **굵게**\n\n> 인용문');
  await shot(a, 'write');

  await b.goto(`${server.url}/#/friends`);
  await b.fill('form.search input', 'alice.browser');
  await b.click('form.search button');
  await b.locator('.people .person', { hasText: '앨리스' }).locator('button', { hasText: '친구 추가' }).click();
  await b.locator('.people .person', { hasText: 'alice.browser@example.com' }).first().waitFor({ timeout: WAIT });
  await shot(b, 'friends');

  await b.goto(`${server.url}/#/profile`);
  await b.fill('textarea[name=bio]', 'Go와 SQLite를 좋아합니다.');
  await b.selectOption('select[name=status]', 'busy');
  await b.click('form.profile button[type=submit]');
  await b.locator('#toast', { hasText: '프로필을 저장했습니다.' }).waitFor({ timeout: WAIT });
  await shot(b, 'profile');

  await a.context().close();
  await b.context().close();
  assert.deepEqual(pageErrors, []);
});

test('hostile post content, titles and messages render inert', async () => {
  const page = await newPage();
  await signUp(page, 'mallory.browser@example.com', '<svg onload=q()>');
  const postId = await writePost(page, {
    title: '<script>window.__xss=4</script>제목',
    content: 'hello\n\n<script>window.__xss = 1</script>\n\n<img src="x" onerror="window.__xss = 2">\n\n[link](javascript:window.__xss=5)\n\n<a href="#" onclick="window.__xss=6">click</a>',
    tags: 'xss',
  });
  await page.fill('.send input', '<img src=x onerror="window.__xss=7"><script>window.__xss=8</script>');
  await page.click('.send button');
  await message(page, '<img src=x onerror="window.__xss=7">').waitFor({ timeout: WAIT });
  await page.locator('.markdown a', { hasText: 'click' }).click();
  await page.locator('.markdown a', { hasText: 'link' }).click({ modifiers: [] }).catch(() => {});

  const state = await page.evaluate(() => ({
    xss: window.__xss,
    scripts: document.querySelectorAll('main script').length,
    handlers: [...document.querySelectorAll('main *')].filter((el) => [...el.attributes].some((a) => a.name.startsWith('on'))).length,
    jsLinks: [...document.querySelectorAll('main a')].filter((a) => (a.getAttribute('href') || '').startsWith('javascript:')).length,
    title: document.querySelector('article.post h1').textContent,
  }));
  assert.equal(state.xss, undefined);
  assert.equal(state.scripts, 0);
  assert.equal(state.handlers, 0);
  assert.equal(state.jsLinks, 0);
  assert.equal(state.title, '<script>window.__xss=4</script>제목');
  assert.ok(postId);
  await page.context().close();
});

test('a superuser manages posts in the dashboard', async () => {
  const page = await newPage();
  await page.goto(`${server.url}/_/`);
  await page.fill('input[name=identity]', server.superuser.email);
  await page.fill('input[name=password]', server.superuser.password);
  await page.click('button.btn.next');
  for (const name of ['users', 'categories', 'tags', 'rooms', 'messages', 'friends', 'posts']) {
    await page.getByText(name, { exact: true }).first().waitFor({ timeout: WAIT });
  }
  await page.getByText('posts', { exact: true }).first().click();
  await page.waitForURL(/collection=/, { timeout: WAIT });
  await page.getByText('실시간 채팅 서버를 Go로 만들기').first().waitFor({ timeout: WAIT });
  await shot(page, 'dashboard');

  // and edits one: the record panel opens with the post's fields
  await page.getByText('실시간 채팅 서버를 Go로 만들기').first().click();
  await page.locator('input[name=title], textarea[name=title]').first().waitFor({ timeout: WAIT });
  await page.context().close();
});
