import { signIn, signUp } from '../api.js';
import { h, mount, toast, errorText } from '../dom.js';

function goNext() {
  const next = sessionStorage.getItem('cobra.next') || '#/';
  sessionStorage.removeItem('cobra.next');
  window.location.hash = next;
}

// Why the router sent the visitor here (set once, shown once).
const REASONS = {
  auth: '로그인이 필요합니다. 로그인하면 보려던 페이지로 이동합니다.',
  expired: '로그인이 만료되었습니다. 다시 로그인해 주세요.',
};

function takeReason() {
  const reason = sessionStorage.getItem('cobra.reason');
  sessionStorage.removeItem('cobra.reason');
  return REASONS[reason] ? h('p.notice', { role: 'status' }, '🔒 ', REASONS[reason]) : null;
}

function authForm({ title, fields, submit, footer, notice }) {
  const error = h('p.form-error', { role: 'alert' });
  const form = h('form.card.auth', {
    onsubmit: async (ev) => {
      ev.preventDefault();
      error.textContent = '';
      const data = Object.fromEntries(new FormData(form));
      const button = form.querySelector('button[type=submit]');
      button.disabled = true;
      try {
        await submit(data);
        goNext();
      } catch (err) {
        error.textContent = errorText(err);
      } finally {
        button.disabled = false;
      }
    },
  },
  h('h1', {}, title),
  notice,
  fields.map(([name, label, type, extra]) => h('label', {}, label, h('input', { name, type, required: true, ...extra }))),
  error,
  h('button.primary', { type: 'submit' }, title),
  footer);
  return form;
}

export function loginView(view) {
  mount(view, h('section.auth-wrap', {},
    h('div.hero', {}, h('h2', {}, 'COding BRAinstorm'), h('p', {}, '코딩 이야기를 나누고, 글마다 열리는 실시간 채팅방에서 함께 토론하세요.')),
    authForm({
      title: '로그인',
      notice: takeReason(),
      fields: [['email', '이메일', 'email', { autocomplete: 'email' }], ['password', '비밀번호', 'password', { autocomplete: 'current-password' }]],
      submit: async ({ email, password }) => { await signIn(email, password); toast('환영합니다.'); },
      footer: h('p.muted', {}, '처음이신가요? ', h('a', { href: '#/signup' }, '회원가입')),
    })));
}

export function signupView(view) {
  mount(view, h('section.auth-wrap', {},
    h('div.hero', {}, h('h2', {}, '🐍 Cobra Space'), h('p', {}, '프로그래밍을 좋아하는 사람들의 라이브 채팅 커뮤니티.')),
    authForm({
      title: '회원가입',
      fields: [
        ['email', '이메일', 'email', { autocomplete: 'email' }],
        ['nickname', '닉네임 (20자 이내)', 'text', { maxlength: 20, required: false }],
        ['password', '비밀번호 (8자 이상)', 'password', { minlength: 8, autocomplete: 'new-password' }],
      ],
      submit: async (data) => { await signUp(data); toast('회원가입이 완료되었습니다.'); },
      footer: h('p.muted', {}, '이미 계정이 있나요? ', h('a', { href: '#/login' }, '로그인')),
    })));
}
