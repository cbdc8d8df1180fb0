// Moderation and member safety on the client: the documented routes
// (mute, kick, ban, slow mode, a moderator's delete, reports, blocks, the
// log and a message's history), a small modal (asking for a reason) and
// the pop-up menus of a message and of a member's name. A route this
// server does not have yet answers quietly ("아직 사용할 수 없습니다").
import { pb, api, me, optional } from './api.js';
import { h, mount, toast, errorText, timeAgo } from './dom.js';

export const MOD_DELETED_TEXT = '관리자가 삭제한 메시지입니다';
export const HIDDEN_TEXT = '신고로 가려진 메시지입니다';
export const SLOW_MODES = [[0, '끔'], [10, '10초'], [30, '30초'], [60, '1분'], [300, '5분']];
export const MUTES = [[10, '10분'], [60, '1시간'], [1440, '1일']];

/** "10분", "1시간", "1일" — a duration in minutes, in Korean. */
export function durationText(minutes) {
  const m = Math.max(1, Math.round(minutes));
  if (m % 1440 === 0) return `${m / 1440}일`;
  if (m >= 60 && m % 60 === 0) return `${m / 60}시간`;
  return `${m}분`;
}

/** "30초", "1분", "5분" — slow mode's interval. */
export function secondsText(s) {
  if (s >= 60 && s % 60 === 0) return `${s / 60}분`;
  return `${s}초`;
}

// a 404 without a detail: the route is not on this server (yet)
const missing = (err) => err?.status === 404 && !err?.response?.detail && !err?.response?.message;

/** Runs a moderation request; a toast on failure. Resolves to the answer, or undefined. */
async function act(fn, done) {
  try {
    const r = await fn();
    if (done) toast(done);
    return r ?? true;
  } catch (err) {
    toast(missing(err) ? '관리 기능을 아직 사용할 수 없습니다.' : errorText(err), 'error');
    return undefined;
  }
}

// ---- the routes -----------------------------------------------------------

export const mod = {
  mute: (room, user, minutes, reason) => act(() => api(`/api/chat/room/${room}/mute/`, { method: 'POST', body: { user, reason: reason || '', ...(minutes ? { minutes } : {}) } }),
    `${minutes ? durationText(minutes) : '기한 없이'} 채팅을 제한했습니다.`),
  unmute: (room, user) => act(() => api(`/api/chat/room/${room}/mute/`, { method: 'DELETE', body: { user } }), '채팅 제한을 풀었습니다.'),
  kick: (room, user, reason) => act(() => api(`/api/chat/room/${room}/kick/`, { method: 'POST', body: { user, reason: reason || '' } }), '채팅방에서 내보냈습니다.'),
  ban: (room, user, minutes, reason) => act(() => api(`/api/chat/room/${room}/ban/`, { method: 'POST', body: { user, reason: reason || '', ...(minutes ? { minutes } : {}) } }),
    minutes ? `${durationText(minutes)} 동안 입장을 금지했습니다.` : '영구히 입장을 금지했습니다.'),
  unban: (room, user) => act(() => api(`/api/chat/room/${room}/ban/`, { method: 'DELETE', body: { user } }), '입장 금지를 풀었습니다.'),
  slowMode: (room, seconds) => act(() => api(`/api/chat/room/${room}/`, { method: 'PATCH', body: { slow_mode_seconds: seconds } }),
    seconds ? `슬로우 모드를 ${secondsText(seconds)}로 설정했습니다.` : '슬로우 모드를 껐습니다.'),
  deleteMessage: (id) => act(() => api(`/api/chat/message/${id}/`, { method: 'DELETE' }), '메시지를 삭제했습니다.'),
  report: (id, reason) => act(() => api(`/api/chat/message/${id}/report/`, { method: 'POST', body: { reason } }), '신고했습니다. 관리자가 확인할 거예요.'),
  resolve: (id, body) => act(() => api(`/api/moderation/reports/${id}/resolve/`, { method: 'POST', body }), '처리했습니다.'),
  block: (email) => act(() => api('/user/block/', { method: 'POST', body: { email } }), '차단했습니다. 이 사람의 메시지는 더 이상 보이지 않습니다.'),
};

