// The web client catches up after its realtime connection drops, in a
// real headless Chromium against the real binary run as a cluster: a
// writer and one edge, the page loaded through the edge. The member sees a
// first message live; the edge is killed (SIGKILL), messages are sent
// through the writer meanwhile, the edge comes back on the same port; the
// SDK reconnects by itself, and the open room must then show what it
// missed, once each and in order, and the next message live. Also: the
// newest message shown gone from the server (the latest page again, edits
// and deletes as in history), and messages that come live before the
// SDK's PB_CONNECT and during the catch-up (held with page.route). Every
// wait has a deadline.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';

import { BROWSER_PASSWORD, WAIT, launchChromium } from './browser_suite.mjs';
import { signUp } from './helpers.mjs';
import { api, freePort, PUBLIC_DIR, startProcess, startServer } from './server.mjs';

// the SDK retries every 2 s at most, and the edge must reach the writer first
const RECONNECT_WAIT = 30_000;

let writer;
let edge;
let edgeArgs;
let browser;

before(async () => {
  const writerNats = `127.0.0.1:${await freePort()}`;
  writer = await startServer({ args: ['--nats-cluster', writerNats, '--node-name', 'writer'] });
  const edgeHttp = `127.0.0.1:${await freePort()}`;
  edgeArgs = ['edge', '--writer', writer.url, '--http', edgeHttp,
    '--nats-cluster', `127.0.0.1:${await freePort()}`, '--nats-routes', `nats://${writerNats}`,
    '--node-name', 'e1', '--publicDir', PUBLIC_DIR];
  edge = await startProcess(edgeArgs, `http://${edgeHttp}`);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await edge?.stop();
  await writer?.stop();
});

/** The texts of the messages the page shows, top to bottom. */
const shown = (page) => page.evaluate(() => [...document.querySelectorAll('.chat .messages .message .text')].map((el) => el.textContent.trim()));

/** Waits until the page shows exactly texts (each once, in this order). */
async function waitShown(page, texts, timeout, what) {
  try {
    await page.waitForFunction((want) => JSON.stringify([...document.querySelectorAll('.chat .messages .message .text')]
      .map((el) => el.textContent.trim())) === JSON.stringify(want), texts, { timeout });
  } catch (err) {
    assert.fail(`${what}: the page shows ${JSON.stringify(await shown(page))}, want ${JSON.stringify(texts)} (${err.message})`);
  }
}

/** A member (Ben, through the writer's REST API) writes a post; {ben, post, say(text) → message}. */
async function benPost(email, nickname, title) {
  const ben = await signUp(writer.url, email, BROWSER_PASSWORD, { nickname });
  const post = await api(writer.url, 'POST', '/api/post/write/', {
    token: ben.access, body: { title, content: '끊긴 동안의 메시지', category: 'Programming' },
  });
  assert.equal(post.status, 201, post.text);
  const say = async (message) => {
    const res = await api(writer.url, 'POST', '/api/chat/message/', { token: ben.access, body: { room: post.json.room, message } });
    assert.equal(res.status, 201, res.text);
    return res.json;
  };
  return { ben, post: post.json, say };
}

/** A new member signs up in Chromium and opens the post through the edge; the page. */
async function openThroughEdge(email, nickname, postId) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 820 }, locale: 'ko-KR' });
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (err) => page.errors.push(err.message));
  await page.goto(`${edge.url}/#/signup`);
  await page.fill('input[name=email]', email);
  await page.fill('input[name=nickname]', nickname);
  await page.fill('input[name=password]', BROWSER_PASSWORD);
  await page.click('form.auth button[type=submit]');
  await page.locator('#nav .me', { hasText: nickname }).waitFor({ timeout: WAIT });
  await page.goto(`${edge.url}/#/post/${postId}`);
  await page.locator('.chat .online li.me').waitFor({ timeout: WAIT });
  return page;
}

