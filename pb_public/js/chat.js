// The live chat panel of a room: history (older pages on scroll), live
// messages and presence over the room's realtime topic (what was missed
// while its connection was down caught up after it), replies, edits,
// deletes, reactions, "입력 중…", @mention completion, the "새 메시지"
// divider at the read marker, and the marker kept at the newest message
// while the room is in view. Moderation: the moderator's menus (on each
// message and member name), slow mode (the indicator for everyone, the
// setting for moderators, the wait after a refusal), the muted member's
// notice, kicks and bans, messages hidden by reports.
import { pb, api, optional } from './api.js';
import { h, mount, toast, errorText } from './dom.js';
import { messageView, normalize, excerpt, applyReactionFrame } from './chat_message.js';
import { mentionCompleter, mentionDecorator } from './mentions.js';
import { refreshUnread, unread, markRead, setViewing } from './member.js';
import { forgetMessage } from './bell.js';
import { SLOW_MODES, secondsText, durationText, mod, popupMenu, memberItems } from './moderation.js';

const TYPING_SEND_EVERY = 3000; // the server drops more than one per 3 s anyway
const TYPING_SHOWN_FOR = 5000;

// the member's friends, for completion (the last list known if the fetch fails)
let friendsCache = [];
async function friends(user) {
  if (!user) return [];
  try {
    const list = await api('/user/friends/');
    friendsCache = list.map((f) => ({ id: f.id, nickname: f.nickname, hint: '친구' }));
  } catch { /* keep the last list */ }
  return friendsCache;
}

