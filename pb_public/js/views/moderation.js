// #/moderation (?room=<id>): the report queue of the rooms the reader
// moderates (superusers: every room; others get an empty list), each
// report resolved with 기각 / 삭제 / 뮤트 / 입장 금지, and a room's
// moderation log with the edit history of the messages it names.
import { api, optional } from '../api.js';
import { h, mount, avatar, timeAgo, errorText } from '../dom.js';
import { excerpt } from '../chat_message.js';
import { mod, modal, MUTES, renderLog, showHistory } from '../moderation.js';

const STATUS = [['open', '처리 대기'], ['', '전체']];
const RESOLVE = [
  ['dismiss', '기각', '신고를 기각하고 가려진 메시지를 다시 보이게 합니다.'],
  ['delete', '삭제', '메시지를 삭제합니다. 모두에게 “관리자가 삭제한 메시지입니다”로 보입니다.'],
  ['mute', '뮤트', '보낸 사람이 이 방에서 정해진 시간 동안 메시지를 보낼 수 없게 합니다.'],
  ['ban', '입장 금지', '보낸 사람이 이 방에 들어올 수 없게 합니다.'],
];
const RESOLUTION_TEXT = { dismiss: '기각됨', delete: '삭제됨', mute: '뮤트함', ban: '입장 금지함' };

/** Asks how to resolve: {minutes?, reason} or null. */
async function askResolution(action, label, help) {
  const reason = h('textarea', { name: 'reason', rows: 2, maxlength: 500, placeholder: '사유 (선택)', 'aria-label': '사유' });
  const options = action === 'mute' ? MUTES : action === 'ban' ? [[1440, '1일'], [10080, '7일'], [0, '영구']] : null;
  const minutes = options ? h('select', { name: 'minutes', 'aria-label': '기간' },
    options.map(([m, t]) => h('option', { value: String(m), selected: m === 60 || (action === 'ban' && m === 1440) }, t))) : null;
  const v = await modal({
    title: `신고 처리: ${label}`,
    className: 'reason-modal',
    body: [h('p.muted', {}, help), minutes ? h('label', {}, '기간', minutes) : null, reason],
    actions: [{ label: '취소', value: null }, { label, value: 'ok', kind: action === 'dismiss' ? 'primary' : 'danger' }],
  });
  if (v !== 'ok') return null;
  const body = { action, reason: reason.value.trim() };
  if (minutes && Number(minutes.value)) body.minutes = Number(minutes.value);
  return body;
}

// the queue lists each report; one card per message carries all their reasons
function grouped(list) {
  const byMessage = new Map();
  for (const r of list) {
    const key = `${r.message?.id || r.id}:${r.status}`;
    const group = byMessage.get(key);
    if (group) group.reasons.push(r);
    else byMessage.set(key, { ...r, reasons: [r] });
  }
  return [...byMessage.values()];
}

function reportItem(r, onResolved) {
  const m = r.message || {};
  const text = m.deleted || (m.hidden && !m.message) ? excerpt(m) : (m.message || '');
  const open = r.status === 'open';
  return h('li.report', { class: open ? 'open' : 'resolved', dataset: { id: r.id, message: m.id || '' } },
    h('div.report-head', {},
      avatar(m.profile_picture_url, m.nickname),
      h('strong', {}, m.nickname || '알 수 없음'),
      h('span.muted', {}, '님의 메시지'),
      r.reports > 1 ? h('span.badge', { title: `신고 ${r.reports}건` }, `${r.reports}건`) : null,
      m.hidden ? h('span.chip.hidden-chip', {}, '가려짐') : null,
      h('time.muted', { datetime: r.created_at }, timeAgo(r.created_at))),
    h('blockquote.report-message', { class: m.deleted ? 'deleted' : '' }, text),
    h('ul.report-reasons', {}, r.reasons.map((x) => h('li.report-reason', {}, h('span.muted', {}, `${x.reporter?.nickname || '누군가'}님의 신고 사유: `), x.reason || ''))),
    h('div.report-actions', {},
      open ? RESOLVE.map(([action, label, help]) => h(`button.small.${action === 'dismiss' ? 'secondary' : 'danger'}`, {
        type: 'button', dataset: { resolve: action },
        onclick: async () => {
          const body = await askResolution(action, label, help);
          if (!body) return;
          if (await mod.resolve(r.id, body)) onResolved();
        },
      }, label)) : h('span.chip', {}, RESOLUTION_TEXT[r.resolution?.action || r.resolution] || '처리됨'),
      m.id ? h('button.link.small', { type: 'button', onclick: () => showHistory(m) }, '수정 기록') : null,
      r.room ? h('a.small', { href: `#/chat/${r.room}${m.id ? `?m=${m.id}` : ''}` }, '채팅방에서 보기') : null));
}

