// Chat end to end (SPEC "Chat" and "Realtime at scale"), against the real
// binary with the unmodified PocketBase JS SDK and a real WebSocket client.
//
// Every live transport of a room is exercised at once:
//   - the SDK's stock record subscription
//       pb.collection('messages').subscribe('*', cb, {filter: `room="<id>"`})
//   - the SDK's per-room topic
//       pb.realtime.subscribe('chat/<id>', cb)
//   - the original room WebSocket
//       ws://<host>/ws/chat/<id>/chat/?token=<access>
// and every way of sending (SDK create, REST POST /api/chat/message/, the
// WebSocket's own {"type":"chat.message"} frame, a superuser's record API
// create) must reach every one of them, exactly once.
//
// Nothing here sleeps and hopes: every wait is a deadline-bound wait for a
// condition over the events collected so far, and "nothing else arrived"
// is proved by ordering (a later message on the same ordered stream
// arrived, the earlier one did not).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import PocketBase, { ClientResponseError } from 'pocketbase';
import { EventSource } from 'eventsource';
import WebSocket from 'ws';

import { checkedApi, rejectsWith, signUp } from './helpers.mjs';
import { api, assertNoSecrets, startServer } from './server.mjs';

// Node 20 has no EventSource: the SDK's realtime client uses the global one.
global.EventSource = EventSource;

const PASSWORD = 'chat-password-12345';
const WAIT_MS = 5_000;

let server;
const cleanups = []; // run in reverse order in after(), each at most once

function onCleanup(fn) {
  let done = false;
  const once = async () => {
    if (done) return;
    done = true;
    await fn();
  };
  cleanups.push(once);
  return once;
}

before(async () => {
  server = await startServer();
});

after(async () => {
  const errors = [];
  for (const fn of cleanups.reverse()) {
    try {
      await fn();
    } catch (err) {
      errors.push(err);
    }
  }
  const died = server?.exitStatus();
  const report = died && server.diagnostics();
  await server?.stop();
  if (died) throw new Error(`the server exited during the tests: ${report}`);
  if (errors.length) throw new AggregateError(errors, `cleanup failed: ${errors.map(String).join('; ')}`);
});

// ---------------------------------------------------------------- helpers

/** Events of one listener, with deadline-bound waits over them. */
class Collector {
  constructor(name) {
    this.name = name;
    this.events = [];
    this.waiters = new Set();
  }

  push(event) {
    this.events.push(event);
    for (const w of [...this.waiters]) w();
  }

  /**
   * Resolves with predicate(events) once it is truthy; rejects after ms.
   */
  waitFor(predicate, what, ms = WAIT_MS) {
    return new Promise((resolve, reject) => {
      let timer;
      const check = () => {
        let result;
        try {
          result = predicate(this.events);
        } catch (err) {
          finish();
          reject(err);
          return;
        }
        if (result) {
          finish();
          resolve(result);
        }
      };
      const finish = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      timer = setTimeout(() => {
        finish();
        reject(new Error(`${this.name}: no ${what} within ${ms} ms; got ${JSON.stringify(this.events, null, 1)}`));
      }, ms);
      this.waiters.add(check);
      check();
    });
  }

  /** Waits for a chat.message-like event whose text is text; returns it. */
  waitForText(text, ms) {
    return this.waitFor((evs) => evs.find((e) => textOf(e) === text), `message "${text}"`, ms);
  }

  /** How many events carry the message text. */
  count(text) {
    return this.events.filter((e) => textOf(e) === text).length;
  }
}

/** The message text of a room frame or of a stock subscription event. */
function textOf(event) {
  if (event?.record) return event.record.message; // stock: {action, record}
  if (event?.type === 'chat.message') return event.message; // room frame
  return undefined;
}

/** Rejects when promise has not settled within ms. */
function deadline(promise, what, ms = WAIT_MS) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Calls probe until it returns a truthy value; rejects after ms. */
async function pollUntil(probe, what, ms = WAIT_MS) {
  const end = Date.now() + ms;
  let last;
  for (;;) {
    last = await probe();
    if (last?.ok) return last.value;
    if (Date.now() > end) throw new Error(`no ${what} within ${ms} ms; last: ${JSON.stringify(last?.value)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** api() on the test server; every JSON answer is checked for secrets. */
const call = checkedApi(() => server);

/** Registers and logs in a member through the documented REST routes. */
const member = (email, nickname) => signUp(server.url, email, PASSWORD, { nickname });

/** An SDK client signed in with a member's documented "access" token. */
function sdkFor(who) {
  const pb = new PocketBase(server.url);
  pb.autoCancellation(false);
  if (who) pb.authStore.save(who.access, null);
  onCleanup(() => pb.realtime.unsubscribe());
  return pb;
}

/** A post by who; returns its room id. */
async function postRoom(who, title) {
  const res = await call('POST', '/api/post/write/', {
    token: who.access,
    body: { title, content: `${title} body`, category: 'Programming' },
  });
  assert.equal(res.status, 201, res.text);
  assert.equal(typeof res.json.room, 'string', `the post answer names its room: ${res.text}`);
  return res.json.room;
}

/** The SDK's stock messages subscription of a room, collected. */
async function stockSubscription(pb, roomId, name) {
  const events = new Collector(name);
  const unsubscribe = await pb.collection('messages').subscribe('*', (e) => events.push(e), { filter: `room="${roomId}"` });
  events.unsubscribe = onCleanup(unsubscribe);
  return events;
}

/** The SDK's per-room topic subscription, collected. */
async function topicSubscription(pb, roomId, name) {
  const events = new Collector(name);
  const unsubscribe = await pb.realtime.subscribe(`chat/${roomId}`, (e) => events.push(e));
  events.unsubscribe = onCleanup(unsubscribe);
  return events;
}

/**
 * A room WebSocket of who. Returns {ws, frames, opened, closed}: opened
 * resolves on the upgrade, closed with {code, reason} when it ends.
 */
function roomSocket(roomId, who, name) {
  const host = new URL(server.url).host;
  const ws = new WebSocket(`ws://${host}/ws/chat/${roomId}/chat/?token=${encodeURIComponent(who.access)}`);
  const frames = new Collector(name);
  ws.on('message', (data) => {
    let frame;
    try {
      frame = JSON.parse(data.toString());
    } catch {
      frame = { unparsable: data.toString() };
    }
    frames.push(frame);
  });
  const opened = new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  opened.catch(() => {}); // reported by whoever awaits it
  const closed = new Promise((resolve) => {
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() }));
  });
  const socket = { ws, frames, opened, closed, name };
  socket.close = onCleanup(async () => {
    if (ws.readyState === WebSocket.CLOSED) return;
    ws.close(1000);
    try {
      await deadline(closed, `${name} close`);
    } catch {
      ws.terminate();
    }
  });
  return socket;
}

