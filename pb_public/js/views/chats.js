// The chat pages: #/chats lists the member's direct messages and the rooms
// they follow with live unread badges, searches the chat history and
// starts group rooms; #/chat/<id> opens one room full-size.
import { pb, api, me, optional } from '../api.js';
import { h, mount, avatar, timeAgo, toast, errorText } from '../dom.js';
import { chatPanel } from '../chat.js';
import { excerpt } from '../chat_message.js';
import { unread, onUnread, refreshUnread } from '../member.js';

// ---- room titles: a DM is named after the other member -----------------

const nicknames = new Map(); // user id → nickname, learned along the way
const dmMembers = new Map(); // dm room id → member ids

function isDM(room) {
  return room?.kind === 'dm' || Boolean(room?.dm_key) || dmMembers.has(room?.id)
    || (Array.isArray(room?.members) && room.members.length === 2 && !room.post);
}

async function learnFriends() {
  try {
    for (const f of await api('/user/friends/')) nicknames.set(f.id, f.nickname);
  } catch { /* titles fall back to the room's name */ }
}

// the members of the DM rooms given (the stock rooms list: a DM is listed to its two members only)
async function learnDMMembers(rooms) {
  const missing = rooms.filter((r) => isDM(r) && !dmMembers.has(r.id));
  for (const r of missing) if (Array.isArray(r.members)) dmMembers.set(r.id, r.members);
  const ask = missing.filter((r) => !dmMembers.has(r.id));
  if (!ask.length) return;
  try {
    const found = await pb.collection('rooms').getFullList({
      filter: ask.map((r) => pb.filter('id = {:id}', { id: r.id })).join(' || '), fields: 'id,members',
    });
    for (const r of found) dmMembers.set(r.id, r.members || []);
  } catch { /* titles fall back */ }
}

async function learnNickname(id) {
  if (!id || nicknames.has(id)) return;
  try {
    const p = await api(`/user/friend-profile/${id}/`);
    nicknames.set(id, p.nickname);
  } catch { nicknames.set(id, null); }
}

function partnerOf(room) {
  const user = me();
  const members = dmMembers.get(room.id) || room.members || [];
  return members.find((id) => id !== user?.id) || null;
}

export function roomTitle(room, lastMessage) {
  if (!room) return '채팅방';
  if (isDM(room)) {
    const partner = partnerOf(room);
    const name = (partner && nicknames.get(partner))
      || (lastMessage && lastMessage.sender !== me()?.id && lastMessage.nickname);
    if (name) return name;
    // the server names a DM after both members ("a, b"): keep the other one
    const others = (room.name || '').split(', ').filter((n) => n && n !== me()?.nickname);
    return others.join(', ') || room.name || '다이렉트 메시지';
  }
  return room.name || '채팅방';
}

async function learnTitles(rooms) {
  await Promise.all([learnFriends(), learnDMMembers(rooms)]);
  const unknown = new Set(rooms.filter(isDM).map(partnerOf).filter((id) => id && !nicknames.has(id)));
  await Promise.all([...unknown].map(learnNickname));
}

// ---- #/chats ---------------------------------------------------------------

function roomItem(entry) {
  const { room } = entry;
  const dm = isDM(room);
  const title = roomTitle(room, entry.last_message);
  const last = entry.last_message;
  const kindText = dm ? '다이렉트 메시지' : room.post ? '게시글 채팅방' : '그룹 채팅방';
  const preview = last ? `${last.nickname || ''}: ${excerpt(last, 50)}`
    : entry.last_message === null ? '아직 메시지가 없습니다.' : kindText;
  return h('li.room-item', { class: entry.unread ? 'has-unread' : '', dataset: { room: room.id } },
    h('a', { href: `#/chat/${room.id}` },
      dm ? avatar(null, title) : h('span.room-icon', { 'aria-hidden': 'true' }, room.post ? '📝' : '👥'),
      h('span.room-main', {},
        h('strong.room-title', {}, title),
        h('span.room-preview.muted', {}, preview)),
      h('span.room-side', {},
        last ? h('time.muted', { datetime: last.created_at }, timeAgo(last.created_at)) : null,
        h('span.badges', {},
          entry.mentions ? h('span.badge.mention', { title: `멘션 ${entry.mentions}개` }, '@') : null,
          entry.unread ? h('span.badge.unread', { title: `읽지 않은 메시지 ${entry.unread}개` }, entry.unread > 99 ? '99+' : String(entry.unread)) : null))));
}

function highlighted(text, q) {
  const out = [];
  const lower = text.toLowerCase();
  const needle = q.toLowerCase();
  let at = 0;
  for (let i = needle ? lower.indexOf(needle) : -1; i !== -1; i = lower.indexOf(needle, at)) {
    if (i > at) out.push(text.slice(at, i));
    out.push(h('mark', {}, text.slice(i, i + needle.length)));
    at = i + needle.length;
  }
  out.push(text.slice(at));
  return out;
}

