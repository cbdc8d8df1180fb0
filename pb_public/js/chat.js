// The live chat panel of a post's room: history (older pages on scroll),
// live messages and presence over the room's realtime topic, replies.
import { pb, api } from './api.js';
import { h, mount, avatar, timeAgo, toast, errorText } from './dom.js';

export async function chatPanel(room, user) {
  const known = new Map(); // message id → message
  const online = new Map((room.online_users || []).map((u) => [u.id, u.nickname]));
  let oldestId = room.chat_messages[0]?.id || null;
  let exhausted = room.chat_messages.length < 50;
  let replyTo = null;

  const list = h('ol.messages', { 'aria-label': '채팅 메시지' });
  const onlineList = h('ul.online');
  const replyBar = h('div.reply-bar', { hidden: true });
  const input = h('input', { name: 'message', placeholder: '메시지를 입력하세요', autocomplete: 'off', maxlength: 2000, 'aria-label': '메시지' });
  const form = h('form.send', { onsubmit: send }, input, h('button.primary', { type: 'submit' }, '전송'));

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
        h('p.text', {}, m.message)));
  }

  // stored messages use "sender" for the id; live frames use "sender_id"
  function normalize(m) {
    return m.type ? m : { ...m, sender_id: m.sender };
  }

  function add(m, { prepend = false } = {}) {
    m = normalize(m);
    if (known.has(m.id)) return;
    known.set(m.id, m);
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
    if (!text) return;
    input.value = '';
    try {
      await pb.collection('messages').create({ room: room.id, message: text, parent_chat: replyTo?.id || '' });
      setReply(null);
    } catch (err) {
      input.value = text;
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
    h('header', {}, h('h2', {}, '💬 실시간 채팅'), h('span.muted', {}, room.name)),
    h('div.presence', {}, h('span.muted', {}, '접속 중'), onlineList),
    list, replyBar, form);

  room.chat_messages.forEach((m) => add(m));
  renderOnline();

  const unsubscribe = await pb.realtime.subscribe(`chat/${room.id}`, (frame) => {
    if (frame.type === 'chat.message') add(frame);
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

  return { element, close: unsubscribe };
}
