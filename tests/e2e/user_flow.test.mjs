// The documented /user/* flow (SPEC "Users"), against the real binary:
// register → login → profile → friends → search → delete → logout.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { checkedApi } from './helpers.mjs';
import { api, assertNoSecrets, startServer, TINY_PNG } from './server.mjs';

const PASSWORD = 'correct-horse-battery-1';
const PROFILE_KEYS = ['id', 'user', 'email', 'nickname', 'profile_picture', 'bio', 'contact_number', 'status', 'is_private', 'friends_emails'];
const FRIEND_KEYS = ['id', 'email', 'nickname', 'profile_picture', 'status'];
const JWT = /^[\w-]+\.[\w-]+\.[\w-]+$/;

let server;
const calls = []; // every decoded answer, checked for secrets at the end

/** api() on the test server; every JSON answer is checked for secrets. */
const call = checkedApi(() => server, (where, json) => calls.push({ where, json }));

function assertProfile(profile, expected = {}) {
  assert.equal(typeof profile, 'object');
  for (const key of PROFILE_KEYS) assert.ok(key in profile, `profile has "${key}": ${JSON.stringify(profile)}`);
  assert.equal(typeof profile.id, 'string');
  assert.equal(profile.user, profile.id);
  assert.ok(Array.isArray(profile.friends_emails));
  assert.ok(profile.profile_picture === null || profile.profile_picture.startsWith('/api/files/users/'));
  for (const [key, value] of Object.entries(expected)) {
    assert.deepEqual(profile[key], value, `profile.${key}`);
  }
}

const alice = { email: 'alice@e2e.test' };
const bob = { email: 'bob@e2e.test' };
const carol = { email: 'Carol.Smith@e2e.test' };

before(async () => {
  server = await startServer();
});

after(async () => {
  const died = server?.exitStatus();
  const report = died && server.diagnostics();
  await server?.stop();
  if (died) throw new Error(`the server exited during the tests: ${report}`);
});