export async function chatsView(view, ctx) {
  const params = new URLSearchParams(window.location.hash.split('?')[1] || '');
  const dmList = h('ul.room-list.dm-list', { 'aria-label': '다이렉트 메시지' });
  const roomList = h('ul.room-list.followed-list', { 'aria-label': '참여 중인 채팅방' });
  const browseList = h('ul.room-list.browse-list', { 'aria-label': '다른 채팅방' });
  const browseCard = h('section.card.rooms-card', { hidden: true }, h('h2', {}, '둘러보기'), browseList);
  const results = h('ul.search-results', { 'aria-label': '검색 결과' });
  const resultsInfo = h('p.muted.results-info', { hidden: true });
  const q = h('input', { type: 'search', name: 'q', value: params.get('q') || '', placeholder: '채팅 기록 검색 (예: 배포)', 'aria-label': '채팅 검색' });
  const roomSelect = h('select', { name: 'room', 'aria-label': '검색할 채팅방' }, h('option', { value: '' }, '모든 채팅방'));
  let allRooms = []; // every room object known here, for titles
  const wantedRoom = params.get('room') || ''; // #/chats?q=…&room=<id>: search one room

  function titleOf(id) {
    const entry = unread.rooms.get(id);
    if (entry) return roomTitle(entry.room, entry.last_message);
    const room = allRooms.find((r) => r.id === id);
    return room ? roomTitle(room) : '채팅방';
  }

  function renderRooms() {
    const entries = unread.available && unread.loaded
      ? [...unread.rooms.values()]
      : allRooms.map((room) => ({ room, unread: 0, mentions: 0 }));
    const dms = entries.filter((e) => isDM(e.room));
    const rooms = entries.filter((e) => !isDM(e.room));
    mount(dmList, dms.length ? dms.map(roomItem) : h('li.empty', {}, '아직 다이렉트 메시지가 없습니다. 친구 목록에서 💬 메시지를 눌러 보세요.'));
    mount(roomList, rooms.length ? rooms.map(roomItem) : h('li.empty', {}, '참여 중인 채팅방이 없습니다. 글의 채팅에 참여하거나 새 채팅방을 만들어 보세요.'));
    const followed = new Set(entries.map((e) => e.room.id));
    const others = allRooms.filter((r) => !followed.has(r.id) && !isDM(r)).slice(0, 10);
    browseCard.hidden = !others.length;
    mount(browseList, others.map((room) => roomItem({ room, unread: 0, mentions: 0 })));
    const selected = roomSelect.value || wantedRoom;
    mount(roomSelect, h('option', { value: '' }, '모든 채팅방'),
      entries.map((e) => h('option', { value: e.room.id, selected: e.room.id === selected }, roomTitle(e.room, e.last_message))),
      wantedRoom && !entries.some((e) => e.room.id === wantedRoom)
        ? h('option', { value: wantedRoom, selected: selected === wantedRoom }, titleOf(wantedRoom)) : null);
  }

  async function search(ev) {
    ev?.preventDefault();
    const text = q.value.trim();
    if (!text) { mount(results); resultsInfo.hidden = true; return; }
    resultsInfo.hidden = false;
    resultsInfo.textContent = '찾는 중…';
    try {
      const query = { q: text, page_size: 30 };
      const room = roomSelect.value || (ev ? '' : wantedRoom);
      if (room) query.room = room;
      const data = await optional('/api/chat/search/', { query });
      if (!ctx.current()) return;
      if (data === null) {
        resultsInfo.textContent = '채팅 검색을 아직 사용할 수 없습니다.';
        mount(results);
        return;
      }
      const found = data.results || [];
      const count = `${data.count ?? found.length}건${data.count_capped ? ' 이상' : ''}`;
      resultsInfo.textContent = found.length ? `“${text}” 검색 결과 ${count}` : `“${text}”에 대한 검색 결과가 없습니다.`;
      mount(results, found.map((m) => h('li.search-result', { dataset: { id: m.id, room: m.room } },
        h('a', { href: `#/chat/${m.room}?m=${m.id}` },
          h('span.result-meta', {},
            h('strong', {}, titleOf(m.room)),
            h('span.muted', {}, ` · ${m.nickname || ''} · `),
            h('time.muted', { datetime: m.created_at }, timeAgo(m.created_at))),
          h('span.snippet', {}, highlighted(m.message || '', text))))));
    } catch (err) {
      resultsInfo.textContent = errorText(err);
    }
  }

  const newRoomName = h('input', { name: 'name', maxlength: 100, placeholder: '예: Go 스터디', 'aria-label': '새 채팅방 이름', required: true });
  const newRoom = h('form.new-room', {
    onsubmit: async (ev) => {
      ev.preventDefault();
      const name = newRoomName.value.trim();
      if (!name) return;
      try {
        const room = await api('/api/chat/room/', { method: 'POST', body: { name } });
        window.location.hash = `#/chat/${room.id}`;
      } catch (err) { toast(errorText(err), 'error'); }
    },
  }, newRoomName, h('button.secondary', { type: 'submit' }, '만들기'));

  mount(view, h('div.chats-layout', {},
    h('div.chats-main', {},
      h('section.card.rooms-card', {}, h('h1', {}, '💬 채팅'), h('h2.section-title', {}, '다이렉트 메시지'), dmList,
        h('h2.section-title', {}, '참여 중인 채팅방'), roomList),
      browseCard),
    h('div.chats-side', {},
      h('section.card.chat-search', {}, h('h2', {}, '🔍 채팅 검색'),
        h('form.search.chat-search-form', { onsubmit: search }, q, h('button.primary', { type: 'submit' }, '검색')),
        roomSelect, resultsInfo, results),
      h('section.card', {}, h('h2', {}, '👥 새 그룹 채팅방'),
        h('p.muted', {}, '내 친구 목록에 있는 사람들이 함께 볼 수 있는 채팅방입니다.'), newRoom))));

  const [, roomsAnswer] = await Promise.all([
    refreshUnread(),
    api('/api/chat/room/', { query: { page_size: 50 } }).catch(() => []),
  ]);
  if (!ctx.current()) return null;
  allRooms = Array.isArray(roomsAnswer) ? roomsAnswer : roomsAnswer?.results || [];
  await learnTitles([...allRooms, ...[...unread.rooms.values()].map((e) => e.room)]);
  if (!ctx.current()) return null;
  renderRooms();
  if (q.value) search();

  // live: every change of the counts re-renders the lists
  const off = onUnread(async () => {
    await learnTitles([...unread.rooms.values()].map((e) => e.room));
    if (ctx.current()) renderRooms();
  });
  return () => off();
}