/** A socket that is open and registered in the room: it saw its own join. */
async function joinedSocket(roomId, who, name) {
  const s = roomSocket(roomId, who, name);
  await deadline(s.opened, `${name} open`);
  await s.frames.waitFor((fs) => fs.some((f) => isJoin(f, who)), `own chat.user.join of ${who.nickname}`);
  return s;
}

const isJoin = (f, who) => f.type === 'chat.user.join' && f.username === who.nickname;
const isLeave = (f, who) => f.type === 'chat.user.leave' && f.username === who.nickname;

async function roomAs(who, roomId) {
  return call('GET', `/api/chat/room/${roomId}/`, { token: who.access });
}

async function storedTexts(who, roomId) {
  const res = await roomAs(who, roomId);
  assert.equal(res.status, 200, res.text);
  return res.json.chat_messages.map((m) => m.message);
}

async function restSend(who, roomId, message) {
  const res = await call('POST', '/api/chat/message/', { token: who.access, body: { room: roomId, message } });
  assert.equal(res.status, 201, res.text);
  return res.json;
}

// ------------------------------------------------------------------ tests

describe('chat on every transport', () => {
  let A;
  let B;
  let C;

  before(async () => {
    A = await member('anna@chat.test', 'Anna');
    B = await member('ben@chat.test', 'Ben');
    C = await member('cleo@chat.test', 'Cleo');
  });

  test('a message sent any way reaches each transport exactly once and is stored once', async () => {
    const room = await postRoom(A, 'three transports');

    // A's socket first: it sees its own join, so the server has it registered.
    const wsA = await joinedSocket(room, A, 'A ws');
    // B: socket, room topic and stock subscription, all at once.
    const wsB = await joinedSocket(room, B, 'B ws');
    const pbB = sdkFor(B);
    const topicB = await topicSubscription(pbB, room, 'B topic');
    const stockB = await stockSubscription(pbB, room, 'B stock');
    const transports = [wsB.frames, topicB, stockB];

    const pbA = sdkFor(A);
    const viaSdk = await pbA.collection('messages').create({ room, message: 'hello via sdk' });
    assert.equal(viaSdk.sender, A.id, 'the SDK create takes the sender from the auth');
    const viaRest = await restSend(A, room, 'hello via rest');
    wsA.ws.send(JSON.stringify({ type: 'chat.message', message: 'hello via websocket' }));
    const texts = ['hello via sdk', 'hello via rest', 'hello via websocket'];

    for (const listener of transports) {
      for (const text of texts) await listener.waitForText(text);
    }
    const echo = await wsA.frames.waitForText('hello via websocket');
    assert.equal(echo.sender, A.email, 'A gets the echo of its own WebSocket message');

    // Barrier: a later message on the same ordered streams. Once it is
    // there, a duplicate of an earlier one would have been too.
    await restSend(A, room, 'barrier one');
    for (const listener of transports) await listener.waitForText('barrier one');
    for (const listener of transports) {
      for (const text of texts) assert.equal(listener.count(text), 1, `${listener.name}: "${text}" exactly once`);
    }
    for (const text of texts) assert.equal(wsA.frames.count(text), 1, `A ws: "${text}" exactly once`);

    // The frame is encoded once: the socket and the topic carry the same event.
    for (const text of texts) {
      const wsFrame = wsB.frames.events.find((f) => textOf(f) === text);
      const topicFrame = topicB.events.find((f) => textOf(f) === text);
      assert.deepEqual(topicFrame, wsFrame, `"${text}": topic and WebSocket carry the same frame`);
      assert.equal(wsFrame.type, 'chat.message');
      assert.equal(wsFrame.room, room);
      assert.equal(wsFrame.sender, A.email);
      assert.equal(wsFrame.sender_id, A.id);
      assert.equal(wsFrame.nickname, A.nickname);
      assert.equal(wsFrame.profile_picture_url, null);
      assert.equal(wsFrame.parent_chat, null);
      assert.equal(wsFrame.message_type, 'text');
      assert.match(wsFrame.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
      const stock = stockB.events.find((e) => textOf(e) === text);
      assert.equal(stock.action, 'create');
      assert.equal(stock.record.id, wsFrame.id, `"${text}": the stock event is the same record`);
      assert.equal(stock.record.room, room);
      assert.equal(stock.record.sender, A.id);
    }
    assert.equal(wsB.frames.events.find((f) => textOf(f) === 'hello via sdk').id, viaSdk.id);
    assert.equal(wsB.frames.events.find((f) => textOf(f) === 'hello via rest').id, viaRest.id);

    // Stored once each.
    const res = await roomAs(B, room);
    assert.equal(res.status, 200, res.text);
    for (const text of texts) {
      const stored = res.json.chat_messages.filter((m) => m.message === text);
      assert.equal(stored.length, 1, `"${text}" stored once: ${res.text}`);
      assert.equal(stored[0].sender, A.id);
      assert.equal(stored[0].sender_email, A.email);
      assert.equal(stored[0].id, wsB.frames.events.find((f) => textOf(f) === text).id);
    }

    // No error frames anywhere.
    for (const s of [wsA, wsB]) {
      assert.deepEqual(s.frames.events.filter((f) => f.error_type), [], `${s.name}: no error frames`);
    }

    await topicB.unsubscribe();
    await stockB.unsubscribe();
    await wsB.close();
    await wsA.close();
  });

  test('presence: one join per user, one leave when the last connection closes', async () => {
    const room = await postRoom(A, 'presence');
    const wsA = await joinedSocket(room, A, 'A ws');

    const onlineNicknames = async (who = A) => {
      const res = await roomAs(who, room);
      assert.equal(res.status, 200, res.text);
      return res.json.online_users.map((u) => u.nickname).sort();
    };
    assert.deepEqual(await onlineNicknames(), ['Anna']);

    const wsB1 = await joinedSocket(room, B, 'B ws 1');
    const join = await wsA.frames.waitFor((fs) => fs.find((f) => isJoin(f, B)), 'chat.user.join of Ben');
    assert.equal(join.user_id, B.id);
    assert.equal(join.room, room);
    assert.deepEqual(await onlineNicknames(), ['Anna', 'Ben']);
    const online = (await roomAs(A, room)).json.online_users;
    assert.deepEqual(online.find((u) => u.nickname === 'Ben').id, B.id);

    // A second connection of B: no second join. Its own message is read
    // only after it is registered, so its echo on A's socket comes after any
    // join it could have caused.
    const wsB2 = roomSocket(room, B, 'B ws 2');
    await deadline(wsB2.opened, 'B ws 2 open');
    wsB2.ws.send(JSON.stringify({ type: 'chat.message', message: 'second connection of Ben' }));
    await wsA.frames.waitForText('second connection of Ben');
    await wsB2.frames.waitForText('second connection of Ben');
    assert.equal(wsA.frames.events.filter((f) => isJoin(f, B)).length, 1, 'one join for two connections');
    assert.equal(wsB1.frames.events.filter((f) => isJoin(f, B)).length, 1, 'B ws 1 saw its join once');
    assert.equal(wsB2.frames.events.filter((f) => isJoin(f, B)).length, 0, 'no join for the second connection');

    // Close one: B stays online. Close both: one leave.
    await wsB1.close();
    assert.deepEqual(await onlineNicknames(), ['Anna', 'Ben'], 'B is online while a connection is open');
    await wsB2.close();
    await wsA.frames.waitFor((fs) => fs.some((f) => isLeave(f, B)), 'chat.user.leave of Ben');
    await pollUntil(async () => {
      const names = await onlineNicknames();
      return { ok: !names.includes('Ben'), value: names };
    }, 'online_users without Ben');
    assert.deepEqual(await onlineNicknames(B), ['Anna']);

    // Barrier on A's own stream, then count.
    wsA.ws.send(JSON.stringify({ type: 'chat.message', message: 'after Ben left' }));
    await wsA.frames.waitForText('after Ben left');
    assert.equal(wsA.frames.events.filter((f) => isLeave(f, B)).length, 1, 'exactly one leave');
    assert.equal(wsA.frames.events.filter((f) => isJoin(f, B)).length, 1, 'still exactly one join');

    await wsA.close();
    await pollUntil(async () => {
      const names = await onlineNicknames(B);
      return { ok: names.length === 0, value: names };
    }, 'an empty online_users');
  });

  test('a room without a post is private to its owner and the owner\'s friends, on every transport', async () => {
    const publicRoom = await postRoom(A, 'public room');
    let res = await call('POST', '/api/chat/room/', { token: A.access, body: { name: 'Anna and friends' } });
    assert.equal(res.status, 201, res.text);
    const privateRoom = res.json.id;
    assert.equal(res.json.owner, A.id);
    assert.equal(res.json.post, null);

    // C's stock subscriptions: one filtered on the private room, one on
    // the public room (which C may read), on one realtime connection.
    const pbC = sdkFor(C);
    const stockPrivate = await stockSubscription(pbC, privateRoom, 'C stock (private room)');
    const stockPublic = await stockSubscription(pbC, publicRoom, 'C stock (public room)');

    // The room topic is refused at subscription time, on a connected client…
    await rejectsWith(pbC.realtime.subscribe(`chat/${privateRoom}`, () => {
      throw new Error('C got an event of a room it may not read');
    }), 403, 'C subscribes to the private room topic (connected client)');
    // (the SDK keeps a refused topic; drop it so later submits do not resend it)
    await pbC.realtime.unsubscribe(`chat/${privateRoom}`);
    // …and asked again, even on a fresh client (what the SDK does after a
    // refused first subscription: it reconnects and resends), the topic is
    // quietly left out: the request goes through, no event ever comes.
    const pbC2 = sdkFor(C);
    const refusedAgain = new Collector('C again (private room topic)');
    await pbC2.realtime.subscribe(`chat/${privateRoom}`, (e) => refusedAgain.push(e));
    const publicAgain = await topicSubscription(pbC2, publicRoom, 'C again (public room topic)');

    // Unknown room topic: 404.
    const pbC3 = sdkFor(C);
    await rejectsWith(pbC3.realtime.subscribe('chat/nosuchroom1234', () => {}), 404, 'unknown room topic');
    await pbC3.realtime.unsubscribe();

    // The WebSocket closes with 4003; REST answers 403.
    const wsC = roomSocket(privateRoom, C, 'C ws (private room)');
    const { code } = await deadline(wsC.closed, 'C ws close');
    assert.equal(code, 4003, 'a room C may not read: close code 4003');
    assert.deepEqual(wsC.frames.events, [], 'no frames before the close');
    res = await roomAs(C, privateRoom);
    assert.equal(res.status, 403, res.text);
    assert.equal(typeof res.json?.detail, 'string', res.text);
    res = await call('POST', '/api/chat/message/', { token: C.access, body: { room: privateRoom, message: 'let me in' } });
    assert.equal(res.status, 403, res.text);
    const pbCRecords = sdkFor(C);
    await rejectsWith(pbCRecords.collection('messages').create({ room: privateRoom, message: 'let me in' }), 400,
      'C creates a message in the private room with the SDK');

    // A writes to the private room, then to the public one. C's stock
    // subscriptions share one ordered stream: the public message arriving
    // while the private one has not proves the private one never will.
    const wsA = await joinedSocket(privateRoom, A, 'A ws (private room)');
    await restSend(A, privateRoom, 'private one');
    await wsA.frames.waitForText('private one');
    await restSend(A, publicRoom, 'public after private one');
    await stockPublic.waitForText('public after private one');
    assert.equal(stockPrivate.count('private one'), 0, 'C\'s stock subscription got no private message');
    assert.equal(stockPublic.count('private one'), 0, 'nor did the other subscription');
    assert.deepEqual(stockPrivate.events, [], 'C\'s private-room subscription stayed silent');
    await publicAgain.waitForText('public after private one'); // the same stream as refusedAgain
    assert.deepEqual(refusedAgain.events, [], 'the repeated, quietly left out topic stayed silent');
    await pbC2.realtime.unsubscribe();
    assert.ok(!(await storedTexts(A, privateRoom)).includes('let me in'), 'C\'s attempts stored nothing');

    // A adds C to A's friends list: now C may read the room everywhere.
    res = await call('POST', '/user/add-friend/', { token: A.access, body: { email: C.email } });
    assert.equal(res.status, 200, res.text);

    res = await roomAs(C, privateRoom);
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json.chat_messages.map((m) => m.message), ['private one']);
    // (the socket first: C's first connection, so it sees its own join)
    const wsC2 = await joinedSocket(privateRoom, C, 'C ws (private room, as a friend)');
    await wsA.frames.waitFor((fs) => fs.some((f) => isJoin(f, C)), 'chat.user.join of Cleo');
    const topicC = await topicSubscription(pbC, privateRoom, 'C topic (private room)');

    await restSend(A, privateRoom, 'private two');
    await topicC.waitForText('private two');
    await wsC2.frames.waitForText('private two');
    await stockPrivate.waitForText('private two');
    assert.equal(stockPrivate.count('private one'), 0, 'the earlier message was never delivered late');

    // and C may now write there too
    wsC2.ws.send(JSON.stringify({ type: 'chat.message', message: 'thanks Anna' }));
    const fromC = await wsA.frames.waitForText('thanks Anna');
    assert.equal(fromC.sender_id, C.id);
    await topicC.waitForText('thanks Anna');

    await topicC.unsubscribe();
    await stockPrivate.unsubscribe();
    await stockPublic.unsubscribe();
    await wsC2.close();
    await wsA.close();
  });

  test('a superuser\'s record API create (dashboard) reaches the room topic', async () => {
    const room = await postRoom(A, 'dashboard');
    const pbB = sdkFor(B);
    const topicB = await topicSubscription(pbB, room, 'B topic');
    const stockB = await stockSubscription(pbB, room, 'B stock');

    const admin = sdkFor(null);
    await admin.collection('_superusers').authWithPassword(server.superuser.email, server.superuser.password);
    const created = await admin.collection('messages').create({ room, sender: A.id, message: 'from the dashboard' });
    assert.equal(created.sender, A.id, 'a superuser may set the sender');

    const frame = await topicB.waitForText('from the dashboard');
    assert.equal(frame.id, created.id);
    assert.equal(frame.sender_id, A.id);
    assert.equal(frame.sender, A.email);
    assert.equal(frame.nickname, A.nickname);
    assert.equal(frame.room, room);
    assert.equal(frame.message_type, 'text');
    const stock = await stockB.waitForText('from the dashboard');
    assert.equal(stock.record.id, created.id);

    // Barrier, then exactly once.
    await restSend(B, room, 'barrier two');
    await topicB.waitForText('barrier two');
    await stockB.waitForText('barrier two');
    assert.equal(topicB.count('from the dashboard'), 1);
    assert.equal(stockB.count('from the dashboard'), 1);
    assert.deepEqual(await storedTexts(B, room), ['from the dashboard', 'barrier two']);

    await topicB.unsubscribe();
    await stockB.unsubscribe();
    admin.authStore.clear();
  });

  test('a refused room topic does not poison the SDK client\'s later subscriptions', async () => {
    const F = await member('fern@chat.test', 'Fern');
    const G = await member('gus@chat.test', 'Gus');
    let res = await call('POST', '/api/chat/room/', { token: F.access, body: { name: 'fern alone' } });
    assert.equal(res.status, 201, res.text);
    const privateRoom = res.json.id;
    const publicRoom = await postRoom(F, 'open to all');

    const pbG = sdkFor(G);
    // the SDK keeps the refused topic in its list and sends it again
    await rejectsWith(pbG.realtime.subscribe(`chat/${privateRoom}`, () => {}), 403, 'a room G may not read');
    const topic = await topicSubscription(pbG, publicRoom, 'G topic of a public room');
    await restSend(F, publicRoom, 'public hello');
    await topic.waitForText('public hello');

    // once F befriends G, G drops the stale topic (the SDK would not send
    // an unchanged list again) and subscribes: now it is let in
    res = await call('POST', '/user/add-friend/', { token: F.access, body: { email: G.email } });
    assert.equal(res.status, 200, res.text);
    await pbG.realtime.unsubscribe(`chat/${privateRoom}`);
    const privateTopic = await topicSubscription(pbG, privateRoom, 'G topic of the private room');
    await restSend(F, privateRoom, 'now you may');
    await privateTopic.waitForText('now you may');
  });

  test('access that ends stops every transport of the real SDK at once (friend removed, then logout)', async () => {
    // D owns a room without a post; E is on D's friends list and listens
    // on the room WebSocket, the SDK's room topic and the SDK's stock
    // subscription, all with the token of one SDK login.
    const D = await member('dora@chat.test', 'Dora');
    const E = await member('emil@chat.test', 'Emil');
    let res = await call('POST', '/user/add-friend/', { token: D.access, body: { email: E.email } });
    assert.equal(res.status, 200, res.text);
    res = await call('POST', '/api/chat/room/', { token: D.access, body: { name: 'dora and friends' } });
    assert.equal(res.status, 201, res.text);
    const room = res.json.id;
    const publicRoom = await postRoom(D, 'still public');

    const pbE = sdkFor(null);
    await pbE.collection('users').authWithPassword(E.email, PASSWORD);
    const sdkLogin = { ...E, access: pbE.authStore.token };
    const wsD = await joinedSocket(room, D, 'D ws');
    const wsE = await joinedSocket(room, sdkLogin, 'E ws');
    const topicE = await topicSubscription(pbE, room, 'E topic');
    const stockE = await stockSubscription(pbE, room, 'E stock');
    const publicE = await stockSubscription(pbE, publicRoom, 'E stock of a public room');
    await restSend(D, room, 'while friends');
    for (const l of [wsE.frames, topicE, stockE]) await l.waitForText('while friends');

    // 1. D removes E from the friends list: within a second, E's socket is
    //    closed with 4003, the topic gets access_revoked and D sees E leave;
    //    the stock subscription no longer delivers D's room
    res = await call('POST', '/user/delete-friend/', { token: D.access, body: { email: E.email } });
    assert.equal(res.status, 200, res.text);
    const closed = await deadline(wsE.closed, 'E socket close', 1_000);
    assert.equal(closed.code, 4003);
    const revoked = await topicE.waitFor((evs) => evs.find((e) => e.error_type === 'access_revoked'), 'access_revoked', 1_000);
    assert.equal(revoked.code, 4003);
    assert.equal(revoked.room, room);
    // what a client does on access_revoked: drop the topic (the SDK still
    // lists it and would send it again with its next subscription change)
    await topicE.unsubscribe();
    await wsD.frames.waitFor((fs) => fs.some((f) => isLeave(f, E)), 'E leave', 1_000);
    await restSend(D, room, 'after the removal');
    await restSend(D, publicRoom, 'public barrier one');
    await publicE.waitForText('public barrier one');
    assert.equal(stockE.count('after the removal'), 0, 'the stock subscription stopped delivering the private room');

    // 2. E logs out with the SDK's token: the stock subscription of the
    //    public room stops too (the client lost its auth)
    res = await call('POST', '/user/logout/', { token: pbE.authStore.token });
    assert.equal(res.status, 200, res.text);
    await restSend(D, publicRoom, 'after the logout');
    const observer = await stockSubscription(sdkFor(D), publicRoom, 'D stock of the public room');
    await restSend(D, publicRoom, 'public barrier two');
    await observer.waitForText('public barrier two');
    assert.equal(publicE.count('after the logout'), 0, 'a logged-out SDK client still received messages');
    assert.equal(publicE.count('public barrier two'), 0, 'a logged-out SDK client still received messages');
    pbE.authStore.clear();
  });
});

