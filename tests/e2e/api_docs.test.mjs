// docs/API.md against the real server: answers the reference spells out
// word for word must be the ones the server sends, so that the docs cannot
// drift from the code unnoticed.
//
//   - the password-length errors of /user/registration/ and of PocketBase's
//     record API, as written in the docs;
//   - every documented 429 that a test can provoke quickly carries a whole
//     number of seconds in Retry-After, and its message is in the docs
//     (with the number of seconds written as N).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { signUp } from './helpers.mjs';
import { api, startServer } from './server.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const docs = await readFile(path.resolve(here, '../../docs/API.md'), 'utf8');

/** The docs' text from a heading line to the next heading. */
function section(heading) {
  const start = docs.indexOf(`\n${heading}\n`);
  assert.ok(start >= 0, `docs/API.md has no "${heading}"`);
  const end = docs.indexOf('\n#', start + heading.length + 2);
  return docs.slice(start, end < 0 ? undefined : end);
}

/** The `code spans` of text that are JSON, parsed. */
function jsonSpans(text) {
  const prose = text.replace(/```[\s\S]*?```/g, '');
  return [...prose.matchAll(/`([^`]+)`/g)].flatMap(([, span]) => {
    const json = span.replace(/^\d{3} /, '');
    try {
      return [JSON.parse(json)];
    } catch {
      return [];
    }
  });
}

/** Fails unless the docs contain the server's message, its seconds as N. */
function assertDocumented(message, where) {
  const generic = message.replace(/\b\d+ seconds\b/, 'N seconds');
  assert.ok(docs.includes(`"${generic}"`), `docs/API.md does not show ${where}'s 429 message "${generic}"`);
}

/** A 429 carries Retry-After: a whole, positive number of seconds. */
function assertRetryAfter(res, where) {
  assert.equal(res.status, 429, `${where}: ${res.status} ${res.text}`);
  const retry = res.headers.get('retry-after');
  assert.match(retry ?? '', /^[1-9]\d*$/, `${where}: Retry-After is ${retry}`);
  return Number(retry);
}

let server;
let counter = 0;

before(async () => {
  server = await startServer();
});

after(async () => {
  const died = server?.exitStatus();
  const report = died && server.diagnostics();
  await server?.stop();
  if (died) throw new Error(`the server exited during the tests: ${report}`);
});

/** A new member, registered and logged in: {email, password, id, access, ...}. */
const newMember = () => signUp(server.url, `docs${++counter}@example.com`, 's3cret-pass');

/** Sends request() until it answers 429 (at most max times); returns that answer. */
async function until429(request, max) {
  for (let i = 0; i < max; i++) {
    const res = await request(i);
    if (res.status === 429) return res;
    assert.ok(res.status < 300 || res.status === 400, `unexpected ${res.status} ${res.text}`);
  }
  assert.fail(`no 429 after ${max} requests`);
}

test('a short password: /user/registration/ answers what docs/API.md shows', async () => {
  const documented = jsonSpans(section('### `POST /user/registration/`')).filter((j) => Array.isArray(j?.password));
  assert.equal(documented.length, 1, 'docs/API.md shows one {"password": [...]} error for registration');
  for (const body of [
    { email: 'short@example.com', password: 'short' },
    { email: 'short@example.com', password1: 'short', password2: 'short' },
  ]) {
    const res = await api(server.url, 'POST', '/user/registration/', { body });
    assert.equal(res.status, 400, res.text);
    assert.deepEqual(res.json, documented[0], `the server's answer to ${JSON.stringify(body)}`);
  }
});

test('a short password: the record API answers what docs/API.md shows', async () => {
  const documented = jsonSpans(section('### `POST /user/registration/`')).filter((j) => j?.data?.password);
  assert.equal(documented.length, 1, 'docs/API.md shows the record API\'s answer to a short password');
  const res = await api(server.url, 'POST', '/api/collections/users/records', {
    body: { email: 'short@example.com', password: 'short', passwordConfirm: 'short' },
  });
  assert.equal(res.status, 400, res.text);
  assert.deepEqual(res.json.data.password, documented[0].data.password);
  assert.equal(res.json.message, documented[0].message);
});