// ---- #/chat/<id> -------------------------------------------------------------

export async function roomView(view, ctx, id) {
  const params = new URLSearchParams(window.location.hash.split('?')[1] || '');
  const room = await api(`/api/chat/room/${id}/`);
  if (!ctx.current()) return null;
  const user = me();
  await refreshUnread();
  if (!ctx.current()) return null;
  const entry = unread.rooms.get(room.id);
  const known = { ...(entry?.room || {}), ...room, kind: room.kind || entry?.room?.kind };
  const dm = isDM(known);
  if (dm) await learnTitles([known]);
  if (!ctx.current()) return null;
  const title = roomTitle(known, entry?.last_message);
  const head = h('div.room-head', {},
    h('a.back', { href: '#/chats' }, '← 채팅 목록'),
    h('h1', {}, dm ? `💬 ${title}` : title),
    dm ? h('span.chip', {}, '다이렉트 메시지') : null,
    room.post ? h('a.button.small.secondary.post-link', { href: `#/post/${room.post}` }, '📝 게시글 보기') : null);
  const searchBox = h('input', { type: 'search', name: 'q', placeholder: '이 방에서 검색', 'aria-label': '이 채팅방에서 검색' });
  head.append(h('form.search.room-search', {
    onsubmit: (ev) => {
      ev.preventDefault();
      const text = searchBox.value.trim();
      if (text) window.location.hash = `#/chats?${new URLSearchParams({ q: text, room: room.id })}`;
    },
  }, searchBox, h('button.secondary.small', { type: 'submit', 'aria-label': '검색' }, '🔍')));
  const layout = h('div.room-layout', {}, head);
  mount(view, layout);
  let panel;
  try {
    panel = await chatPanel(room, user, { title, focusMessage: params.get('m') });
  } catch (err) {
    layout.append(h('aside.card.chat', {}, h('header', {}, h('h2', {}, '💬 실시간 채팅')),
      h('p.form-error', { role: 'alert' }, `채팅방에 연결하지 못했습니다. ${errorText(err)}`)));
    return null;
  }
  if (ctx.current()) layout.append(panel.element);
  return panel.close;
}

// ---- opening a DM (friends list) ---------------------------------------------

/** Opens (or creates) the DM room with a friend and goes there. */
export async function openDM(friend) {
  try {
    const room = await api('/api/chat/dm/', { method: 'POST', body: friend.email ? { email: friend.email } : { user: friend.id } });
    if (friend.id) nicknames.set(friend.id, friend.nickname);
    if (Array.isArray(room.members)) dmMembers.set(room.id, room.members);
    window.location.hash = `#/chat/${room.id}`;
  } catch (err) {
    toast(err?.status === 404 && !err?.response?.detail ? '다이렉트 메시지를 아직 사용할 수 없습니다.' : errorText(err), 'error');
  }
}
