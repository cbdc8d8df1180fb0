// The live chat panel of a room: history (older pages on scroll), live
// messages and presence over the room's realtime topic, replies, edits,
// deletes, reactions, "입력 중…", @mention completion, the "새 메시지"
// divider at the read marker, and the marker kept at the newest message
// while the room is in view.
import { pb, api, optional } from './api.js';
import { h, mount, toast, errorText } from './dom.js';
import { messageView, normalize, excerpt, applyReactionFrame } from './chat_message.js';
import { mentionCompleter, mentionDecorator } from './mentions.js';
import { refreshUnread, unread, markRead, setViewing } from './member.js';
import { forgetMessage } from './bell.js';

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
  const placeholder = h('li.empty-chat', {}, h('span', { 'aria-hidden': 'true' }, '💬'), h('span', {}, '아직 메시지가 없습니다.'), h('span.muted', {}, '첫 메시지를 남겨 대화를 시작해 보세요!'));

  function renderOnline() {
    mount(onlineList, [...online.entries()].sort((a, b) => a[1].localeCompare(b[1]))
      .map(([id, nick]) => h('li', { class: id === user?.id ? 'me' : '' }, h('span.dot'), nick)));
  }

  // ---- messages ----
  const env = {
    user,
    known,
    decorate,
    onReply: (m) => setReply(m),
    onChanged: (m) => {
      // replies quoting it, and the reply bar, show the new text (or none)
      for (const v of views.values()) if (v.message.parent_chat === m.id) v.refreshQuote();
      if (replyTo?.id === m.id) setReply(m.deleted ? null : m);
    },
  };

  function add(raw, { prepend = false } = {}) {
    const m = normalize(raw);
    if (views.has(m.id)) return;
    if (m.sender_id && m.nickname) senders.set(m.sender_id, m.nickname);
    placeholder.remove();
    const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 60;
    const view = messageView(m, env);
    views.set(m.id, view);
    if (prepend) {
      const first = list.querySelector('.message, .divider');
      if (first) first.before(view.el); else list.prepend(view.el);
      // replies already shown whose parent just arrived can quote it now
      for (const v of views.values()) if (v.message.parent_chat === m.id) v.refreshQuote();
    } else list.append(view.el);
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
    } catch (err) {
      input.value = text;
      grow();
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

  const header = h('header', {}, h('h2', {}, '💬 실시간 채팅'), h('span.muted.room-name', {}, title || room.name));
  const element = h('aside.card.chat', { dataset: { room: room.id } },
    header,
    h('div.presence', {}, h('span.muted', {}, '접속 중'), onlineList),
    list, typingLine, replyBar, form);

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
    input.disabled = true;
    sendButton.disabled = true;
    input.placeholder = '채팅이 종료되었습니다';
    placeholder.remove();
    list.append(h('li.notice.revoked', { role: 'alert' }, REVOKED[frame.code] || REVOKED[4003]));
    list.scrollTop = list.scrollHeight;
  }

  function onFrame(frame) {
    if (frame.error_type === 'access_revoked') return revoked(frame);
    if (closed) return undefined;
    switch (frame.type) {
      case 'chat.message':
        if (typing.delete(frame.sender_id)) renderTyping();
        add(frame);
        if (frame.sender_id !== user?.id) markReadSoon();
        break;
      case 'chat.message.edit':
      case 'chat.message.delete': {
        if (frame.type === 'chat.message.delete') forgetMessage(frame.id);
        const view = views.get(frame.id);
        if (view) view.update({ ...view.message, ...frame });
        else if (known.has(frame.id)) known.set(frame.id, normalize({ ...known.get(frame.id), ...frame }));
        break;
      }
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

  const topic = `chat/${room.id}`;
  const unsubscribe = await pb.realtime.subscribe(topic, onFrame);

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
      if (closed) return undefined;
      closed = true;
      return unsubscribe();
    },
  };
}