/** Unblocks a member of GET /user/blocked/ ({id, nickname}, no e-mail): the own blocks row goes. */
export async function unblock(member) {
  return act(async () => {
    if (member.email) return api('/user/unblock/', { method: 'POST', body: { email: member.email } });
    const row = await pb.collection('blocks').getFirstListItem(pb.filter('blocked = {:id}', { id: member.id }));
    return pb.collection('blocks').delete(row.id);
  }, '차단을 해제했습니다.');
}

/** The members I blocked, or null when this server has no blocks yet. */
export function blockedList() {
  return optional('/user/blocked/', {}, null);
}

// ---- the modal --------------------------------------------------------------

/**
 * A modal dialog. body: nodes; actions: [{label, value, kind}] (the first
 * "primary" one submits). Resolves to the value of the button pressed, or
 * null when dismissed (Esc, 취소, a click outside).
 */
export function modal({ title, body = [], actions = [{ label: '닫기', value: null, kind: 'secondary' }], className = '' }) {
  return new Promise((resolve) => {
    const dialog = h('dialog.modal', { class: className, 'aria-label': title });
    let result = null;
    const form = h('form', { method: 'dialog', onsubmit: (ev) => { ev.preventDefault(); const v = ev.submitter?.value; result = v === undefined || v === '' ? result : v; close(); } },
      h('h2', {}, title),
      h('div.modal-body', {}, body),
      h('div.modal-actions', {}, actions.map((a) => h(`button.${a.kind || 'secondary'}`, {
        type: a.kind === 'primary' || a.kind === 'danger' ? 'submit' : 'button',
        value: a.value ?? '',
        dataset: { action: String(a.value ?? 'cancel') },
        onclick: a.kind === 'primary' || a.kind === 'danger' ? undefined : () => { result = a.value ?? null; close(); },
      }, a.label))));
    dialog.append(form);
    function close() {
      if (dialog.open) dialog.close();
    }
    dialog.addEventListener('close', () => { dialog.remove(); resolve(result); });
    dialog.addEventListener('click', (ev) => { if (ev.target === dialog) close(); }); // the backdrop
    document.body.append(dialog);
    dialog.showModal();
    (dialog.querySelector('textarea, input, select') || dialog.querySelector('.modal-actions button:last-child'))?.focus();
  });
}

/**
 * Asks for a reason: resolves to the text ("" when left empty and not
 * required), or null when cancelled.
 */
export async function askReason({ title, what, confirm = '확인', required = false, danger = false, placeholder = '사유 (선택)' }) {
  const area = h('textarea', { name: 'reason', rows: 3, maxlength: 500, placeholder, required, 'aria-label': '사유' });
  const value = await modal({
    title,
    className: 'reason-modal',
    body: [what ? h('p.muted', {}, what) : null, area],
    actions: [{ label: '취소', value: null }, { label: confirm, value: 'ok', kind: danger ? 'danger' : 'primary' }],
  });
  return value === 'ok' ? area.value.trim() : null;
}

// ---- pop-up menus -------------------------------------------------------------

let openMenu = null;
function closeMenu() {
  openMenu?.remove();
  openMenu = null;
  document.removeEventListener('click', outside, true);
  document.removeEventListener('keydown', escape);
  window.removeEventListener('resize', closeMenu);
}
function outside(ev) { if (openMenu && !openMenu.contains(ev.target)) closeMenu(); }
function escape(ev) { if (ev.key === 'Escape') closeMenu(); }
window.addEventListener('hashchange', closeMenu);

/**
 * Opens a menu of items [{label, run, danger, action}] or group titles
 * ("string") under anchor, kept inside the screen.
 */
