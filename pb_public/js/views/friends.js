import { api } from '../api.js';
import { h, mount, avatar, toast, errorText } from '../dom.js';
import { openDM } from './chats.js';
import { mod, modal } from '../moderation.js';

async function block(f) {
  const ok = await modal({
    title: `${f.nickname}님을 차단할까요?`,
    body: h('p.muted', {}, '차단한 사람의 메시지와 반응은 보이지 않고, 상대는 나를 멘션하거나 DM을 보낼 수 없습니다. 상대에게는 알리지 않습니다. 프로필에서 언제든 해제할 수 있습니다.'),
    actions: [{ label: '취소', value: null }, { label: '차단', value: 'ok', kind: 'danger' }],
  });
  if (ok === 'ok') await mod.block(f.email);
}

const statusText = { available: '🟢 대화 가능', away: '🌙 자리 비움', busy: '⛔ 바쁨' };

function person(u, action) {
  return h('li.person', {},
    avatar(u.profile_picture, u.nickname),
    h('div.who', {}, h('strong', {}, u.nickname), h('span.muted', {}, u.email || '(이메일 비공개)')),
    h('span.status', {}, statusText[u.status] || ''),
    u.is_private ? h('span.chip', {}, '비공개') : null,
    action);
}

export async function friendsView(view, ctx) {
  const friendsList = h('ul.people');
  const results = h('ul.people');
  const keyword = h('input', { type: 'search', placeholder: '이메일로 찾기 (예: gmail)', 'aria-label': '이메일 검색' });

  async function refresh() {
    const friends = await api('/user/friends/');
    if (!ctx.current()) return friends;
    mount(friendsList, friends.length ? friends.map((f) => person(f, h('span.person-actions', {},
      h('button.small.primary.dm', { onclick: () => openDM(f), title: `${f.nickname}님에게 메시지 보내기` }, '💬 메시지'),
      f.email ? h('button.small.secondary', { onclick: () => remove(f.email) }, '삭제') : null,
      f.email ? h('button.small.danger.block', { onclick: () => block(f), title: `${f.nickname}님 차단` }, '차단') : null)))
      : h('li.empty', {}, '아직 친구가 없습니다. 이메일로 찾아 추가해 보세요.'));
    return friends;
  }

  async function add(email) {
    try { const r = await api('/user/add-friend/', { method: 'POST', body: { email } }); toast(r.message); await refresh(); } catch (err) { toast(errorText(err), 'error'); }
  }

  async function remove(email) {
    try { const r = await api('/user/delete-friend/', { method: 'POST', body: { email } }); toast(r.message); await refresh(); } catch (err) { toast(errorText(err), 'error'); }
  }

  const searchForm = h('form.search', {
    onsubmit: async (ev) => {
      ev.preventDefault();
      if (!keyword.value.trim()) return;
      try {
        const found = await api('/user/search-friends/', { query: { keyword: keyword.value.trim() } });
        mount(results, found.length ? found.map((u) => person(u, h('button.small.primary', { onclick: () => add(u.email) }, '친구 추가')))
          : h('li.empty', {}, '검색 결과가 없습니다.'));
      } catch (err) { toast(errorText(err), 'error'); }
    },
  }, keyword, h('button.primary', { type: 'submit' }, '찾기'));

  mount(view, h('div.friends-layout', {},
    h('section.card', {}, h('h1', {}, '내 친구'), friendsList),
    h('section.card', {}, h('h2', {}, '사람 찾기'), searchForm, results)));
  await refresh();
}