export async function chatPanel(room, user, { title, focusMessage } = {}) {
  const views = new Map(); // message id → messageView
  const known = new Map(); // message id → message (also the ones replied to)
  const online = new Map((room.online_users || []).map((u) => [u.id, u.nickname]));
  const senders = new Map(); // user id → nickname, from the messages seen
  const typing = new Map(); // user id → {nickname, until}
  let oldestId = room.chat_messages[0]?.id || null;
  let exhausted = room.chat_messages.length < 50;
  let replyTo = null;
  let closed = false; // access ended: the topic is dropped, the form disabled
  let lastTypingSent = 0;
  let typingRoute = true; // false once the server said it has no typing route
  const friendList = await friends(user);

  // what the reader may do here: the room answer's "me" (a post's room_data
  // may not carry it: ask the room once)
  let info = room;
  if (room.me === undefined && user) {
    try { info = (await optional(`/api/chat/room/${room.id}/`)) || room; } catch { info = room; }
  }
  const isModerator = Boolean(info.me?.moderator);
  const owner = info.owner || room.owner || null;
  const moderatorIds = new Set((info.moderators || []).map((m) => m.id));
  // a moderator acts on members, not on themselves or the owner; on another moderator only as the owner
  const canModerate = (id) => isModerator && Boolean(id) && id !== user?.id && id !== owner
    && (user?.id === owner || !moderatorIds.has(id));
  let slowSeconds = Number(info.slow_mode_seconds ?? room.slow_mode_seconds) || 0;
  let muted = null; // {until: Date|null, reason}
  let waitUntil = 0; // slow mode: no send before this time (ms)
  let muteTimer = null;
  let waitTimer = null;

  const list = h('ol.messages', { 'aria-label': '채팅 메시지' });
  const onlineList = h('ul.online');
  const replyBar = h('div.reply-bar', { hidden: true });
  const typingLine = h('div.typing', { 'aria-live': 'polite' });

  function candidates() {
    const out = [];
    for (const [id, nickname] of online) out.push({ id, nickname, hint: '접속 중' });
    for (const [id, nickname] of senders) out.push({ id, nickname });
    out.push(...friendList);
    return out.filter((c) => c.id !== user?.id);
  }
  function names() {
    return [...candidates().map((c) => c.nickname), user?.nickname];
  }
  // "@name" of the people known around the room; any other "@word" only
  // in a message that does mention someone (so "@Override" stays plain)
  const decorate = (m) => mentionDecorator(names(), user?.nickname, { others: m.mentions.length > 0 });

  // Enter sends, Shift+Enter starts a new line (code blocks in ``` fences);
  // Enter that ends an IME composition (Korean input) only ends it.
  const input = h('textarea', {
    name: 'message', rows: 1, placeholder: '메시지를 입력하세요', title: 'Enter 전송 · Shift+Enter 줄바꿈 · ``` 로 감싸면 코드 블록 · @닉네임 멘션', autocomplete: 'off', maxlength: 2000, 'aria-label': '메시지',
    onkeydown: (ev) => {
      if (completer.keydown(ev)) return;
      if (ev.key !== 'Enter' || ev.shiftKey || ev.isComposing || ev.keyCode === 229) return;
      ev.preventDefault();
      form.requestSubmit();
    },
    oninput: () => { grow(); sendTyping(); },
  });
  const completer = mentionCompleter(input, candidates);
  function grow() {
    input.style.height = 'auto';
    input.style.height = `${Math.min(input.scrollHeight + 2, 160)}px`;
  }
  const sendButton = h('button.primary', { type: 'submit' }, '전송');
  const form = h('form.send', { onsubmit: send }, h('div.compose', {}, completer.menu, input), sendButton);
  const muteNotice = h('div.mute-notice', { role: 'alert', hidden: true });
  const waitLine = h('div.slow-wait', { 'aria-live': 'polite', hidden: true });
  const slowIndicator = h('span.slow-indicator', { hidden: true, title: '한 사람이 메시지를 보낸 뒤 이 시간이 지나야 다음 메시지를 보낼 수 있습니다' });
  const placeholder = h('li.empty-chat', {}, h('span', { 'aria-hidden': 'true' }, '💬'), h('span', {}, '아직 메시지가 없습니다.'), h('span.muted', {}, '첫 메시지를 남겨 대화를 시작해 보세요!'));

  function renderOnline() {
    mount(onlineList, [...online.entries()].sort((a, b) => a[1].localeCompare(b[1]))
      .map(([id, nick]) => {
        const items = canModerate(id) ? memberItems(room.id, { id, nickname: nick }, { moderator: true }) : [];
        return h('li', { class: id === user?.id ? 'me' : '', dataset: { user: id } }, h('span.dot'),
          items.length ? h('button.link.member-name', {
            type: 'button', 'aria-haspopup': 'menu', title: `${nick}님 관리`,
            onclick: (ev) => popupMenu(ev.currentTarget, `${nick}님`, memberItems(room.id, { id, nickname: nick }, { moderator: canModerate(id) })),
          }, nick) : nick);
      }));
  }

  // ---- moderation: slow mode, mute ----
  function renderSlow() {
    slowIndicator.hidden = !slowSeconds;
    slowIndicator.textContent = slowSeconds ? `🐢 슬로우 모드: ${secondsText(slowSeconds)}` : '';
    if (!slowSelect) return;
    if (![...slowSelect.options].some((o) => o.value === String(slowSeconds))) slowSelect.append(h('option', { value: String(slowSeconds) }, secondsText(slowSeconds)));
    slowSelect.value = String(slowSeconds);
  }

  function renderComposer() {
    const blocked = closed || Boolean(muted);
    input.disabled = blocked;
    const waiting = !blocked && waitUntil > Date.now();
    sendButton.disabled = blocked || waiting;
    if (!closed) input.placeholder = muted ? '채팅이 제한되어 있습니다' : '메시지를 입력하세요';
    waitLine.hidden = !waiting;
    if (waiting) {
      const left = Math.ceil((waitUntil - Date.now()) / 1000);
      waitLine.textContent = `🐢 슬로우 모드: ${left}초 후에 보낼 수 있습니다`;
      sendButton.textContent = `${left}초`;
    } else sendButton.textContent = '전송';
  }

  function setWait(seconds) {
    if (!seconds || seconds <= 0) return;
    waitUntil = Math.max(waitUntil, Date.now() + seconds * 1000);
    clearInterval(waitTimer);
    waitTimer = setInterval(() => {
      if (Date.now() >= waitUntil) { clearInterval(waitTimer); waitTimer = null; }
      renderComposer();
    }, 250);
    renderComposer();
  }

  function setMuted(until, reason = '') {
    clearTimeout(muteTimer);
    const end = until ? new Date(until) : null;
    if (end && end.getTime() <= Date.now()) return clearMuted();
    muted = { until: end, reason };
    const left = end ? durationText(Math.ceil((end.getTime() - Date.now()) / 60000)) : null;
    mount(muteNotice,
      h('strong', {}, left ? `${left} 동안 채팅이 제한되었습니다` : '채팅이 제한되었습니다'),
      h('span.muted', {}, end ? ` ${end.toLocaleTimeString('ko-KR', { hour: '2-digit', minute: '2-digit' })}까지 메시지를 보낼 수 없습니다.` : ' 관리자가 풀 때까지 메시지를 보낼 수 없습니다.'),
      reason ? h('span.mute-reason', {}, `사유: ${reason}`) : null);
    muteNotice.hidden = false;
    if (end) muteTimer = setTimeout(() => { clearMuted(); notice('채팅 제한이 끝났습니다.'); }, Math.min(end.getTime() - Date.now() + 500, 2 ** 31 - 1));
    renderComposer();
    return undefined;
  }

  function clearMuted() {
    clearTimeout(muteTimer);
    muted = null;
    muteNotice.hidden = true;
    muteNotice.replaceChildren();
    renderComposer();
  }

  // the minutes in "You are muted in this room for 10 more minutes."
  function mutedFrom(err) {
    const data = err?.response || {};
    const text = String(data.detail || data.message || '');
    if (err?.status !== 403 || !/muted/i.test(text)) return false;
    let until = data.muted_until || null;
    const n = /for (\d+) more minute/i.exec(text);
    if (!until && n) until = new Date(Date.now() + Number(n[1]) * 60000).toISOString();
    setMuted(until);
    return true;
  }

  function slowFrom(err) {
    const data = err?.response || {};
    const text = String(data.detail || data.message || '');
    if (err?.status !== 429 || !/slow mode/i.test(text)) return false;
    const n = /wait (\d+) second/i.exec(text) || /(\d+)/.exec(text);
    setWait(n ? Number(n[1]) : slowSeconds || 5);
    return true;
  }

  const slowSelect = isModerator ? h('select.slow-mode-select', {
    name: 'slow_mode', 'aria-label': '슬로우 모드',
    onchange: async () => {
      const seconds = Number(slowSelect.value);
      const done = await mod.slowMode(room.id, seconds);
      if (done) { slowSeconds = seconds; }
      renderSlow();
    },
  }, SLOW_MODES.map(([s, label]) => h('option', { value: String(s) }, label))) : null;
  const modBar = isModerator ? h('div.mod-bar', {},
    h('span.mod-badge', { title: '이 채팅방의 관리자입니다' }, '🛡 관리자'),
    h('label.slow-mode', {}, h('span', {}, '슬로우 모드'), slowSelect),
    h('a.button.small.secondary.mod-link', { href: `#/moderation?room=${room.id}` }, '관리 기록·신고')) : null;

  // ---- messages ----
  const env = {
    user,
    known,
    decorate,
    room: room.id,
    moderator: () => isModerator,
    canModerate,
    onReply: (m) => setReply(m),
    onChanged: (m) => {
      // replies quoting it, and the reply bar, show the new text (or none)
      for (const v of views.values()) if (v.message.parent_chat === m.id) v.refreshQuote();
      if (replyTo?.id === m.id) setReply(m.deleted ? null : m);
    },
  };

  // caughtUp: missed while the realtime connection was down, it goes
  // before any message that came live meanwhile (by seq, the commit order)
  function add(raw, { prepend = false, caughtUp = false } = {}) {
    const m = normalize(raw);
    if (views.has(m.id)) return;
    if (m.sender_id && m.nickname) senders.set(m.sender_id, m.nickname);
    placeholder.remove();
    const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 60;
    const view = messageView(m, env);
    views.set(m.id, view);
    const later = caughtUp && [...list.querySelectorAll('.message')].find((el) => Number(el.dataset.seq) > m.seq);
    if (prepend) {
      const first = list.querySelector('.message, .divider');
      if (first) first.before(view.el); else list.prepend(view.el);
    } else if (later) later.before(view.el);
    else list.append(view.el);
    // replies already shown whose parent just arrived can quote it now
    if (prepend || caughtUp) for (const v of views.values()) if (v.message.parent_chat === m.id) v.refreshQuote();
    if (!prepend && (atBottom || m.sender_id === user?.id)) list.scrollTop = list.scrollHeight;
  }

  function notice(text) {
    list.append(h('li.notice', {}, text));
    list.scrollTop = list.scrollHeight;
  }

  function setReply(m) {
    replyTo = m;
    replyBar.hidden = !m;
    if (!m) return replyBar.replaceChildren();
    mount(replyBar, `↪ ${m.nickname}님에게 답장: ${excerpt(m, 40)} `, h('button.link', { type: 'button', onclick: () => setReply(null) }, '취소'));
    input.focus();
    return undefined;
  }

  async function send(ev) {
    ev.preventDefault();
    const text = input.value.trim();
    if (!text || closed) return;
    if (muted) { toast('채팅이 제한되어 있어 보낼 수 없습니다.', 'error'); return; }
    if (waitUntil > Date.now()) { renderComposer(); toast(`슬로우 모드: ${Math.ceil((waitUntil - Date.now()) / 1000)}초 후에 보낼 수 있습니다.`, 'error'); return; }
    const mentions = completer.mentionIds(text);
    input.value = '';
    grow();
    try {
      const body = { room: room.id, message: text, parent_chat: replyTo?.id || '' };
      if (mentions.length) body.mentions = mentions;
      await pb.collection('messages').create(body);
      setReply(null);
      completer.reset();
      lastTypingSent = 0;
      if (slowSeconds && !isModerator) setWait(slowSeconds);
    } catch (err) {
      input.value = text;
      grow();
      if (mutedFrom(err) || slowFrom(err)) return;
      toast(errorText(err), 'error');
    }
  }

  async function loadOlder() {
    if (exhausted || !oldestId) return;
    exhausted = true; // one request at a time
    const before = list.scrollHeight;
    try {
      const older = await api(`/api/chat/room/${room.id}/`, { query: { before: oldestId } });
      older.chat_messages.slice().reverse().forEach((m) => add(m, { prepend: true }));
      if (older.chat_messages.length) oldestId = older.chat_messages[0].id;
      exhausted = older.chat_messages.length < 50;
      list.scrollTop = list.scrollHeight - before;
    } catch (err) {
      exhausted = false;
      toast(errorText(err), 'error');
    }
  }
  list.addEventListener('scroll', () => { if (list.scrollTop < 40) loadOlder(); });

  // ---- catching up ----
  // The SDK reconnects by itself when its realtime connection drops,
  // follows the topic again, then says PB_CONNECT: what was sent in
  // between comes from the history, page after page after the newest
  // message shown before the drop (not after one that already came live
  // on the new connection: older ones may still be missing).
  let liveOn = pb.realtime.clientId; // the connection the last live message came on
  let newestBefore = null; // the newest message shown before that connection's first one
  const newest = () => [...views.values()].reduce((top, v) => (!top || v.message.seq > top.seq ? v.message : top), null);
  let catching = Promise.resolve(); // one catch-up at a time
  const catchUp = ({ clientId }) => {
    const from = liveOn === clientId ? newestBefore : newest();
    catching = catching.then(() => fetchMissed(from));
  };

  async function fetchMissed(from) {
    if (closed) return;
    try {
      let after = from?.id;
      while (after && !closed) {
        const page = await api(`/api/chat/room/${room.id}/`, { query: { after } });
        if (closed) return;
        page.chat_messages.forEach((m) => add(m, { caughtUp: true }));
        if (page.chat_messages.length) markReadSoon();
        after = page.chat_messages.at(-1)?.id;
      }
      if (!from) await reload();
    } catch (err) {
      // the newest message shown is unknown to the server: the latest page again
      if (err?.status === 400 && err.response?.after) await reload().catch((e) => toast(errorText(e), 'error'));
      else toast(errorText(err), 'error');
    }
  }

  async function reload() {
    const latest = await api(`/api/chat/room/${room.id}/`);
    if (closed) return;
    for (const v of views.values()) v.el.remove();
    views.clear();
    if (!latest.chat_messages.length) list.append(placeholder);
    latest.chat_messages.forEach((m) => add(m));
    oldestId = latest.chat_messages[0]?.id || null;
    exhausted = latest.chat_messages.length < 50;
  }

  // ---- typing ----
  async function sendTyping() {
    if (closed || !typingRoute || !input.value.trim()) return;
    const now = Date.now();
    if (now - lastTypingSent < TYPING_SEND_EVERY) return;
    lastTypingSent = now;
    try {
      const r = await optional(`/api/chat/room/${room.id}/typing/`, { method: 'POST' }, false);
      if (r === false) typingRoute = false;
    } catch { /* a typing notice may be lost */ }
  }

  let typingTimer = null;
  function renderTyping() {
    clearTimeout(typingTimer);
    const now = Date.now();
    for (const [id, t] of typing) if (t.until <= now) typing.delete(id);
    const nicks = [...typing.values()].map((t) => t.nickname);
    typingLine.classList.toggle('active', nicks.length > 0);
    if (!nicks.length) { typingLine.textContent = ''; return; }
    typingLine.textContent = nicks.length > 3 ? `${nicks.length}명이 입력 중…` : `${nicks.map((n) => `${n}님`).join(', ')}이 입력 중…`;
    const next = Math.min(...[...typing.values()].map((t) => t.until)) - now;
    typingTimer = setTimeout(renderTyping, Math.max(next, 100));
  }

  // ---- read marker ----
  const visible = () => document.visibilityState !== 'hidden';
  let readTimer = null;
  function markReadSoon() {
    if (closed || !visible()) return;
    clearTimeout(readTimer);
    readTimer = setTimeout(() => { if (!closed) markRead(room.id); }, 400);
  }
  const onVisible = () => { if (visible()) markReadSoon(); };
  document.addEventListener('visibilitychange', onVisible);

  function divider(readSeq) {
    if (typeof readSeq !== 'number') return null;
    const first = [...views.values()].find((v) => typeof v.message.seq === 'number' && v.message.seq > readSeq && v.message.sender_id !== user?.id);
    if (!first) return null;
    const el = h('li.divider', { role: 'separator' }, h('span', {}, '새 메시지'));
    first.el.before(el);
    return el;
  }

  const header = h('header', {}, h('h2', {}, '💬 실시간 채팅'), slowIndicator, h('span.muted.room-name', {}, title || room.name));
  const element = h('aside.card.chat', { dataset: { room: room.id }, class: isModerator ? 'moderating' : '' },
    header,
    modBar,
    h('div.presence', {}, h('span.muted', {}, '접속 중'), onlineList),
    list, typingLine, replyBar, muteNotice, waitLine, form);
  renderSlow();
  if (info.me?.muted || info.me?.muted_until) setMuted(info.me.muted_until || null);

  if (!room.chat_messages.length) list.append(placeholder);
  room.chat_messages.forEach((m) => add(m));
  renderOnline();

  // The server ends the topic with one access_revoked frame when the reader
  // may no longer read the room (removed from the owner's friends, logged
  // out, the room deleted): say so, and drop the topic on our side too —
  // the SDK would otherwise send it again with its next subscription change.
  const REVOKED = {
    4001: '로그인이 끝나 이 채팅방에 더 이상 접근할 수 없습니다. 다시 로그인해 주세요.',
    4003: '이 채팅방에 더 이상 접근할 수 없습니다.',
    4004: '채팅방이 삭제되어 더 이상 접근할 수 없습니다.',
    4008: '관리자가 회원님을 이 채팅방에서 내보냈습니다.',
    4009: '이 채팅방에서 입장이 금지되었습니다.',
  };
  function revoked(frame) {
    if (closed) return;
    closed = true;
    setViewing(room.id, false);
    pb.realtime.unsubscribe(topic).catch(() => {});
    online.clear();
    renderOnline();
    typing.clear();
    renderTyping();
    setReply(null);
    clearMuted();
    clearInterval(waitTimer);
    waitUntil = 0;
    renderComposer();
    input.placeholder = frame.code === 4009 ? '입장이 금지된 채팅방입니다' : '채팅이 종료되었습니다';
    placeholder.remove();
    list.append(h('li.notice.revoked', { role: 'alert', dataset: { code: frame.code ?? '' } }, REVOKED[frame.code] || REVOKED[4003],
      frame.code === 4008 ? h('button.small.secondary.rejoin', { type: 'button', onclick: () => window.dispatchEvent(new HashChangeEvent('hashchange')) }, '다시 들어가기') : null));
    list.scrollTop = list.scrollHeight;
  }

  function onFrame(frame) {
    if (frame.error_type === 'access_revoked') return revoked(frame);
    if (closed) return undefined;
    switch (frame.type) {
      case 'chat.message':
        if (pb.realtime.clientId !== liveOn) { liveOn = pb.realtime.clientId; newestBefore = newest(); }
        if (typing.delete(frame.sender_id)) renderTyping();
        add(frame);
        if (frame.sender_id !== user?.id) markReadSoon();
        break;
      case 'chat.message.edit':
      case 'chat.message.delete': {
        if (frame.type === 'chat.message.delete') forgetMessage(frame.id);
        // an edit frame carries the text: a message hidden by reports is shown again
        const next = frame.type === 'chat.message.edit' ? { ...frame, hidden: Boolean(frame.hidden) } : frame;
        const view = views.get(frame.id);
        if (view) view.update({ ...view.message, ...next });
        else if (known.has(frame.id)) known.set(frame.id, normalize({ ...known.get(frame.id), ...next }));
        break;
      }
      case 'chat.message.hide': {
        // its sender and the moderators still read it; everyone else sees the placeholder
        const view = views.get(frame.id);
        const old = view?.message || known.get(frame.id);
        if (!old) break;
        const keep = isModerator || old.sender_id === user?.id;
        const next = keep ? { ...old, hidden: true } : { ...old, hidden: true, message: '', reactions: [] };
        if (view) view.update(next); else known.set(frame.id, normalize(next));
        break;
      }
      case 'chat.moderation':
        moderation(frame);
        break;
      case 'chat.reaction': {
        const view = views.get(frame.id);
        if (view) view.update({ ...view.message, reactions: applyReactionFrame(view.message.reactions, frame, user?.id) });
        break;
      }
      case 'chat.typing':
        if (frame.user_id === user?.id) break;
        typing.set(frame.user_id, { nickname: frame.username || '누군가', until: Date.now() + TYPING_SHOWN_FOR });
        renderTyping();
        break;
      case 'chat.user.join':
        if (!online.has(frame.user_id) && frame.user_id !== user?.id) notice(`${frame.username}님이 들어왔습니다.`);
        online.set(frame.user_id, frame.username);
        renderOnline();
        break;
      case 'chat.user.leave':
        online.delete(frame.user_id);
        if (typing.delete(frame.user_id)) renderTyping();
        notice(`${frame.username}님이 나갔습니다.`);
        renderOnline();
        break;
      default:
    }
    return undefined;
  }

  function moderation(frame) {
    if (frame.action === 'slow_mode') {
      slowSeconds = Number(frame.slow_mode_seconds) || 0;
      renderSlow();
      notice(slowSeconds ? `슬로우 모드가 켜졌습니다: ${secondsText(slowSeconds)}에 한 번씩 보낼 수 있습니다.` : '슬로우 모드가 꺼졌습니다.');
      if (!slowSeconds) { waitUntil = 0; renderComposer(); }
    } else if (frame.user_id && frame.user_id === user?.id) {
      if (frame.action === 'mute') setMuted(frame.until || null, frame.reason || '');
      else if (frame.action === 'unmute') { clearMuted(); notice('채팅 제한이 풀렸습니다.'); }
    } else if (frame.action === 'mute' && frame.username) {
      notice(`${frame.username}님의 채팅이 제한되었습니다.`);
    }
  }

  const topic = `chat/${room.id}`;
  const unsubscribe = await pb.realtime.subscribe(topic, onFrame);
  const stopCatchingUp = await pb.realtime.subscribe('PB_CONNECT', catchUp);

  // where the reader stopped last time: a "새 메시지" divider there, then
  // the marker moves to the newest message
  await refreshUnread();
  const entry = unread.rooms.get(room.id);
  const line = entry && entry.unread > 0 ? divider(entry.read_seq) : null;
  if (!closed) setViewing(room.id, true);
  requestAnimationFrame(() => {
    const target = focusMessage && views.get(focusMessage);
    if (target) {
      target.el.scrollIntoView({ block: 'center' });
      target.el.classList.add('flash');
    } else if (line) {
      list.scrollTop = Math.max(0, line.offsetTop - list.offsetTop - 40);
    } else list.scrollTop = list.scrollHeight;
  });
  markReadSoon();

  return {
    element,
    close: () => {
      setViewing(room.id, false);
      document.removeEventListener('visibilitychange', onVisible);
      clearTimeout(readTimer);
      clearTimeout(typingTimer);
      clearTimeout(muteTimer);
      clearInterval(waitTimer);
      stopCatchingUp().catch(() => {});
      if (closed) return undefined;
      closed = true;
      return unsubscribe();
    },
  };
}