export function popupMenu(anchor, title, items) {
  closeMenu();
  const list = items.filter(Boolean);
  if (!list.length) return;
  const menu = h('div.popup-menu', { role: 'menu', 'aria-label': title },
    h('div.popup-title', {}, title),
    list.map((it) => (typeof it === 'string'
      ? h('div.popup-group', {}, it)
      : h('button', {
        type: 'button', role: 'menuitem', class: it.danger ? 'danger-item' : '', dataset: { action: it.action || '' },
        onclick: () => { closeMenu(); it.run(); },
      }, it.label))));
  document.body.append(menu);
  const r = anchor.getBoundingClientRect();
  const width = menu.offsetWidth;
  const height = menu.offsetHeight;
  const left = Math.max(8, Math.min(r.left, window.innerWidth - width - 8));
  const below = r.bottom + 4 + height < window.innerHeight;
  menu.style.left = `${left + window.scrollX}px`;
  menu.style.top = `${(below ? r.bottom + 4 : Math.max(8, r.top - height - 4)) + window.scrollY}px`;
  openMenu = menu;
  setTimeout(() => document.addEventListener('click', outside, true));
  document.addEventListener('keydown', escape);
  window.addEventListener('resize', closeMenu);
  menu.querySelector('button')?.focus();
}

/**
 * The menu items about a member of a room. member: {id, nickname, email?};
 * moderator: whether I moderate the room.
 */
export function memberItems(roomId, member, { moderator }) {
  const user = me();
  if (!member?.id || member.id === user?.id) return [];
  const who = `${member.nickname || '이 회원'}님`;
  const items = [];
  if (moderator) {
    items.push('채팅 제한 (뮤트)');
    for (const [minutes, label] of MUTES) {
      items.push({
        label: `${label} 뮤트`, action: `mute-${minutes}`,
        run: async () => {
          const reason = await askReason({ title: `${who} ${label} 뮤트`, what: `${label} 동안 이 방에서 메시지를 보낼 수 없게 됩니다.`, confirm: '뮤트' });
          if (reason !== null) mod.mute(roomId, member.id, minutes, reason);
        },
      });
    }
    items.push({ label: '뮤트 해제', action: 'unmute', run: () => mod.unmute(roomId, member.id) });
    items.push('내보내기 · 입장 금지');
    items.push({
      label: '내보내기', action: 'kick', danger: true,
      run: async () => {
        const reason = await askReason({ title: `${who} 내보내기`, what: '지금 연결이 끊깁니다. 다시 들어올 수는 있습니다.', confirm: '내보내기', danger: true });
        if (reason !== null) mod.kick(roomId, member.id, reason);
      },
    });
    for (const [minutes, label] of [[1440, '1일'], [0, '영구']]) {
      items.push({
        label: `입장 금지 ${label}`, action: `ban-${minutes || 'forever'}`, danger: true,
        run: async () => {
          const reason = await askReason({ title: `${who} 입장 금지 (${label})`, what: minutes ? '하루 동안 이 방을 볼 수 없게 됩니다.' : '관리자가 풀 때까지 이 방을 볼 수 없게 됩니다.', confirm: '입장 금지', danger: true });
          if (reason !== null) mod.ban(roomId, member.id, minutes || null, reason);
        },
      });
    }
  }
  if (member.email) {
    items.push('나');
    items.push({
      label: '차단', action: 'block', danger: true,
      run: async () => {
        const ok = await modal({
          title: `${who}을 차단할까요?`,
          body: h('p.muted', {}, '차단한 사람의 메시지와 반응은 보이지 않고, 상대는 나를 멘션하거나 DM을 보낼 수 없습니다. 상대에게는 알리지 않습니다. 프로필에서 언제든 해제할 수 있습니다.'),
          actions: [{ label: '취소', value: null }, { label: '차단', value: 'ok', kind: 'danger' }],
        });
        if (ok === 'ok') mod.block(member.email);
      },
    });
  }
  return items;
}

// ---- a message's history --------------------------------------------------------

