// The notification bell of the header: a live unread count (the member
// topic's "notification" and "notifications.read" frames) and a dropdown of the newest
// notifications (GET /api/notifications/), each leading to its room;
// "모두 읽음" marks them all read. One element for the page's lifetime:
// the nav re-mounts it on every navigation.
import { me, optional } from './api.js';
import { h, mount, avatar, timeAgo, toast, errorText } from './dom.js';
import { onMemberFrame } from './member.js';

const KIND_TEXT = {
  mention: '님이 회원님을 언급했습니다',
  reply: '님이 회원님의 메시지에 답장했습니다',
  friend: '님이 회원님을 친구로 추가했습니다',
  dm: '님이 메시지를 보냈습니다',
};

let count = 0;
let items = []; // the dropdown's notifications, newest first
let loadedFor = null; // user id the list was loaded for

const badge = h('span.badge.bell-count', { hidden: true, 'aria-hidden': 'true' });
const button = h('button.bell-button', {
  type: 'button', title: '알림', 'aria-label': '알림', 'aria-haspopup': 'true', 'aria-expanded': 'false',
  onclick: (ev) => { ev.stopPropagation(); toggle(); },
}, h('span.bell-icon', { 'aria-hidden': 'true' }, '🔔'), badge);
const list = h('ul.notification-list');
const readAll = h('button.link.small', { type: 'button', onclick: () => markAllRead() }, '모두 읽음');
const panel = h('div.bell-panel.card', { hidden: true, role: 'dialog', 'aria-label': '알림' },
  h('div.bell-head', {}, h('strong', {}, '알림'), readAll),
  list);
export const bell = h('div.bell', {}, button, panel);

document.addEventListener('click', (ev) => { if (!bell.contains(ev.target)) close(); });
document.addEventListener('keydown', (ev) => { if (ev.key === 'Escape') close(); });
window.addEventListener('hashchange', () => close());

function setCount(n) {
  count = Math.max(0, Number(n) || 0);
  badge.textContent = count > 99 ? '99+' : String(count);
  badge.hidden = count === 0;
  button.setAttribute('aria-label', count ? `알림 ${count}개 읽지 않음` : '알림');
  button.classList.toggle('has-unread', count > 0);
}

function close() {
  panel.hidden = true;
  button.setAttribute('aria-expanded', 'false');
}

async function toggle() {
  if (!panel.hidden) return close();
  panel.hidden = false;
  button.setAttribute('aria-expanded', 'true');
  // on a phone the panel spans the screen just below the (wrapped) header
  panel.style.top = getComputedStyle(panel).position === 'fixed' ? `${document.querySelector('.topbar').getBoundingClientRect().bottom + 6}px` : '';
  renderList(true);
  await loadList();
}

async function loadList() {
  try {
    const data = await optional('/api/notifications/', { query: { page_size: 20 } });
    if (data === null) {
      items = [];
      mount(list, h('li.empty', {}, '알림 기능을 아직 사용할 수 없습니다.'));
      return;
    }
    items = data.results || [];
    setCount(data.unread ?? count);
    renderList();
  } catch (err) {
    mount(list, h('li.empty', {}, errorText(err)));
  }
}

function renderList(loading = false) {
  if (loading && !items.length) return mount(list, h('li.loading', {}, '불러오는 중…'));
  readAll.disabled = !items.some((n) => !n.read) && count === 0;
  if (!items.length) return mount(list, h('li.empty', {}, '새 알림이 없습니다.'));
  return mount(list, items.map(item));
}

function item(n) {
  const target = n.room ? `#/chat/${n.room}${n.message ? `?m=${n.message}` : ''}` : n.kind === 'friend' ? '#/friends' : null;
  return h('li.notification', { class: n.read ? 'read' : 'unread', dataset: { id: n.id, kind: n.kind } },
    h('a', {
      href: target || '#/',
      onclick: () => { close(); if (!n.read) markRead([n.id]); },
    },
    avatar(n.actor?.profile_picture_url, n.actor?.nickname),
    h('span.what', {},
      h('span.line', {}, h('strong', {}, n.actor?.nickname || '알 수 없음'), KIND_TEXT[n.kind] || '님의 알림'),
      n.excerpt ? h('span.excerpt', {}, n.excerpt) : null,
      h('time.muted', { datetime: n.created_at }, timeAgo(n.created_at)))));
}

async function markRead(ids) {
  items = items.map((n) => (ids.includes(n.id) ? { ...n, read: true } : n));
  try {
    const r = await optional('/api/notifications/read/', { method: 'POST', body: { ids } });
    if (r) setCount(r.unread);
  } catch { /* the next frame or open refetches */ }
}

async function markAllRead() {
  try {
    const r = await optional('/api/notifications/read/', { method: 'POST', body: { all: true } });
    items = items.map((n) => ({ ...n, read: true }));
    setCount(r ? r.unread : 0);
    renderList();
  } catch (err) {
    toast(errorText(err), 'error');
  }
}

onMemberFrame((frame) => {
  if (frame.type === 'notifications.read') { // read on another device, or by reading their room
    setCount(frame.unread);
    if (!panel.hidden) loadList();
    else if (count === 0) items = items.map((n) => ({ ...n, read: true }));
    return;
  }
  if (frame.type !== 'notification') return;
  if (frame.notification && !items.some((n) => n.id === frame.notification.id)) {
    items = [frame.notification, ...items].slice(0, 20);
  }
  setCount(frame.unread ?? count + 1);
  button.classList.remove('ring');
  void button.offsetWidth; // restart the animation
  button.classList.add('ring');
  if (!panel.hidden) renderList();
});

/** A message was deleted: its excerpt goes from the list at once (the server drops it too). */
export function forgetMessage(id) {
  if (!items.some((n) => n.message === id && n.excerpt)) return;
  items = items.map((n) => (n.message === id ? { ...n, excerpt: null } : n));
  renderList();
}

/** Loads the count for the signed-in member (after each login); clears it on logout. */
export async function refreshBell() {
  const user = me();
  if (!user) { loadedFor = null; items = []; setCount(0); close(); return; }
  if (loadedFor === user.id) return;
  loadedFor = user.id;
  items = [];
  try {
    const data = await optional('/api/notifications/unread-count/');
    if (loadedFor === user.id && data) setCount(data.unread);
  } catch { /* shown as 0 until the next frame */ }
}