test('an open room shows what it missed while the edge was down, once each and in order, then live again', { timeout: 120_000 }, async () => {
  const { say, post } = await benPost('ben.catchup@example.com', '따라잡기벤', '다시 연결되면 따라잡기');
  const page = await openThroughEdge('ann.catchup@example.com', '따라잡기앤', post.id);
  await say('끊기기 전 메시지');
  await waitShown(page, ['끊기기 전 메시지'], WAIT, 'the first message live');

  // the edge dies: the page's realtime connection drops with it
  await edge.kill('SIGKILL');
  const missed = ['끊긴 동안 1', '끊긴 동안 2', '끊긴 동안 3'];
  for (const m of missed) await say(m);

  // the edge comes back on the same port; the SDK reconnects by itself
  edge = await startProcess(edgeArgs, edge.url);
  await waitShown(page, ['끊기기 전 메시지', ...missed], RECONNECT_WAIT, 'the messages missed while the edge was down');

  await say('다시 연결된 뒤 메시지');
  await waitShown(page, ['끊기기 전 메시지', ...missed, '다시 연결된 뒤 메시지'], WAIT, 'the next message live');

  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('when the newest message shown is gone from the server, the room shows the latest page again; edits and deletes as in history', { timeout: 120_000 }, async () => {
  const { ben, say, post } = await benPost('ben.reload@example.com', '다시벤', '사라진 메시지 뒤에 다시 불러오기');
  const page = await openThroughEdge('ann.reload@example.com', '다시앤', post.id);
  await say('남는 메시지');
  const gone = await say('지워질 메시지');
  await waitShown(page, ['남는 메시지', '지워질 메시지'], WAIT, 'the first messages live');

  await edge.kill('SIGKILL');
  // a superuser removes the newest message the page shows (for good: the
  // record API), Ben sends more, edits one and deletes another
  const su = await api(writer.url, 'POST', '/api/collections/_superusers/auth-with-password', {
    body: { identity: writer.superuser.email, password: writer.superuser.password },
  });
  assert.equal(su.status, 200, su.text);
  const removed = await api(writer.url, 'DELETE', `/api/collections/messages/records/${gone.id}`, { token: su.json.token });
  assert.equal(removed.status, 204, removed.text);
  await say('끊긴 동안 보낸 메시지');
  const edited = await say('고치기 전');
  assert.equal((await api(writer.url, 'PATCH', `/api/chat/message/${edited.id}/`, { token: ben.access, body: { message: '고친 뒤' } })).status, 200);
  const deleted = await say('곧 지울 메시지');
  assert.equal((await api(writer.url, 'DELETE', `/api/chat/message/${deleted.id}/`, { token: ben.access })).status, 204);

  edge = await startProcess(edgeArgs, edge.url);
  await waitShown(page, ['남는 메시지', '끊긴 동안 보낸 메시지', '고친 뒤', '삭제된 메시지입니다'], RECONNECT_WAIT, 'the latest page');
  await page.locator('.messages .message', { hasText: '고친 뒤' }).locator('.edited:not([hidden])').waitFor({ timeout: WAIT });
  await page.locator('.messages .message.deleted').waitFor({ timeout: WAIT });

  await say('그다음 메시지');
  await waitShown(page, ['남는 메시지', '끊긴 동안 보낸 메시지', '고친 뒤', '삭제된 메시지입니다', '그다음 메시지'], WAIT, 'the next message live');

  assert.deepEqual(page.errors, []);
  await page.context().close();
});

/** A promise with its resolve function. */
function signal() {
  let resolve;
  const promise = new Promise((r) => { resolve = r; });
  return { promise, resolve };
}

/** Resolves with what promise does, or fails after ms. */
function within(promise, ms, what) {
  let timer;
  return Promise.race([promise, new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms); })])
    .finally(() => clearTimeout(timer));
}

test('messages that come live before and during the catch-up keep their place and come once', { timeout: 120_000 }, async () => {
  const { say, post } = await benPost('ben.race@example.com', '사이벤', '따라잡는 중에 온 메시지');
  const page = await openThroughEdge('ann.race@example.com', '사이앤', post.id);
  await say('처음 메시지');
  await waitShown(page, ['처음 메시지'], WAIT, 'the first message live');

  await edge.kill('SIGKILL');
  await say('놓친 메시지 1');
  await say('놓친 메시지 2');

  // Hold the answer of the reconnected page's subscription request (the
  // edge has the topic: live frames flow, but the SDK has not said
  // PB_CONNECT yet), then its first catch-up request.
  const subscribed = signal();
  const releaseSubscription = signal();
  await page.route((u) => u.pathname === '/api/realtime', async (route) => {
    if (route.request().method() !== 'POST') return route.continue();
    const response = await route.fetch();
    if (response.status() === 204) {
      subscribed.resolve();
      await releaseSubscription.promise;
    }
    return route.fulfill({ response });
  });
  const catchingUp = signal();
  const releaseCatchUp = signal();
  await page.route((u) => u.pathname.startsWith('/api/chat/room/') && u.searchParams.has('after'), async (route) => {
    catchingUp.resolve();
    await releaseCatchUp.promise;
    return route.continue();
  });

  edge = await startProcess(edgeArgs, edge.url);
  await within(subscribed.promise, RECONNECT_WAIT, 'the page subscribing again');
  await say('다시 구독한 직후 메시지');
  await waitShown(page, ['처음 메시지', '다시 구독한 직후 메시지'], WAIT, 'a message live before PB_CONNECT');
  releaseSubscription.resolve();

  await within(catchingUp.promise, WAIT, 'the catch-up request');
  await say('따라잡는 중 메시지');
  await waitShown(page, ['처음 메시지', '다시 구독한 직후 메시지', '따라잡는 중 메시지'], WAIT, 'a message live during the catch-up');
  releaseCatchUp.resolve();

  const all = ['처음 메시지', '놓친 메시지 1', '놓친 메시지 2', '다시 구독한 직후 메시지', '따라잡는 중 메시지'];
  await waitShown(page, all, WAIT, 'the missed messages before the live ones');
  await page.unrouteAll();
  await say('마지막 메시지');
  await waitShown(page, [...all, '마지막 메시지'], WAIT, 'the next message live');

  assert.deepEqual(page.errors, []);
  await page.context().close();
});
