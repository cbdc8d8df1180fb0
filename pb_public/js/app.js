// Cobra Space web client: a hash-routed single page on the PocketBase JS SDK.
import { pb, me, signOut } from './api.js';
import { h, mount, avatar, toast, errorText } from './dom.js';
import { postsView, postView, editorView } from './views/posts.js';
import { loginView, signupView } from './views/auth.js';
import { profileView } from './views/profile.js';
import { friendsView } from './views/friends.js';
import { chatsView, roomView } from './views/chats.js';
import { moderationView } from './views/moderation.js';
import { bell, refreshBell } from './bell.js';
import { startMemberFeed, onUnread } from './member.js';

const routes = [
  [/^#?\/?$/, postsView],
  [/^#\/login$/, loginView],
  [/^#\/signup$/, signupView],
  [/^#\/write$/, editorView, true],
  [/^#\/post\/([a-z0-9]+)$/, postView, true],
  [/^#\/post\/([a-z0-9]+)\/edit$/, editorView, true],
  [/^#\/profile$/, profileView, true],
  [/^#\/friends$/, friendsView, true],
  [/^#\/chats$/, chatsView, true],
  [/^#\/chat\/([a-z0-9]+)$/, roomView, true],
  [/^#\/moderation$/, moderationView, true],
];

let cleanup = null; // the current view's teardown (e.g. chat unsubscribe)
let generation = 0; // bumped by every navigation: a render whose number is old is stale

// Each navigation renders into a fresh root that replaces the previous one
// at once, and carries a ctx whose current() turns false as soon as another
// navigation starts. Views check it after each await; whatever a stale view
// still does lands in its detached root, and its teardown (e.g. the chat
// subscription it opened meanwhile) runs as soon as it returns.
async function render() {
  const gen = ++generation;
  const ctx = { current: () => gen === generation };
  renderNav();
  const previous = cleanup;
  cleanup = null;
  if (previous) {
    try { await previous(); } catch { /* view already gone */ }
    if (!ctx.current()) return;
  }
  const hash = window.location.hash.split('?')[0];
  const view = document.getElementById('view');
  for (const [pattern, fn, needsAuth] of routes) {
    const match = hash.match(pattern);
    if (!match) continue;
    if (needsAuth && !me()) {
      sessionStorage.setItem('cobra.next', window.location.hash);
      sessionStorage.setItem('cobra.reason', 'auth');
      window.location.hash = '#/login';
      return;
    }
    const root = h('div.view-root', {}, h('p.loading', { 'aria-busy': 'true' }, '불러오는 중…'));
    mount(view, root);
    window.scrollTo(0, 0);
    try {
      const teardown = (await fn(root, ctx, ...match.slice(1))) || null;
      if (!ctx.current()) {
        if (teardown) try { await teardown(); } catch { /* ignore */ }
        return;
      }
      cleanup = teardown;
    } catch (err) {
      if (!ctx.current()) return;
      if (err?.status === 401 && me()) { // the login ended elsewhere (logout, password change)
        pb.authStore.clear();
        sessionStorage.setItem('cobra.next', window.location.hash);
        sessionStorage.setItem('cobra.reason', 'expired');
        window.location.hash = '#/login';
        return;
      }
      mount(root, h('section.card.error', {},
        h('h2', {}, '문제가 생겼어요'),
        h('p', {}, errorText(err)),
        h('a', { href: '#/' }, '게시글 목록으로')));
    }
    return;
  }
  mount(view, h('section.card', {}, h('h2', {}, '페이지를 찾을 수 없습니다'), h('a', { href: '#/' }, '게시글 목록으로')));
}

// the header's chat link carries the total of unread messages, live
const chatBadge = h('span.badge', { hidden: true });
const chatLink = h('a.nav-chats', { href: '#/chats' }, '채팅', chatBadge);
onUnread((u) => {
  chatBadge.textContent = u.total > 99 ? '99+' : String(u.total);
  chatBadge.hidden = !u.total;
  chatBadge.classList.toggle('mention', u.mentions > 0);
  chatLink.title = u.total ? `읽지 않은 메시지 ${u.total}개` : '채팅';
});

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
    chatLink,
    h('a', { href: '#/friends' }, '친구'),
    bell,
    h('a.me', { href: '#/profile', title: '내 프로필' }, avatar(profilePath, user.nickname), h('span.nick', {}, user.nickname)),
    h('button.link#logout', {
      onclick: async () => {
        try { await signOut(); } catch (err) { toast(errorText(err), 'error'); }
        window.location.hash = '#/login';
      },
    }, '로그아웃'),
  );
}

// the member's live feed (badges, bell) follows the login
function session() {
  startMemberFeed();
  refreshBell();
}

pb.authStore.onChange(() => { renderNav(); session(); });
session();
window.addEventListener('hashchange', render);
render();
