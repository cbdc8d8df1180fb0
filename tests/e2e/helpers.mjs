// Helpers more than one e2e file uses, on top of server.mjs (which starts
// the binary and holds api(), assertNoSecrets and the fixture PNG).
//
//   const call = checkedApi(() => server);      // api() + assertNoSecrets
//   const ann = await signUp(server.url, 'ann@example.com', 'pass-12345', { nickname: 'Ann' });
//   await rejectsWith(pb.collection('users').authRefresh(), 401, 'authRefresh');

import assert from 'node:assert/strict';
import { ClientResponseError } from 'pocketbase';

import { api, assertNoSecrets } from './server.mjs';

/**
 * api() on the server getServer() returns (it is started in before()),
 * with every JSON answer checked for secrets; onAnswer, when given, sees
 * each (where, json) too.
 */
export function checkedApi(getServer, onAnswer) {
  return async (method, urlPath, opts) => {
    const res = await api(getServer().url, method, urlPath, opts);
    const where = `${method} ${urlPath}`;
    onAnswer?.(where, res.json);
    assertNoSecrets(res.json, where);
    return res;
  };
}

/** Registers a member through POST /user/registration/; returns the profile. */
export async function register(url, email, password, extra = {}) {
  const res = await api(url, 'POST', '/user/registration/', { body: { email, password, ...extra } });
  assert.equal(res.status, 201, res.text);
  assertNoSecrets(res.json, 'registration');
  return res.json.profile;
}

/**
 * Registers and logs a member in through the documented REST routes:
 * {email, password, nickname, id, profile, access, refresh}.
 */
export async function signUp(url, email, password, extra = {}) {
  const profile = await register(url, email, password, extra);
  const res = await api(url, 'POST', '/user/login/', { body: { email, password } });
  assert.equal(res.status, 200, res.text);
  assertNoSecrets(res.json, 'login');
  assert.equal(res.json.profile.id, profile.id);
  return {
    email, password, nickname: profile.nickname, id: profile.id, profile,
    access: res.json.access, refresh: res.json.refresh,
  };
}

/** Asserts that promise fails with the SDK's ClientResponseError of status (a number or a list). */
export async function rejectsWith(promise, status, what) {
  const statuses = [status].flat();
  await assert.rejects(promise, (err) => {
    assert.ok(err instanceof ClientResponseError, `${what}: ${err}`);
    assert.ok(statuses.includes(err.status), `${what}: status ${err.status}, expected ${statuses.join(' or ')}`);
    return true;
  });
}
