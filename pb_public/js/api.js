// The one PocketBase SDK client of the page, and small wrappers over the
// documented REST routes (pb.send adds the auth header).
import PocketBase from 'pocketbase';

export const pb = new PocketBase(window.location.origin);
pb.autoCancellation(false);

export function me() {
  return pb.authStore.isValid ? pb.authStore.record : null;
}

export function api(path, { method = 'GET', body, query } = {}) {
  const options = { method, query };
  if (body instanceof FormData) options.body = body;
  else if (body !== undefined) {
    options.body = JSON.stringify(body);
    options.headers = { 'Content-Type': 'application/json' };
  }
  return pb.send(path, options);
}

export async function signIn(email, password) {
  await pb.collection('users').authWithPassword(email, password);
}

export async function signUp({ email, password, nickname }) {
  await pb.collection('users').create({ email, password, passwordConfirm: password, nickname, emailVisibility: true });
  await signIn(email, password);
}

export async function signOut() {
  try {
    await api('/user/logout/', { method: 'POST' }); // revokes this token server-side
  } finally {
    pb.realtime.unsubscribe();
    pb.authStore.clear();
  }
}

// A route of the chat product that this server may not have yet (or a
// feature switched off): a 404/405/501 answers `fallback` instead of
// failing, so the page works without it. Other errors still throw.
export async function optional(path, options, fallback = null) {
  try {
    return await api(path, options);
  } catch (err) {
    if ([404, 405, 501].includes(err?.status) && !err?.response?.detail) return fallback;
    throw err;
  }
}
