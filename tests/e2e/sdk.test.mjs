// The unmodified PocketBase JS SDK against the real binary, mixed with the
// documented REST routes: one account, one token, whichever door is used.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import PocketBase, { ClientResponseError } from 'pocketbase';

import { register as registerMember, rejectsWith } from './helpers.mjs';
import { api, assertNoSecrets, startServer } from './server.mjs';

const PASSWORD = 'sdk-password-12345';

let server;

before(async () => {
  server = await startServer();
});

after(async () => {
  const died = server?.exitStatus();
  const report = died && server.diagnostics();
  await server?.stop();
  if (died) throw new Error(`the server exited during the tests: ${report}`);
});

/** A fresh SDK client with its own in-memory auth store. */
function client() {
  const pb = new PocketBase(server.url);
  pb.autoCancellation(false);
  return pb;
}

/** Registers a member through POST /user/registration/; returns the profile. */
const register = (email, extra) => registerMember(server.url, email, PASSWORD, extra);

describe('PocketBase JS SDK', () => {
  test('authWithPassword works for a member registered through POST /user/registration/', async () => {
    const profile = await register('dana@sdk.test', { nickname: 'Dana', bio: 'SDK user' });

    const pb = client();
    const auth = await pb.collection('users').authWithPassword('dana@sdk.test', PASSWORD);
    assertNoSecrets(auth, 'authWithPassword');
    assert.ok(pb.authStore.isValid);
    assert.equal(pb.authStore.record.id, profile.id);
    assert.equal(pb.authStore.record.collectionName, 'users');

    const me = await pb.collection('users').getOne(pb.authStore.record.id);
    assertNoSecrets(me, 'getOne');
    assert.equal(me.id, profile.id);
    assert.equal(me.email, 'dana@sdk.test');
    assert.equal(me.nickname, 'Dana');
    assert.equal(me.bio, 'SDK user');
    assert.equal(me.status, 'available');
    assert.equal(me.is_private, false);

    // and the SDK's token is accepted by the documented routes
    const res = await api(server.url, 'GET', '/user/profile/', { token: pb.authStore.token });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.id, profile.id);
  });

  test('the "access" token of POST /user/login/ works in a fresh SDK client until logout', async () => {
    const profile = await register('erin@sdk.test');
    const login = await api(server.url, 'POST', '/user/login/', { body: { email: 'erin@sdk.test', password: PASSWORD } });
    assert.equal(login.status, 200, login.text);
    const { access } = login.json;

    const pb = client();
    pb.authStore.save(access, null);
    assert.ok(pb.authStore.isValid, 'the SDK takes the access token for a valid auth token');
    const me = await pb.collection('users').getOne(profile.id);
    assertNoSecrets(me, 'getOne');
    assert.equal(me.id, profile.id);
    assert.equal(me.nickname, 'erin');

    const refreshed = client();
    refreshed.authStore.save(access, null);
    const auth = await refreshed.collection('users').authRefresh();
    assertNoSecrets(auth, 'authRefresh');
    assert.equal(auth.record.id, profile.id);
    assert.equal(refreshed.authStore.record.id, profile.id);
    assert.equal(refreshed.authStore.record.email, 'erin@sdk.test');

    const logout = await api(server.url, 'POST', '/user/logout/', { token: access });
    assert.equal(logout.status, 200, logout.text);

    // the logged-out token is no auth at all for PocketBase's routes:
    // auth-refresh needs auth (401), the record is not visible to guests (404)
    const stale = client();
    stale.authStore.save(access, null);
    await rejectsWith(stale.collection('users').authRefresh(), [401], 'authRefresh after logout');
    await rejectsWith(stale.collection('users').getOne(profile.id), [404], 'getOne after logout');
    await rejectsWith(stale.collection('users').update(profile.id, { bio: 'hacked' }), [404], 'update after logout');

    const check = client();
    await check.collection('users').authWithPassword('erin@sdk.test', PASSWORD);
    const fresh = await check.collection('users').getOne(profile.id);
    assert.equal(fresh.bio, '', 'nothing was changed with the logged-out token');
  });

  test('logout also revokes a token that came from the SDK (no session)', async () => {
    await register('finn@sdk.test');
    const pb = client();
    await pb.collection('users').authWithPassword('finn@sdk.test', PASSWORD);
    const token = pb.authStore.token;

    const logout = await api(server.url, 'POST', '/user/logout/', { token });
    assert.equal(logout.status, 200, logout.text);

    const res = await api(server.url, 'GET', '/user/profile/', { token });
    assert.equal(res.status, 401, res.text);
    await rejectsWith(pb.collection('users').authRefresh(), [401], 'authRefresh after logout');
  });

  test('SDK sign-up gets the defaults: nickname from the e-mail, status "available"', async () => {
    const pb = client();
    const created = await pb.collection('users').create({
      email: 'gina.lee@sdk.test',
      password: PASSWORD,
      passwordConfirm: PASSWORD,
    });
    assertNoSecrets(created, 'create');
    assert.equal(typeof created.id, 'string');

    await pb.collection('users').authWithPassword('gina.lee@sdk.test', PASSWORD);
    const me = await pb.collection('users').getOne(created.id);
    assert.equal(me.nickname, 'gina.lee');
    assert.equal(me.status, 'available');
    assert.equal(me.is_private, false);

    // the documented routes see the same member
    const login = await api(server.url, 'POST', '/user/login/', { body: { email: 'gina.lee@sdk.test', password: PASSWORD } });
    assert.equal(login.status, 200, login.text);
    assert.equal(login.json.profile.id, created.id);
    assert.equal(login.json.profile.nickname, 'gina.lee');
    assert.equal(login.json.profile.status, 'available');

    // an SDK sign-up keeps PocketBase's default: the e-mail is hidden from others
    const other = await register('hank@sdk.test');
    const hank = await api(server.url, 'POST', '/user/login/', { body: { email: 'hank@sdk.test', password: PASSWORD } });
    const seen = await api(server.url, 'GET', `/user/friend-profile/${created.id}/`, { token: hank.json.access });
    assert.equal(seen.status, 200, seen.text);
    assert.equal(seen.json.email, null);
    assert.ok(!seen.text.includes('gina.lee@sdk.test'), 'a hidden e-mail is not in the answer');
    const search = await api(server.url, 'GET', '/user/search-friends/?keyword=gina', { token: hank.json.access });
    assert.equal(search.status, 200, search.text);
    assert.deepEqual(search.json, []);
    const viaSdk = client();
    viaSdk.authStore.save(hank.json.access, null);
    const record = await viaSdk.collection('users').getOne(created.id);
    assert.ok(!JSON.stringify(record).includes('gina.lee@sdk.test'), 'nor in the record API');
    assert.notEqual(other.id, created.id);
  });
});
