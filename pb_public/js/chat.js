// The live chat panel of a post's room: history (older pages on scroll),
// live messages and presence over the room's realtime topic, replies.
import { pb, api } from './api.js';
import { h, mount, avatar, timeAgo, toast, errorText, messageText } from './dom.js';

export async function chatPanel(room, user) {
  const known = new Map(); // message id → message
  const online = new Map((room.online_users || []).map((u) => [u.id, u.nickname]));
  let oldestId = room.chat_messages[0]?.id || null;
  let exhausted = room.chat_messages.length < 50;
  let replyTo = null;
  let closed = false; // access ended: the topic is dropped, the form disabled

  const list = h('ol.messages', { 'aria-label': '채팅 메시지' });
  const onlineList = h('ul.online');
  const replyBar = h('div.reply-bar', { hidden: true });
  // Enter sends, Shift+Enter starts a new line (code blocks in ``` fences);
  // Enter that ends an IME composition (Korean input) only ends it.
  const input = h('textarea', {
    name: 'message', rows: 1, placeholder: '메시지를 입력하세요', title: 'Enter 전송 · Shift+Enter 줄바꿈 · ``` 로 감싸면 코드 블록', autocomplete: 'off', maxlength: 2000, 'aria-label': '메시지',
    onkeydown: (ev) => {
      if (ev.key !== 'Enter' || ev.shiftKey || ev.isComposing || ev.keyCode === 229) return;
      ev.preventDefault();
      form.requestSubmit();
    },
    oninput: () => grow(),
  });
  function grow() {
    input.style.height = 'auto';
    input.style.height = `${Math.min(input.scrollHeight + 2, 160)}px`;
  }
  const sendButton = h('button.primary', { type: 'submit' }, '전송');
  const form = h('form.send', { onsubmit: send }, input, sendButton);
  const placeholder = h('li.empty-chat', {}, h('span', { 'aria-hidden': 'true' }, '💬'), h('span', {}, '아직 메시지가 없습니다.'), h('span.muted', {}, '첫 메시지를 남겨 대화를 시작해 보세요!'));

  function renderOnline() {
    mount(onlineList, [...online.entries()].sort((a, b) => a[1].localeCompare(b[1]))
      .map(([id, nick]) => h('li', { class: id === user?.id ? 'me' : '' }, h('span.dot'), nick)));
  }

  function messageItem(m) {
    const mine = user && m.sender_id === user.id;
    const parent = m.parent_chat ? known.get(m.parent_chat) : null;
    return h('li.message', { class: mine ? 'mine' : '', dataset: { id: m.id } },
      avatar(m.profile_picture_url, m.nickname),
      h('div.bubble', {},
        h('div.who', {}, h('strong', {}, m.nickname || '알 수 없음'), h('time.muted', { datetime: m.created_at }, timeAgo(m.created_at)),
          h('button.link.reply', { onclick: () => setReply(m), 'aria-label': '답장' }, '답장')),
        parent ? h('div.quote', {}, `↪ ${parent.nickname}: ${parent.message.slice(0, 60)}`) : null,
        h('div.text', {}, messageText(m.message))));
  }

  // stored messages use "sender" for the id; live frames use "sender_id"
  function normalize(m) {
    return m.type ? m : { ...m, sender_id: m.sender };
  }

  function add(m, { prepend = false } = {}) {
    m = normalize(m);
    if (known.has(m.id)) return;
    known.set(m.id, m);
    placeholder.remove();
    const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 60;
    if (prepend) list.prepend(messageItem(m));
    else list.append(messageItem(m));
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
    mount(replyBar, `↪ ${m.nickname}님에게 답장: ${m.message.slice(0, 40)} `, h('button.link', { type: 'button', onclick: () => setReply(null) }, '취소'));
    input.focus();
  }

  async function send(ev) {
    ev.preventDefault();
    const text = input.value.trim();
    if (!text || closed) return;
    input.value = '';
    grow();
    try {
      await pb.collection('messages').create({ room: room.id, message: text, parent_chat: replyTo?.id || '' });
      setReply(null);
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

  const element = h('aside.card.chat', {},
    h('header', {}, h('h2', {}, '💬 실시간 채팅'), h('span.muted.room-name', {}, room.name)),
    h('div.presence', {}, h('span.muted', {}, '접속 중'), onlineList),
    list, replyBar, form);

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
    pb.realtime.unsubscribe(topic).catch(() => {});
    online.clear();
    renderOnline();
    setReply(null);
    input.disabled = true;
    sendButton.disabled = true;
    input.placeholder = '채팅이 종료되었습니다';
    placeholder.remove();
    list.append(h('li.notice.revoked', { role: 'alert' }, REVOKED[frame.code] || REVOKED[4003]));
    list.scrollTop = list.scrollHeight;
  }

  const topic = `chat/${room.id}`;
  const unsubscribe = await pb.realtime.subscribe(topic, (frame) => {
    if (frame.error_type === 'access_revoked') revoked(frame);
    else if (closed) return;
    else if (frame.type === 'chat.message') add(frame);
    else if (frame.type === 'chat.user.join') {
      if (!online.has(frame.user_id) && frame.user_id !== user?.id) notice(`${frame.username}님이 들어왔습니다.`);
      online.set(frame.user_id, frame.username);
      renderOnline();
    } else if (frame.type === 'chat.user.leave') {
      online.delete(frame.user_id);
      notice(`${frame.username}님이 나갔습니다.`);
      renderOnline();
    }
  });
  requestAnimationFrame(() => { list.scrollTop = list.scrollHeight; });

  return { element, close: () => (closed ? undefined : unsubscribe()) };
}
