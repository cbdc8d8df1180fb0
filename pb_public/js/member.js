// What concerns the signed-in member alone, live: their member topic
// ("member/<id>": notifications, read markers, activity in followed rooms)
// and the unread counts of the rooms they follow (GET /api/chat/unread/),
// refetched whenever the topic says something changed. One subscription
// per login, shared by the header (badges, bell) and the views.
import { pb, me, optional } from './api.js';

const frameListeners = new Set();
const unreadListeners = new Set();
let feed = null; // {userId, unsubscribe}

/** fn(frame) for every frame of the member topic; returns the off switch. */
export function onMemberFrame(fn) {
  frameListeners.add(fn);
  return () => frameListeners.delete(fn);
}

function dispatch(frame) {
  if (frame?.error_type) { // the login ended: drop the topic on our side too
    stopMemberFeed();
    return;
  }
  if (frame?.type === 'chat.room.activity' || frame?.type === 'chat.read') refreshUnread();
  for (const fn of [...frameListeners]) {
    try { fn(frame); } catch (err) { console.error(err); }
  }
}

/** Subscribes to the signed-in member's topic (again after a new login). */
export async function startMemberFeed() {
  const user = me();
  if (!user) return stopMemberFeed();
  if (feed?.userId === user.id) return undefined;
  await stopMemberFeed();
  const topic = `member/${user.id}`;
  const current = { userId: user.id, topic, unsubscribe: null };
  feed = current;
  try {
    const unsubscribe = await pb.realtime.subscribe(topic, dispatch);
    if (feed !== current) { unsubscribe().catch(() => {}); return undefined; }
    current.unsubscribe = unsubscribe;
  } catch {
    // refused (another login raced this one) or not offered: the counts still load
    pb.realtime.unsubscribe(topic).catch(() => {});
  }
  refreshUnread();
  return undefined;
}

export async function stopMemberFeed() {
  const old = feed;
  feed = null;
  unread.rooms = new Map();
  unread.total = 0;
  unread.mentions = 0;
  unread.loaded = false;
  notifyUnread();
  if (old?.unsubscribe) await old.unsubscribe().catch(() => {});
}

// ---- unread counts -------------------------------------------------------

/** room id → {room, unread, mentions, read_seq, last_seq, last_message}; totals. */
export const unread = { rooms: new Map(), total: 0, mentions: 0, loaded: false, available: true };

/** fn(unread) whenever the counts change; returns the off switch. */
export function onUnread(fn) {
  unreadListeners.add(fn);
  return () => unreadListeners.delete(fn);
}

function notifyUnread() {
  for (const fn of [...unreadListeners]) {
    try { fn(unread); } catch (err) { console.error(err); }
  }
}

// rooms on screen right now: their new messages are being read as they
// come, so a refetch between a message and its read marker shows them read
const viewing = new Set();

/** Marks roomId as on screen (true) or not (false). */
export function setViewing(roomId, on) {
  if (on) viewing.add(roomId); else viewing.delete(roomId);
}

function applyViewing() {
  if (document.visibilityState === 'hidden') return;
  for (const id of viewing) {
    const entry = unread.rooms.get(id);
    if (!entry?.unread) continue;
    unread.total = Math.max(0, unread.total - entry.unread);
    unread.mentions = Math.max(0, unread.mentions - (entry.mentions || 0));
    unread.rooms.set(id, { ...entry, unread: 0, mentions: 0, read_seq: entry.last_seq });
  }
}

let inflight = null;
let again = false;

/**
 * Refetches the counts; calls made while one fetch runs are folded into
 * one more fetch after it. Resolves once the counts are current.
 */
export function refreshUnread() {
  if (!me()) return Promise.resolve(unread);
  if (inflight) { again = true; return inflight; }
  inflight = (async () => {
    do {
      again = false;
      try {
        const data = await optional('/api/chat/unread/');
        if (!me()) break;
        if (data === null) { unread.available = false; break; }
        unread.available = true;
        unread.rooms = new Map((data.rooms || []).map((r) => [r.room.id, r]));
        unread.total = data.unread || 0;
        unread.mentions = data.mentions || 0;
        unread.loaded = true;
        applyViewing();
        notifyUnread();
      } catch { /* offline for a moment: the next frame refetches */ }
    } while (again);
    inflight = null;
    return unread;
  })();
  return inflight;
}

/** Marks a room read up to its newest message (the counts follow from the topic). */
export async function markRead(roomId) {
  try {
    await optional(`/api/chat/room/${roomId}/read/`, { method: 'POST' });
  } catch { /* e.g. access just ended: nothing to mark */ }
  const entry = unread.rooms.get(roomId);
  if (entry && entry.unread) { // show it at once; the refetch confirms
    unread.total = Math.max(0, unread.total - entry.unread);
    unread.mentions = Math.max(0, unread.mentions - (entry.mentions || 0));
    unread.rooms.set(roomId, { ...entry, unread: 0, mentions: 0, read_seq: entry.last_seq });
    notifyUnread();
  }
  refreshUnread();
}