test('failed logins: 429 with Retry-After, REST and SDK, as documented', async () => {
  const rest = await until429(() => api(server.url, 'POST', '/user/login/', {
    body: { email: 'nobody@example.com', password: 'wrong-pass' },
  }), 10);
  assertRetryAfter(rest, 'POST /user/login/');
  assertDocumented(rest.json.detail, 'POST /user/login/');

  const sdk = await until429(() => api(server.url, 'POST', '/api/collections/users/auth-with-password', {
    body: { identity: 'nobody2@example.com', password: 'wrong-pass' },
  }), 10);
  assertRetryAfter(sdk, 'auth-with-password');
  assertDocumented(sdk.json.message, 'auth-with-password');
});

test('wrong oldPassword: 429 with Retry-After, as documented', async () => {
  const me = await newMember();
  const res = await until429(() => api(server.url, 'PATCH', `/api/collections/users/records/${me.id}`, {
    token: me.access,
    body: { oldPassword: 'not-my-password', password: 'new-s3cret-pass', passwordConfirm: 'new-s3cret-pass' },
  }), 10);
  assertRetryAfter(res, 'password change');
  assertDocumented(res.json.message, 'a wrong oldPassword');
});

test('too many logins of one member: 429 with Retry-After, REST and SDK, as documented', async () => {
  const me = await newMember();
  const rest = await until429(() => api(server.url, 'POST', '/user/login/', {
    body: { email: me.email, password: me.password },
  }), 20);
  assertRetryAfter(rest, 'POST /user/login/ (per member)');
  assertDocumented(rest.json.detail, 'POST /user/login/ (per member)');
  const sdk = await api(server.url, 'POST', '/api/collections/users/auth-with-password', {
    body: { identity: me.email, password: me.password },
  });
  assertRetryAfter(sdk, 'auth-with-password (per member)');
  assertDocumented(sdk.json.message, 'auth-with-password (per member)');
});

test('posts, rooms and messages too fast: 429 with Retry-After on every API, as documented', async () => {
  const me = await newMember();
  const categories = await api(server.url, 'GET', '/api/collections/categories/records');
  const category = categories.json.items[0].id;
  const post = (i) => ({ title: `docs ${i}`, content: 'x', category });

  const write = await until429((i) => api(server.url, 'POST', '/api/post/write/', { token: me.access, body: post(i) }), 20);
  assertRetryAfter(write, 'POST /api/post/write/');
  assertDocumented(write.json.detail, 'POST /api/post/write/');
  const record = await api(server.url, 'POST', '/api/collections/posts/records', { token: me.access, body: post('sdk') });
  assertRetryAfter(record, 'posts record create');
  assertDocumented(record.json.message, 'posts record create');

  const room = await until429(() => api(server.url, 'POST', '/api/chat/room/', { token: me.access, body: { name: 'docs' } }), 20);
  assertRetryAfter(room, 'POST /api/chat/room/');
  assertDocumented(room.json.detail, 'POST /api/chat/room/');
  const roomRecord = await api(server.url, 'POST', '/api/collections/rooms/records', { token: me.access, body: { name: 'docs' } });
  assertRetryAfter(roomRecord, 'rooms record create');
  assertDocumented(roomRecord.json.message, 'rooms record create');

  const mine = await api(server.url, 'GET', `/api/collections/rooms/records?filter=${encodeURIComponent(`owner="${me.id}" && post!=""`)}`, { token: me.access });
  const roomId = mine.json.items[0].id;
  const send = await until429((i) => api(server.url, 'POST', '/api/chat/message/', {
    token: me.access, body: { room: roomId, message: `docs ${i}` },
  }), 40);
  assertRetryAfter(send, 'POST /api/chat/message/');
  assertDocumented(send.json.detail, 'POST /api/chat/message/');
  const sdkSend = await until429((i) => api(server.url, 'POST', '/api/collections/messages/records', {
    token: me.access, body: { room: roomId, message: `docs sdk ${i}` },
  }), 40);
  assertRetryAfter(sdkSend, 'messages record create');
  assertDocumented(sdkSend.json.message, 'messages record create');
});
