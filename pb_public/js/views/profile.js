import { pb, api, me } from '../api.js';
import { h, mount, avatar, toast, errorText } from '../dom.js';
import { blockedList, unblock } from '../moderation.js';

// "차단한 사용자": the members I blocked, each with 차단 해제
async function blockedCard(ctx) {
  const list = h('ul.people.blocked-list', { 'aria-label': '차단한 사용자' });
  const card = h('section.card.profile.blocked-card', {},
    h('h2', {}, '🚫 차단한 사용자'),
    h('p.muted', {}, '차단한 사람의 메시지와 반응은 보이지 않고, 상대는 나를 멘션하거나 DM을 보낼 수 없습니다. 상대에게는 알리지 않습니다.'),
    list);
  async function refresh() {
    let people;
    try {
      people = await blockedList();
    } catch (err) {
      mount(list, h('li.empty', {}, errorText(err)));
      return;
    }
    if (!ctx.current()) return;
    if (people === null) { card.hidden = true; return; } // no blocks on this server yet
    mount(list, people.length ? people.map((p) => h('li.person', { dataset: { id: p.id } },
      avatar(p.profile_picture, p.nickname),
      h('div.who', {}, h('strong', {}, p.nickname)),
      h('button.small.secondary.unblock', {
        type: 'button',
        onclick: async () => { if (await unblock(p)) refresh(); },
      }, '차단 해제')))
      : h('li.empty', {}, '차단한 사용자가 없습니다.'));
  }
  await refresh();
  return card;
}

export async function profileView(view, ctx) {
  const profile = await api('/user/profile/');
  if (!ctx.current()) return;
  const error = h('p.form-error', { role: 'alert' });
  const picture = h('div.picture', {}, avatar(profile.profile_picture, profile.nickname, 'lg'));
  const form = h('form.card.profile', {
    onsubmit: async (ev) => {
      ev.preventDefault();
      error.textContent = '';
      // the text fields as JSON (a multipart body would turn the bio's line
      // breaks into CRLF); a new picture, if any, as its own upload
      const f = form.elements;
      const fields = {
        nickname: f.nickname.value, bio: f.bio.value, contact_number: f.contact_number.value,
        status: f.status.value, is_private: f.is_private.checked,
      };
      const file = f.profile_picture.files[0];
      try {
        let saved = await api('/user/profile/', { method: 'PATCH', body: fields });
        if (file) {
          const upload = new FormData();
          upload.set('profile_picture', file);
          saved = await api('/user/profile/', { method: 'PATCH', body: upload });
          f.profile_picture.value = '';
        }
        await pb.collection('users').authRefresh(); // keep the SDK's record in step
        mount(picture, avatar(saved.profile_picture, saved.nickname, 'lg'));
        toast('프로필을 저장했습니다.');
      } catch (err) {
        error.textContent = errorText(err);
      }
    },
  },
  h('h1', {}, '내 프로필'),
  h('div.row', {}, picture, h('label.grow', {}, '프로필 사진', h('input', { type: 'file', name: 'profile_picture', accept: 'image/png,image/jpeg,image/gif,image/webp' }))),
  h('label', {}, '이메일', h('input', { value: profile.email || '', disabled: true })),
  h('label', {}, '닉네임', h('input', { name: 'nickname', maxlength: 20, value: profile.nickname })),
  h('label', {}, '소개', h('textarea', { name: 'bio', rows: 3, maxlength: 500, value: profile.bio })),
  h('div.row', {},
    h('label.grow', {}, '연락처', h('input', { name: 'contact_number', maxlength: 15, value: profile.contact_number })),
    h('label.grow', {}, '상태', h('select', { name: 'status' },
      [['available', '🟢 대화 가능'], ['away', '🌙 자리 비움'], ['busy', '⛔ 바쁨']].map(([v, t]) => h('option', { value: v, selected: profile.status === v }, t))))),
  h('label.check', {}, h('input', { type: 'checkbox', name: 'is_private', checked: profile.is_private }), '비공개 계정 (내 친구 목록에 있는 사람만 프로필을 볼 수 있어요)'),
  error,
  h('div.row.end', {}, h('button.primary', { type: 'submit' }, '저장')));
  mount(view, h('div.profile-layout', {}, form,
    h('section.card.profile.mod-card', {}, h('h2', {}, '🛡 채팅방 관리'),
      h('p.muted', {}, '내가 관리하는 채팅방(내 글의 채팅방 등)의 신고와 관리 기록을 봅니다.'),
      h('a.button.small.secondary', { href: '#/moderation' }, '신고 관리로 가기'))));
  const blocked = await blockedCard(ctx);
  if (ctx.current()) view.querySelector('.profile-layout').append(blocked);
}
