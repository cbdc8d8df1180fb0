// Cobra Space web client: a hash-routed single page on the PocketBase JS SDK.
import { pb, me, signOut } from './api.js';
import { h, mount, avatar, toast, errorText } from './dom.js';
import { postsView, postView, editorView } from './views/posts.js';
import { loginView, signupView } from './views/auth.js';
import { profileView } from './views/profile.js';
import { friendsView } from './views/friends.js';

const routes = [
  [/^#?\/?$/, postsView],
  [/^#\/login$/, loginView],
  [/^#\/signup$/, signupView],
  [/^#\/write$/, editorView, true],
  [/^#\/post\/([a-z0-9]+)$/, postView, true],
  [/^#\/post\/([a-z0-9]+)\/edit$/, editorView, true],
  [/^#\/profile$/, profileView, true],
  [/^#\/friends$/, friendsView, true],
];

let cleanup = null; // the current view's teardown (e.g. chat unsubscribe)

async function render() {
  renderNav();
  if (cleanup) {
    try { await cleanup(); } catch { /* view already gone */ }
    cleanup = null;
  }
  const hash = window.location.hash.split('?')[0];
  const view = document.getElementById('view');
  for (const [pattern, fn, needsAuth] of routes) {
    const match = hash.match(pattern);
    if (!match) continue;
    if (needsAuth && !me()) {
      sessionStorage.setItem('cobra.next', window.location.hash);
      window.location.hash = '#/login';
      return;
    }
    try {
      cleanup = (await fn(view, ...match.slice(1))) || null;
    } catch (err) {
      mount(view, h('section.card.error', {}, h('h2', {}, '문제가 생겼어요'), h('p', {}, errorText(err))));
    }
    window.scrollTo(0, 0);
    return;
  }
  mount(view, h('section.card', {}, h('h2', {}, '페이지를 찾을 수 없습니다'), h('a', { href: '#/' }, '게시글 목록으로')));
}

function renderNav() {
  const nav = document.getElementById('nav');
  const user = me();
  if (!user) {
    mount(nav, h('a', { href: '#/' }, '게시글'), h('a', { href: '#/login' }, '로그인'), h('a.button.small', { href: '#/signup' }, '회원가입'));
    return;
  }
  const profilePath = user.profile_picture ? `/api/files/users/${user.id}/${user.profile_picture}` : null;
  mount(nav,
    h('a', { href: '#/' }, '게시글'),
    h('a', { href: '#/write' }, '글쓰기'),
    h('a', { href: '#/friends' }, '친구'),
    h('a.me', { href: '#/profile', title: '내 프로필' }, avatar(profilePath, user.nickname), h('span.nick', {}, user.nickname)),
    h('button.link#logout', {
      onclick: async () => {
        try { await signOut(); } catch (err) { toast(errorText(err), 'error'); }
        window.location.hash = '#/login';
      },
    }, '로그아웃'),
  );
}

pb.authStore.onChange(() => renderNav());
window.addEventListener('hashchange', render);
render();