// ------------------------------------------------- the chat product (issue 14)

/** The SDK's subscription to the member's own topic member/<id>, collected. */
async function memberTopic(pb, who, name) {
  const events = new Collector(name);
  const unsubscribe = await pb.realtime.subscribe(`member/${who.id}`, (e) => events.push(e));
  events.unsubscribe = onCleanup(unsubscribe);
  return events;
}

/** Whether the JSON of any event holds text. */
const mentionsText = (events, text) => events.some((e) => JSON.stringify(e).includes(text));

describe('the chat product with the real SDK, the room topic and the WebSocket', () => {
  let A;
  let B;
  let C;

  before(async () => {
    A = await member('ava@product.test', 'Ava');
    B = await member('bo@product.test', 'Bo');
    C = await member('cy@product.test', 'Cy');
  });

  test('edit and delete through the SDK reach every transport; the deleted text reaches nobody', async () => {
    const room = await postRoom(A, 'edit and delete');
    const wsB = await joinedSocket(room, B, 'B ws');
    const pbB = sdkFor(B);
    const topicB = await topicSubscription(pbB, room, 'B topic');
    const stockB = await stockSubscription(pbB, room, 'B stock');

    const pbA = sdkFor(A);
    const m = await pbA.collection('messages').create({ room, message: 'first draft' });
    for (const l of [wsB.frames, topicB, stockB]) await l.waitForText('first draft');

    const edited = await pbA.collection('messages').update(m.id, { message: 'second draft' });
    assert.equal(edited.message, 'second draft');
    assert.ok(edited.edited_at, 'edited_at is set');
    for (const l of [wsB.frames, topicB]) {
      const f = await l.waitFor((fs) => fs.find((e) => e.type === 'chat.message.edit' && e.id === m.id), 'chat.message.edit');
      assert.equal(f.message, 'second draft');
      assert.ok(f.edited_at);
    }
    await stockB.waitFor((es) => es.find((e) => e.action === 'update' && e.record.message === 'second draft'), 'the stock update event');

    // nobody changes another member's message
    await rejectsWith(pbB.collection('messages').update(m.id, { message: 'hijacked' }), 404, "B updates A's message");
    await rejectsWith(pbB.collection('messages').delete(m.id), 404, "B deletes A's message");
    const other = await call('PATCH', `/api/chat/message/${m.id}/`, { token: B.access, body: { message: 'hijacked' } });
    assert.equal(other.status, 403, other.text);

    await pbA.collection('messages').delete(m.id);
    for (const l of [wsB.frames, topicB]) {
      const f = await l.waitFor((fs) => fs.find((e) => e.type === 'chat.message.delete' && e.id === m.id), 'chat.message.delete');
      assert.equal(f.message, '');
      assert.equal(f.deleted, true);
    }
    const update = await stockB.waitFor(
      (es) => es.find((e) => e.action === 'update' && e.record.id === m.id && e.record.deleted_at),
      'the stock update event of the delete',
    );
    assert.equal(update.record.message, '');
    // the text is gone from every later answer and event
    const stored = await pbB.collection('messages').getOne(m.id);
    assert.equal(stored.message, '');
    const history = await roomAs(B, room);
    const entry = history.json.chat_messages.find((x) => x.id === m.id);
    assert.deepEqual([entry.message, entry.deleted], ['', true]);
    const afterDelete = (l) => l.events.slice(l.events.findIndex((e) => e.type === 'chat.message.delete' || e.record?.deleted_at));
    for (const l of [wsB.frames, topicB, stockB]) {
      assert.ok(!mentionsText(afterDelete(l), 'second draft'), `${l.name} saw the deleted text after the delete`);
    }
    assert.ok(!JSON.stringify(history.json).includes('second draft'), 'history still holds the deleted text');
  });

  test('reactions through the SDK and the WebSocket are live, bounded to one emoji', async () => {
    const room = await postRoom(A, 'reactions');
    const pbA = sdkFor(A);
    const topicA = await topicSubscription(pbA, room, 'A topic');
    const wsB = await joinedSocket(room, B, 'B ws');
    const m = await restSend(A, room, 'react to me');

    const pbB = sdkFor(B);
    const reaction = await pbB.collection('message_reactions').create({ message: m.id, emoji: '👍' });
    assert.equal(reaction.user, B.id, 'the reacting member comes from the auth');
    const added = await topicA.waitFor((fs) => fs.find((f) => f.type === 'chat.reaction' && f.added), 'chat.reaction added');
    assert.deepEqual(added.reactions, [{ emoji: '👍', count: 1 }]);
    assert.equal(added.user_id, B.id);

    wsB.ws.send(JSON.stringify({ type: 'chat.reaction', id: m.id, emoji: '🎉' }));
    await topicA.waitFor((fs) => fs.find((f) => f.type === 'chat.reaction' && f.emoji === '🎉'), 'the WebSocket reaction');

    await rejectsWith(pbB.collection('message_reactions').create({ message: m.id, emoji: 'ok' }), 400, 'a word is no emoji');
    await rejectsWith(pbB.collection('message_reactions').create({ message: m.id, emoji: '👍👍' }), 400, 'two emoji');
    const summary = (await roomAs(A, room)).json.chat_messages.find((x) => x.id === m.id).reactions;
    assert.deepEqual(summary.map((r) => [r.emoji, r.count, r.me]).sort(), [['🎉', 1, false], ['👍', 1, false]]);

    await pbB.collection('message_reactions').delete(reaction.id);
    await topicA.waitFor((fs) => fs.find((f) => f.type === 'chat.reaction' && f.emoji === '👍' && !f.added), 'chat.reaction removed');
  });

  test('typing reaches the others, never the typist', async () => {
    const room = await postRoom(A, 'typing');
    const wsA = await joinedSocket(room, A, 'A ws');
    const pbB = sdkFor(B);
    const topicB = await topicSubscription(pbB, room, 'B topic');
    wsA.ws.send(JSON.stringify({ type: 'chat.typing' }));
    const typing = await topicB.waitFor((fs) => fs.find((f) => f.type === 'chat.typing'), 'chat.typing');
    assert.deepEqual([typing.username, typing.user_id, typing.room], ['Ava', A.id, room]);
    // a later message on A's own ordered stream proves no typing notice came before it
    await restSend(B, room, 'after typing');
    await wsA.frames.waitForText('after typing');
    assert.ok(!wsA.frames.events.some((f) => f.type === 'chat.typing'), 'the typist got their own typing notice');
  });

  test('a mention notifies on the member topic of every device; unread counts rise and clear; markers sync', async () => {
    const room = await postRoom(A, 'mentions and unread');
    const phone = sdkFor(B);
    const laptop = sdkFor(B);
    const onPhone = await memberTopic(phone, B, 'B phone');
    const onLaptop = await memberTopic(laptop, B, 'B laptop');
    // the stock subscription of the notifications collection (own rows only, by its rules)
    const inboxB = new Collector('B notifications/*');
    onCleanup(await laptop.collection('notifications').subscribe('*', (e) => inboxB.push(e)));
    const inboxC = new Collector('C notifications/*');
    onCleanup(await sdkFor(C).collection('notifications').subscribe('*', (e) => inboxC.push(e)));
    await rejectsWith(sdkFor(C).realtime.subscribe(`member/${B.id}`, () => {}), 403, "C subscribes to B's member topic");

    const pbA = sdkFor(A);
    const m = await pbA.collection('messages').create({ room, message: 'hey @bo, look' });
    assert.deepEqual(m.mentions, [B.id]);
    for (const device of [onPhone, onLaptop]) {
      const n = await device.waitFor((fs) => fs.find((f) => f.type === 'notification'), 'the mention notification');
      assert.equal(n.notification.kind, 'mention');
      assert.equal(n.notification.message, m.id);
      assert.equal(n.unread, 1);
    }
    const created = await inboxB.waitFor((es) => es.find((e) => e.action === 'create' && e.record.kind === 'mention'), 'the stock notifications create event');
    assert.equal(created.record.message, m.id);
    const inbox = await phone.collection('notifications').getList(1, 10);
    assert.equal(inbox.totalItems, 1);
    assert.equal((await pbA.collection('notifications').getList(1, 10, { filter: `user="${B.id}"` })).totalItems, 0,
      "A cannot see B's notifications");

    let unread = await call('GET', '/api/chat/unread/', { token: B.access });
    let entry = unread.json.rooms.find((r) => r.room.id === room);
    assert.ok(entry, `the mentioned member follows the room: ${unread.text}`);
    assert.deepEqual([entry.unread, entry.mentions], [1, 1]);

    const read = await call('POST', `/api/chat/room/${room}/read/`, { token: B.access });
    assert.equal(read.status, 200, read.text);
    await onLaptop.waitFor((fs) => fs.find((f) => f.type === 'chat.read' && f.room === room && f.read_seq === m.seq), 'the marker on the other device');
    // reading the room read its mention: every bell drops to 0
    await onLaptop.waitFor((fs) => fs.find((f) => f.type === 'notifications.read' && f.unread === 0), 'the bell count on the other device');
    unread = await call('GET', '/api/chat/unread/', { token: B.access });
    entry = unread.json.rooms.find((r) => r.room.id === room);
    assert.deepEqual([entry.unread, entry.mentions], [0, 0]);

    const more = await restSend(A, room, 'one more');
    await onPhone.waitFor((fs) => fs.find((f) => f.type === 'chat.room.activity' && f.last_seq === more.seq), 'room activity');
    unread = await call('GET', '/api/chat/unread/', { token: B.access });
    assert.equal(unread.json.rooms.find((r) => r.room.id === room).unread, 1);
    // C's own mention arrives after B's: C's ordered stream proves none of B's came before it
    await restSend(A, room, 'and you, @cy');
    await inboxC.waitFor((es) => es.find((e) => e.action === 'create' && e.record.kind === 'mention'), "C's own notification");
    assert.deepEqual([...new Set(inboxC.events.map((e) => e.record.user))], [C.id], "C's stock subscription got someone else's notification");
  });

  test('a DM between friends is readable by the two only and notifies the other member', async () => {
    const add = await call('POST', '/user/add-friend/', { token: A.access, body: { email: B.email } });
    assert.equal(add.status, 200, add.text);
    const dm = await call('POST', '/api/chat/dm/', { token: B.access, body: { email: A.email } });
    assert.ok([200, 201].includes(dm.status), dm.text);
    assert.equal(dm.json.kind, 'dm');
    const again = await call('POST', '/api/chat/dm/', { token: A.access, body: { email: B.email } });
    assert.equal(again.json.id, dm.json.id, 'one room per pair');
    const stranger = await call('POST', '/api/chat/dm/', { token: C.access, body: { email: A.email } });
    assert.equal(stranger.status, 403, stranger.text);

    const pbA = sdkFor(A);
    const inboxA = await memberTopic(pbA, A, 'A member topic');
    await sdkFor(B).collection('messages').create({ room: dm.json.id, message: 'just us' });
    const n = await inboxA.waitFor((fs) => fs.find((f) => f.type === 'notification' && f.notification.kind === 'dm'), 'the DM notification');
    assert.equal(n.notification.room, dm.json.id);

    await rejectsWith(sdkFor(C).collection('rooms').getOne(dm.json.id), 404, 'C reads the DM room');
    const list = await sdkFor(C).collection('messages').getList(1, 50, { filter: `room="${dm.json.id}"` });
    assert.equal(list.totalItems, 0, 'C lists the DM messages');
    const ws = roomSocket(dm.json.id, C, 'C ws');
    assert.equal((await deadline(ws.closed, 'C refused')).code, 4003);
  });
});