export async function showHistory(message) {
  let versions;
  try {
    versions = await api(`/api/chat/message/${message.id}/history/`);
  } catch (err) {
    toast(missing(err) ? '수정 기록을 아직 볼 수 없습니다.' : errorText(err), 'error');
    return;
  }
  const rows = (versions || []).map((v) => h('li.version', {},
    h('div.version-meta.muted', {}, v.change === 'delete' ? '삭제 전 내용' : '수정 전 내용', ' · ',
      h('time', { datetime: v.created_at, title: new Date(v.created_at).toLocaleString('ko-KR') }, timeAgo(v.created_at))),
    h('div.version-text', {}, v.text || '')));
  if (message.message !== undefined || message.deleted) rows.push(h('li.version.current', {},
    h('div.version-meta.muted', {}, message.deleted ? '현재: 삭제됨' : '현재 내용'),
    h('div.version-text', {}, message.deleted ? '' : message.message || '')));
  await modal({
    title: '수정 기록',
    className: 'history-modal',
    body: versions?.length ? h('ol.versions', {}, rows) : [h('p.muted', {}, '수정되거나 삭제된 적이 없는 메시지입니다.'), rows.length ? h('ol.versions', {}, rows) : null],
  });
}

// ---- the moderation log -----------------------------------------------------------

const ACTIONS = {
  appoint: '관리자 지정', dismiss_moderator: '관리자 해제', mute: '뮤트', unmute: '뮤트 해제', kick: '내보내기',
  ban: '입장 금지', unban: '입장 금지 해제', delete_message: '메시지 삭제', slow_mode: '슬로우 모드',
  resolve_report: '신고 처리', hide_message: '신고로 가림',
};
const RESOLUTIONS = { dismiss: '기각', delete: '삭제', mute: '뮤트', ban: '입장 금지' };

function logDetail(e) {
  const d = e.detail || {};
  if (d.expired) return '기한 만료';
  if (e.action === 'slow_mode') return d.seconds ? secondsText(d.seconds) : '끔';
  if ('minutes' in d) return d.minutes ? durationText(d.minutes) : '기한 없음';
  if (d.resolution || d.action) return RESOLUTIONS[d.resolution || d.action] || String(d.resolution || d.action);
  return '';
}

export function logEntry(e, { onHistory } = {}) {
  const detail = logDetail(e);
  return h('li.log-entry', { dataset: { action: e.action } },
    h('span.log-action', {}, ACTIONS[e.action] || e.action),
    h('span.log-line', {},
      h('strong', {}, e.actor?.nickname || '관리자'),
      e.target ? ` → ${e.target.nickname}` : '',
      detail ? h('span.chip', {}, detail) : null,
      e.reason ? h('span.log-reason', {}, `“${e.reason}”`) : null),
    h('span.log-side', {},
      e.message && onHistory ? h('button.link.small', { type: 'button', onclick: () => onHistory(e.message) }, '기록') : null,
      h('time.muted', { datetime: e.created_at, title: new Date(e.created_at).toLocaleString('ko-KR') }, timeAgo(e.created_at))));
}

/** The log of a room, newest first, or null without the route. */
export function roomLog(roomId, page = 1) {
  return optional(`/api/chat/room/${roomId}/log/`, { query: { page, page_size: 50 } }, null);
}

/** Renders the log into target; false when the reader may not see it. */
export async function renderLog(target, roomId) {
  mount(target, h('li.loading', {}, '불러오는 중…'));
  let entries;
  try {
    entries = await roomLog(roomId);
  } catch (err) {
    mount(target, h('li.empty', {}, err?.status === 403 ? '이 방의 관리 기록은 관리자만 볼 수 있습니다.' : errorText(err)));
    return false;
  }
  if (entries === null) { mount(target, h('li.empty', {}, '관리 기록을 아직 볼 수 없습니다.')); return false; }
  const list = Array.isArray(entries) ? entries : entries.results || [];
  mount(target, list.length ? list.map((e) => logEntry(e, { onHistory: (id) => showHistory({ id }) })) : h('li.empty', {}, '아직 관리 기록이 없습니다.'));
  return true;
}