describe('documented user flow', () => {
  test('registration: {email,password} form, dj-rest-auth form, duplicate e-mail', async () => {
    let res = await call('POST', '/user/registration/', {
      body: { email: alice.email, password: PASSWORD, nickname: 'Alice' },
    });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.json.email, alice.email);
    assert.equal(res.json.message, '회원가입이 완료되었습니다.');
    assertProfile(res.json.profile, {
      email: alice.email, nickname: 'Alice', profile_picture: null, bio: '', contact_number: '',
      status: 'available', is_private: false, friends_emails: [],
    });
    alice.id = res.json.profile.id;

    // dj-rest-auth's form, under the /api prefix and without the trailing slash
    res = await call('POST', '/api/user/registration', {
      body: { email: bob.email, password1: PASSWORD, password2: PASSWORD },
    });
    assert.equal(res.status, 201, res.text);
    assertProfile(res.json.profile, { email: bob.email, nickname: 'bob', status: 'available', is_private: false });
    bob.id = res.json.profile.id;

    res = await call('POST', '/user/registration/', { body: { email: carol.email, password: PASSWORD } });
    assert.equal(res.status, 201, res.text);
    assertProfile(res.json.profile, { nickname: 'Carol.Smith' });
    carol.id = res.json.profile.id;

    assert.equal(new Set([alice.id, bob.id, carol.id]).size, 3);

    res = await call('POST', '/user/registration/', { body: { email: alice.email, password: PASSWORD } });
    assert.equal(res.status, 400);
    assert.deepEqual(res.json, { email: ['A user is already registered with this e-mail address.'] });

    // e-mails are matched without regard to letter case
    res = await call('POST', '/user/registration/', { body: { email: 'ALICE@E2E.TEST', password: PASSWORD } });
    assert.equal(res.status, 400, res.text);
    assert.deepEqual(res.json, { email: ['A user is already registered with this e-mail address.'] });

    res = await call('POST', '/user/registration/', {
      body: { email: 'mismatch@e2e.test', password1: PASSWORD, password2: PASSWORD + 'x' },
    });
    assert.equal(res.status, 400, res.text);
    res = await call('POST', '/user/login/', { body: { email: 'mismatch@e2e.test', password: PASSWORD } });
    assert.equal(res.status, 400, 'a refused registration creates no account');
  });

  test('login: tokens, session and the same answer for a wrong e-mail or password', async () => {
    for (const user of [alice, bob, carol]) {
      const res = await call('POST', '/user/login/', { body: { email: user.email, password: PASSWORD } });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.json.message, '환영합니다.');
      assertProfile(res.json.profile, { id: user.id, email: user.email });
      assert.match(res.json.access, JWT);
      assert.match(res.json.refresh, JWT);
      assert.notEqual(res.json.access, res.json.refresh);
      assert.equal(typeof res.json.session_id, 'string');
      assert.ok(res.json.session_id.length > 0);
      Object.assign(user, { access: res.json.access, refresh: res.json.refresh, session: res.json.session_id });
    }

    // carol registered as "Carol.Smith@…": any letter case logs her in
    const lower = await call('POST', '/user/login/', { body: { email: carol.email.toLowerCase(), password: PASSWORD } });
    assert.equal(lower.status, 200, lower.text);
    assert.equal(lower.json.profile.id, carol.id);

    const wrongPassword = await call('POST', '/user/login/', { body: { email: alice.email, password: 'nope-nope-nope' } });
    const unknownEmail = await call('POST', '/user/login/', { body: { email: 'nobody@e2e.test', password: 'nope-nope-nope' } });
    assert.equal(wrongPassword.status, 400);
    assert.equal(unknownEmail.status, 400);
    assert.deepEqual(wrongPassword.json, unknownEmail.json);
  });

  test('token refresh: new pair; an access token is not a refresh token', async () => {
    let res = await call('POST', '/user/token/refresh/', { body: { refresh: alice.refresh } });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(Object.keys(res.json).sort(), ['access', 'refresh']);
    assert.match(res.json.access, JWT);
    assert.match(res.json.refresh, JWT);
    alice.access = res.json.access;
    alice.refresh = res.json.refresh;

    res = await call('GET', '/user/profile/', { token: alice.access });
    assert.equal(res.status, 200, 'the refreshed access token works');

    res = await call('POST', '/user/token/refresh/', { body: { refresh: alice.access } });
    assert.equal(res.status, 401, res.text);
    assert.equal(typeof res.json.detail, 'string');
  });

  test('GET /user/profile/: own profile; 401 without credentials', async () => {
    let res = await call('GET', '/user/profile/', { token: alice.access });
    assert.equal(res.status, 200, res.text);
    assertProfile(res.json, { id: alice.id, email: alice.email, nickname: 'Alice', friends_emails: [] });

    // raw token (no "Bearer "), /api prefix, no trailing slash
    res = await call('GET', '/api/user/profile', { token: alice.access, raw: true });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.id, alice.id);

    res = await call('GET', '/user/profile/');
    assert.equal(res.status, 401);
    assert.deepEqual(res.json, { detail: 'Authentication credentials were not provided.' });
  });

  test('PATCH /user/profile/: partial JSON update, validation errors', async () => {
    let res = await call('PATCH', '/user/profile/', {
      token: alice.access,
      body: { bio: 'Go and SQLite', contact_number: '010-1234-5678', status: 'away' },
    });
    assert.equal(res.status, 200, res.text);
    assertProfile(res.json, {
      id: alice.id, nickname: 'Alice', bio: 'Go and SQLite', contact_number: '010-1234-5678', status: 'away',
    });

    res = await call('PATCH', '/user/profile/', { token: bob.access, body: { is_private: true } });
    assert.equal(res.status, 200, res.text);
    assertProfile(res.json, { id: bob.id, is_private: true, nickname: 'bob' });

    res = await call('PATCH', '/user/profile/', { token: alice.access, body: { status: 'sleeping' } });
    assert.equal(res.status, 400);
    assert.ok(Array.isArray(res.json.status), res.text);

    res = await call('GET', '/user/profile/', { token: alice.access });
    assert.equal(res.json.status, 'away', 'a refused update changes nothing');
  });

  test('PATCH /user/profile/ multipart: profile_picture upload is served back', async () => {
    const form = new FormData();
    form.append('profile_picture', new Blob([TINY_PNG], { type: 'image/png' }), 'me.png');
    form.append('nickname', 'Alice P');
    let res = await call('PATCH', '/user/profile/', { token: alice.access, body: form });
    assert.equal(res.status, 200, res.text);
    assertProfile(res.json, { id: alice.id, nickname: 'Alice P', bio: 'Go and SQLite' });
    const picture = res.json.profile_picture;
    assert.equal(typeof picture, 'string');
    assert.ok(picture.startsWith(`/api/files/users/${alice.id}/`), picture);
    assert.match(picture, /\.png$/);
    alice.picture = picture;

    const file = await fetch(server.url + picture);
    assert.equal(file.status, 200);
    assert.match(file.headers.get('content-type'), /^image\/png/);
    assert.deepEqual(Buffer.from(await file.arrayBuffer()), TINY_PNG);

    const thumb = await fetch(`${server.url}${picture}?thumb=100x100`);
    assert.equal(thumb.status, 200);
    assert.match(thumb.headers.get('content-type'), /^image\//);
    await thumb.arrayBuffer();

    res = await call('GET', '/user/profile/', { token: alice.access });
    assert.equal(res.json.profile_picture, picture);
  });

  test('POST /user/add-friend/: add, twice, unknown e-mail, yourself', async () => {
    let res = await call('POST', '/user/add-friend/', { token: alice.access, body: { email: carol.email } });
    assert.equal(res.status, 200, res.text);
    assert.equal(typeof res.json.message, 'string');

    res = await call('POST', '/user/add-friend/', { token: alice.access, body: { email: carol.email.toUpperCase() } });
    assert.equal(res.status, 400, `the same friend in other letter case: ${res.text}`);

    res = await call('POST', '/user/add-friend/', { token: alice.access, body: { email: carol.email } });
    assert.equal(res.status, 400, res.text);

    res = await call('POST', '/user/add-friend/', { token: alice.access, body: { email: 'ghost@e2e.test' } });
    assert.equal(res.status, 404);
    assert.deepEqual(res.json, { detail: 'User with this email does not exist.' });

    res = await call('POST', '/user/add-friend/', { token: alice.access, body: { email: alice.email } });
    assert.equal(res.status, 400, res.text);

    res = await call('POST', '/user/add-friend/', { body: { email: carol.email } });
    assert.equal(res.status, 401);
  });

  test('GET /user/friends/: my list, one direction only', async () => {
    let res = await call('GET', '/user/friends/', { token: alice.access });
    assert.equal(res.status, 200, res.text);
    assert.ok(Array.isArray(res.json));
    assert.equal(res.json.length, 1);
    const [friend] = res.json;
    for (const key of FRIEND_KEYS) assert.ok(key in friend, `friend has "${key}"`);
    assert.deepEqual(
      { id: friend.id, email: friend.email, nickname: friend.nickname, profile_picture: friend.profile_picture, status: friend.status },
      { id: carol.id, email: carol.email, nickname: 'Carol.Smith', profile_picture: null, status: 'available' },
    );

    res = await call('GET', '/user/profile/', { token: alice.access });
    assert.deepEqual(res.json.friends_emails, [carol.email]);

    // adding carol did not put alice on carol's list
    res = await call('GET', '/user/friends/', { token: carol.access });
    assert.equal(res.status, 200);
    assert.deepEqual(res.json, []);
  });

  test('GET /user/friend-profile/<id>/: public, private (403 until they add you), unknown', async () => {
    let res = await call('GET', `/user/friend-profile/${carol.id}/`, { token: alice.access });
    assert.equal(res.status, 200, res.text);
    assertProfile(res.json, { id: carol.id, email: carol.email, nickname: 'Carol.Smith', is_private: false });

    // a public account is readable by anyone signed in, friend or not
    res = await call('GET', `/user/friend-profile/${alice.id}/`, { token: carol.access });
    assert.equal(res.status, 200, res.text);
    assertProfile(res.json, { id: alice.id, nickname: 'Alice P', profile_picture: alice.picture });

    res = await call('GET', `/user/friend-profile/${bob.id}/`, { token: alice.access });
    assert.equal(res.status, 403, res.text);
    assert.deepEqual(res.json, { message: 'This account is private.' });

    // alice putting bob on HER list does not open bob's profile
    res = await call('POST', '/user/add-friend/', { token: alice.access, body: { email: bob.email } });
    assert.equal(res.status, 200, res.text);
    res = await call('GET', `/user/friend-profile/${bob.id}/`, { token: alice.access });
    assert.equal(res.status, 403, res.text);
    assert.deepEqual(res.json, { message: 'This account is private.' });

    // bob puts alice on HIS list: now she may read it
    res = await call('POST', '/user/add-friend/', { token: bob.access, body: { email: alice.email } });
    assert.equal(res.status, 200, res.text);
    res = await call('GET', `/user/friend-profile/${bob.id}/`, { token: alice.access });
    assert.equal(res.status, 200, res.text);
    assertProfile(res.json, { id: bob.id, nickname: 'bob', is_private: true, friends_emails: [alice.email] });

    // still private for carol
    res = await call('GET', `/api/user/friend-profile/${bob.id}`, { token: carol.access });
    assert.equal(res.status, 403, res.text);
    assert.deepEqual(res.json, { message: 'This account is private.' });

    res = await call('GET', '/user/friend-profile/doesnotexist123/', { token: alice.access });
    assert.equal(res.status, 404);
    assert.deepEqual(res.json, { detail: 'Not found.' });

    res = await call('GET', `/user/friend-profile/${carol.id}/`);
    assert.equal(res.status, 401);
  });

  test('GET /user/search-friends/?keyword=: case-insensitive, public fields, bounded', async () => {
    let res = await call('GET', '/user/search-friends/?keyword=CAROL', { token: alice.access });
    assert.equal(res.status, 200, res.text);
    assert.ok(Array.isArray(res.json));
    assert.deepEqual(res.json.map((u) => u.id), [carol.id]);
    const [found] = res.json;
    for (const key of FRIEND_KEYS) assert.ok(key in found, `search result has "${key}"`);
    assert.equal(found.email, carol.email);
    assert.equal(found.nickname, 'Carol.Smith');

    // every member shares the domain; the searcher is not in her own results
    res = await call('GET', '/user/search-friends/?keyword=e2e.test', { token: alice.access });
    assert.equal(res.status, 200, res.text);
    const ids = res.json.map((u) => u.id);
    assert.ok(ids.includes(carol.id));
    assert.ok(ids.includes(bob.id), 'bob is private but alice is on his list');
    assert.ok(!ids.includes(alice.id));

    res = await call('GET', '/user/search-friends/?keyword=e2e.test&page_size=1', { token: alice.access });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.length, 1);
    const page2 = await call('GET', '/user/search-friends/?keyword=e2e.test&page_size=1&page=2', { token: alice.access });
    assert.equal(page2.status, 200);
    assert.equal(page2.json.length, 1);
    assert.notEqual(page2.json[0].id, res.json[0].id);

    // LIKE wildcards in the keyword are literal
    res = await call('GET', '/user/search-friends/?keyword=%25', { token: alice.access });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json, []);

    res = await call('GET', '/user/search-friends/', { token: alice.access });
    assert.equal(res.status, 400);
    assert.ok(Array.isArray(res.json.keyword), res.text);

    res = await call('GET', '/user/search-friends/?keyword=carol');
    assert.equal(res.status, 401);
  });

  test('POST /user/delete-friend/: delete, then 404 not in list', async () => {
    let res = await call('POST', '/user/delete-friend/', { token: alice.access, body: { email: carol.email } });
    assert.equal(res.status, 200, res.text);
    assert.equal(typeof res.json.message, 'string');

    res = await call('POST', '/user/delete-friend/', { token: alice.access, body: { email: carol.email } });
    assert.equal(res.status, 404);
    assert.deepEqual(res.json, { detail: `${carol.email}님은 친구 목록에 없습니다.` });

    res = await call('GET', '/user/friends/', { token: alice.access });
    assert.deepEqual(res.json.map((f) => f.id), [bob.id]);
    res = await call('GET', '/user/profile/', { token: alice.access });
    assert.deepEqual(res.json.friends_emails, [bob.email]);
  });

  test('POST /user/logout/: the access and refresh tokens of that session stop working', async () => {
    // a second, independent session of alice
    let res = await call('POST', '/user/login/', { body: { email: alice.email, password: PASSWORD } });
    assert.equal(res.status, 200, res.text);
    const other = { access: res.json.access, refresh: res.json.refresh };
    assert.notEqual(res.json.session_id, alice.session);

    // before logout the token works on PocketBase's own record API too
    res = await call('GET', `/api/collections/users/records/${alice.id}`, { token: alice.access });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.id, alice.id);
    assert.equal(res.json.nickname, 'Alice P');

    res = await call('POST', '/user/logout/', { token: alice.access });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json, { message: '로그아웃이 완료되었습니다.' });

    res = await call('GET', '/user/profile/', { token: alice.access });
    assert.equal(res.status, 401, res.text);
    assert.equal(typeof res.json.detail, 'string');

    res = await call('POST', '/user/token/refresh/', { body: { refresh: alice.refresh } });
    assert.equal(res.status, 401, res.text);

    res = await call('POST', '/user/logout/', { token: alice.access });
    assert.equal(res.status, 401, 'logging out twice with the same token');

    // PocketBase's routes treat the revoked token as no auth at all
    res = await call('GET', `/api/collections/users/records/${alice.id}`, { token: alice.access });
    assert.equal(res.status, 404, `record view with a revoked token is a guest's view: ${res.text}`);
    assert.notEqual(res.json?.id, alice.id);
    res = await call('POST', '/api/collections/users/auth-refresh', { token: alice.access });
    assert.equal(res.status, 401, res.text);

    // the other session is untouched
    res = await call('GET', '/user/profile/', { token: other.access });
    assert.equal(res.status, 200, res.text);
    res = await call('POST', '/user/token/refresh/', { body: { refresh: other.refresh } });
    assert.equal(res.status, 200, res.text);
  });

  test('no answer carried a password hash or tokenKey', () => {
    assert.ok(calls.length > 40, `checked ${calls.length} answers`);
    for (const { where, json } of calls) assertNoSecrets(json, where);
  });
});