export async function moderationView(view, ctx) {
  const params = new URLSearchParams(window.location.hash.split('?')[1] || '');
  let status = 'open';
  let roomId = params.get('room') || '';
  const reports = h('ul.reports', { 'aria-label': '신고 목록' });
  const reportsInfo = h('p.muted.reports-info');
  const statusChips = h('div.chips');
  const log = h('ol.mod-log', { 'aria-label': '관리 기록' });
  const roomSelect = h('select', { name: 'room', 'aria-label': '관리 기록을 볼 채팅방' }, h('option', { value: '' }, '채팅방을 고르세요'));
  const logCard = h('section.card.log-card', {}, h('h2', {}, '📜 관리 기록'), roomSelect, log);

  function renderChips() {
    mount(statusChips, STATUS.map(([value, label]) => h('button.chip', {
      type: 'button', class: value === status ? 'active' : '', 'aria-pressed': String(value === status),
      onclick: () => { status = value; renderChips(); loadReports(); },
    }, label)));
  }

  async function loadReports() {
    mount(reports, h('li.loading', {}, '불러오는 중…'));
    try {
      const query = { page_size: 50 };
      if (status) query.status = status;
      const data = await optional('/api/moderation/reports/', { query }, null);
      if (!ctx.current()) return;
      if (data === null) {
        reportsInfo.textContent = '신고 기능을 아직 사용할 수 없습니다.';
        mount(reports);
        return;
      }
      const list = data.results || (Array.isArray(data) ? data : []);
      reportsInfo.textContent = list.length ? `신고 ${data.count ?? list.length}건` : '';
      mount(reports, list.length ? grouped(list).map((r) => reportItem(r, () => loadReports()))
        : h('li.empty', {}, status === 'open' ? '처리할 신고가 없습니다. 관리하는 채팅방의 신고가 여기에 모입니다.' : '신고가 없습니다.'));
      addRooms(list.map((r) => r.room).filter(Boolean));
      if (!roomId && list[0]?.room && !logShown) { roomId = list[0].room; roomSelect.value = roomId; loadLog(); }
    } catch (err) {
      if (!ctx.current()) return;
      reportsInfo.textContent = '';
      // a member who moderates no room: nothing to review (not an error)
      mount(reports, h('li.empty', {}, err?.status === 403 ? '관리하는 채팅방이 없어 볼 신고가 없습니다. 내 글의 채팅방 신고가 여기에 모입니다.' : errorText(err)));
    }
  }

  // the rooms to pick a log from: the one asked for, those of the reports, the reader's rooms
  const roomNames = new Map();
  function addRooms(ids, names = {}) {
    let changed = false;
    for (const id of ids) {
      if (!roomNames.has(id) || (names[id] && roomNames.get(id) !== names[id])) { roomNames.set(id, names[id] || roomNames.get(id) || '채팅방'); changed = true; }
    }
    if (!changed) return;
    mount(roomSelect, h('option', { value: '' }, '채팅방을 고르세요'),
      [...roomNames].map(([id, name]) => h('option', { value: id, selected: id === roomId }, name)));
  }
  roomSelect.addEventListener('change', () => {
    roomId = roomSelect.value;
    history.replaceState(null, '', `#/moderation${roomId ? `?room=${roomId}` : ''}`);
    loadLog();
  });

  let logShown = false;
  async function loadLog() {
    logShown = Boolean(roomId);
    if (!roomId) { mount(log, h('li.empty', {}, '채팅방을 고르면 그 방의 관리 기록이 보입니다.')); return; }
    await renderLog(log, roomId);
  }

  renderChips();
  mount(view, h('div.moderation-layout', {},
    h('section.card.reports-card', {},
      h('h1', {}, '🛡 신고 관리'),
      h('p.muted', {}, '신고가 세 건 쌓인 메시지는 검토할 때까지 다른 사람에게 가려집니다.'),
      statusChips, reportsInfo, reports),
    logCard));

  await loadReports();
  if (!ctx.current()) return;
  try {
    const rooms = await api('/api/chat/room/', { query: { page_size: 50 } });
    const list = Array.isArray(rooms) ? rooms : rooms?.results || [];
    const names = Object.fromEntries(list.map((r) => [r.id, r.name]));
    if (roomId && !names[roomId]) {
      const r = await optional(`/api/chat/room/${roomId}/`).catch(() => null);
      if (r) names[roomId] = r.name;
    }
    if (!ctx.current()) return;
    addRooms([...(roomId ? [roomId] : []), ...list.filter((r) => r.kind !== 'dm').map((r) => r.id)], names);
  } catch { /* the select keeps the rooms of the reports */ }
  if (roomId) addRooms([roomId]);
  roomSelect.value = roomId;
  await loadLog();
}