// ---------------------------------------------------------- moderation (issue 11)

describe('moderation with the real SDK, the room topic and the WebSocket', () => {
  let Mod;
  let Mem;
  let Other;

  before(async () => {
    Mod = await member('mod@moderation.test', 'Mod');
    Mem = await member('mem@moderation.test', 'Mem');
    Other = await member('other@moderation.test', 'Other');
  });

  test('a mute refuses the SDK, REST and WebSocket sends at once; lifting it lets them through', async () => {
    const room = await postRoom(Mod, 'mute');
    const wsMem = await joinedSocket(room, Mem, 'Mem ws');
    const pbMem = sdkFor(Mem);
    const mute = await call('POST', `/api/chat/room/${room}/mute/`, { token: Mod.access, body: { user: Mem.id, minutes: 10, reason: 'cool down' } });
    assert.equal(mute.status, 200, mute.text);
    await wsMem.frames.waitFor((fs) => fs.find((f) => f.type === 'chat.moderation' && f.action === 'mute'), 'the mute frame');

    await rejectsWith(pbMem.collection('messages').create({ room, message: 'still here?' }), 403, 'a muted SDK create');
    const rest = await call('POST', '/api/chat/message/', { token: Mem.access, body: { room, message: 'still here?' } });
    assert.equal(rest.status, 403, rest.text);
    assert.match(rest.json.detail, /muted in this room for 10 more minutes/);
    wsMem.ws.send(JSON.stringify({ type: 'chat.message', message: 'still here?' }));
    await wsMem.frames.waitFor((fs) => fs.find((f) => f.error_type === 'muted'), 'the muted error frame');
    assert.ok(!(await storedTexts(Mod, room)).includes('still here?'), 'a muted send was stored');
    // others are not muted
    await pbMem.collection('messages').getList(1, 1, { filter: `room="${room}"` }); // still reads
    const lift = await call('DELETE', `/api/chat/room/${room}/mute/`, { token: Mod.access, body: { user: Mem.id } });
    assert.equal(lift.status, 204, lift.text);
    await pbMem.collection('messages').create({ room, message: 'back again' });
  });

  test('a ban closes the WebSocket with 4009, takes the topic away and silences the stock subscription', async () => {
    const room = await postRoom(Mod, 'ban');
    const wsMem = await joinedSocket(room, Mem, 'Mem ws');
    const pbMem = sdkFor(Mem);
    const topicMem = await topicSubscription(pbMem, room, 'Mem topic');
    const stockMem = await stockSubscription(pbMem, room, 'Mem stock');
    const wsOther = await joinedSocket(room, Other, 'Other ws');

    const ban = await call('POST', `/api/chat/room/${room}/ban/`, { token: Mod.access, body: { user: Mem.id, reason: 'spam' } });
    assert.equal(ban.status, 200, ban.text);
    assert.equal((await deadline(wsMem.closed, 'the banned WebSocket closed')).code, 4009);
    await topicMem.waitFor((fs) => fs.find((f) => f.error_type === 'access_revoked' && f.code === 4009), 'the topic revoked');
    await rejectsWith(pbMem.collection('messages').create({ room, message: 'let me in' }), [400, 403, 404], 'a banned SDK create');

    await restSend(Mod, room, 'after the ban');
    await wsOther.frames.waitForText('after the ban');
    assert.equal(stockMem.count('after the ban'), 0, 'the banned stock subscription got a message');
    await rejectsWith(pbMem.collection('rooms').getOne(room), 404, 'the banned member views the room');
    const again = roomSocket(room, Mem, 'Mem ws again');
    assert.equal((await deadline(again.closed, 'a new WebSocket refused')).code, 4009);
    const selfLift = await call('DELETE', `/api/chat/room/${room}/ban/`, { token: Mem.access, body: { user: Mem.id } });
    assert.ok([403, 404].includes(selfLift.status), `the banned member lifts their ban: ${selfLift.status}`);
  });

  test('a block hides the blocked member from the blocker alone, live and in history', async () => {
    const room = await postRoom(Mod, 'block');
    const block = await call('POST', '/user/block/', { token: Mem.access, body: { email: Other.email } });
    assert.equal(block.status, 200, block.text);
    const pbMem = sdkFor(Mem);
    const topicMem = await topicSubscription(pbMem, room, 'Mem topic');
    const stockMem = await stockSubscription(pbMem, room, 'Mem stock');
    const topicMod = await topicSubscription(sdkFor(Mod), room, 'Mod topic');

    await restSend(Other, room, 'from the blocked one');
    await restSend(Mod, room, 'from the moderator');
    await topicMod.waitForText('from the blocked one');
    for (const l of [topicMem, stockMem]) {
      await l.waitForText('from the moderator');
      assert.equal(l.count('from the blocked one'), 0, `${l.name} got the blocked member's message`);
    }
    assert.ok(!(await storedTexts(Mem, room)).includes('from the blocked one'), 'history shows the blocked member');
    assert.ok((await storedTexts(Mod, room)).includes('from the blocked one'), 'the others lose it too');
    const list = await sdkFor(Other).collection('blocks').getList(1, 10);
    assert.equal(list.totalItems, 0, 'the blocked member is told');
  });
});
