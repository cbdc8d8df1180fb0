// Tiny DOM helpers. Every user-provided string goes in as text (never as
// HTML); the only HTML we insert is Markdown run through DOMPurify.
import { marked } from 'marked';
import DOMPurify from 'dompurify';
import hljs from 'highlight.js';

// h('div.card#id', {onclick, class, ...attrs}, ...children)
//
// A form control's state is a property, not an attribute: a <textarea>
// ignores a value attribute, a <select> has no value attribute at all (and
// takes its value only once its options are there), a checkbox's checked
// attribute is only its default. So value, checked and selected are set as
// properties — the defaults too, so that form.reset() keeps them — after
// the children are in.
const FORM_STATE = new Set(['value', 'checked', 'selected']);

export function h(spec, attrs = {}, ...children) {
  const [tagAndClasses, id] = spec.split('#');
  const [tag, ...classes] = tagAndClasses.split('.');
  const el = document.createElement(tag || 'div');
  if (id) el.id = id;
  if (classes.length) el.className = classes.join(' ');
  const state = [];
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) {
      if (FORM_STATE.has(k) && v === false && k in el) state.push([k, false]);
      continue;
    }
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.classList.add(...String(v).split(' ').filter(Boolean));
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (FORM_STATE.has(k) && k in el) state.push([k, v]);
    else if (k in el && typeof v !== 'string') el[k] = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  append(el, children);
  for (const [k, v] of state) setFormState(el, k, v);
  return el;
}

function setFormState(el, k, v) {
  if (k === 'value') {
    const text = String(v);
    if ('defaultValue' in el) el.defaultValue = text; // input, textarea: what reset() restores
    el.value = text; // select: picks the option with that value
  } else if (k === 'checked') {
    el.defaultChecked = Boolean(v);
    el.checked = Boolean(v);
  } else if (k === 'selected') {
    el.defaultSelected = Boolean(v);
    el.selected = Boolean(v);
  }
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function mount(target, ...children) {
  target.replaceChildren();
  append(target, children);
}

const PURIFY = {
  USE_PROFILES: { html: true },
  FORBID_TAGS: ['style', 'form', 'input', 'button', 'iframe'],
};

function sanitizedMarkdown(text) {
  return DOMPurify.sanitize(marked.parse(text || '', { async: false }), PURIFY);
}

// Markdown to sanitized DOM: scripts, event handlers and javascript: URLs
// are removed; code blocks are highlighted and get a copy button.
export function markdown(text) {
  const div = h('div.markdown');
  div.innerHTML = sanitizedMarkdown(text);
  for (const a of div.querySelectorAll('a')) {
    a.target = '_blank';
    a.rel = 'noopener noreferrer';
  }
  for (const code of div.querySelectorAll('pre > code')) {
    const language = /(?:^|\s)language-([\w#+.-]+)/.exec(code.className)?.[1] || '';
    code.parentElement.replaceWith(codeBlock(code.textContent.replace(/\n$/, ''), language));
  }
  return div;
}

// The plain text of rendered Markdown (for excerpts): what a reader sees,
// whitespace collapsed. Parsed in an inert document, so nothing loads.
export function markdownText(text) {
  const doc = new DOMParser().parseFromString(sanitizedMarkdown(text), 'text/html');
  return (doc.body.textContent || '').replace(/\s+/g, ' ').trim();
}

// A highlighted code block with its language and a copy button.
export function codeBlock(source, language = '') {
  const code = h('code.hljs');
  const known = language && hljs.getLanguage(language);
  try {
    const result = known
      ? hljs.highlight(source, { language, ignoreIllegals: true })
      : language ? null : hljs.highlightAuto(source);
    if (result) {
      code.innerHTML = DOMPurify.sanitize(result.value); // highlight.js escapes the code; spans only
      if (result.language) code.classList.add(`language-${result.language}`);
    } else {
      code.textContent = source;
    }
  } catch {
    code.textContent = source;
  }
  const label = known ? (known.name || language) : language;
  const copy = h('button.copy', { type: 'button', title: '코드 복사', 'aria-label': '코드 복사' }, '복사');
  let reset;
  copy.addEventListener('click', async () => {
    const ok = await copyText(source);
    copy.textContent = ok ? '복사됨 ✓' : '복사 실패';
    copy.classList.toggle('done', ok);
    if (!ok) toast('클립보드에 복사하지 못했습니다.', 'error');
    clearTimeout(reset);
    reset = setTimeout(() => { copy.textContent = '복사'; copy.classList.remove('done'); }, 2000);
  });
  return h('div.code-block', {},
    h('div.code-head', {}, h('span.lang', {}, label || '코드'), copy),
    h('pre', {}, code));
}

// navigator.clipboard where the page may use it (secure context, permission),
// else the old selection + execCommand('copy').
export async function copyText(text) {
  try {
    if (navigator.clipboard?.writeText) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch { /* fall back */ }
  const area = h('textarea', { readonly: true, 'aria-hidden': 'true', style: 'position:fixed;top:-1000px;left:-1000px;opacity:0' });
  area.value = text;
  document.body.append(area);
  area.select();
  let ok = false;
  try { ok = document.execCommand('copy'); } catch { ok = false; }
  area.remove();
  return ok;
}

// A chat message's text: plain text (never HTML), with ```fenced``` code
// blocks shown as highlighted code blocks. decorate(text), when given,
// turns each run of plain text into nodes (e.g. highlighted @mentions).
export function messageText(text, decorate = (t) => t) {
  const parts = [];
  const fence = /```([\w#+.-]*)[^\S\n]*\n([\s\S]*?)\n?```/g;
  let at = 0;
  for (const m of text.matchAll(fence)) {
    const before = text.slice(at, m.index).replace(/^\n+|\n+$/g, '');
    if (before) parts.push(h('span', {}, decorate(before)));
    parts.push(codeBlock(m[2], m[1].toLowerCase()));
    at = m.index + m[0].length;
  }
  const rest = text.slice(at).replace(at ? /^\n+/ : /^$/, '');
  if (rest) parts.push(h('span', {}, decorate(rest)));
  return parts;
}

export function timeAgo(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  const s = (Date.now() - d.getTime()) / 1000;
  if (s < 60) return '방금 전';
  if (s < 3600) return `${Math.floor(s / 60)}분 전`;
  if (s < 86400) return `${Math.floor(s / 3600)}시간 전`;
  return d.toLocaleDateString('ko-KR');
}

export function avatar(path, name, size = 'sm') {
  if (path) return h(`img.avatar.${size}`, { src: `${path}?thumb=100x100`, alt: '' });
  const letter = (name || '?').trim().charAt(0).toUpperCase() || '?';
  return h(`span.avatar.${size}.letter`, { 'aria-hidden': 'true' }, letter);
}

let toastTimer;
export function toast(message, kind = 'info') {
  const el = document.getElementById('toast');
  el.textContent = message;
  el.className = kind;
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { el.hidden = true; }, 3500);
}

// ---- errors, in Korean -------------------------------------------------
//
// The server speaks English (DRF- and PocketBase-shaped errors); the page
// speaks Korean. Known messages and validation codes are translated, field
// names get their labels, messages that are already Korean pass through,
// and anything else falls back to a Korean line for its status.

const FIELD_LABELS = {
  email: '이메일', password: '비밀번호', passwordConfirm: '비밀번호 확인', identity: '이메일',
  nickname: '닉네임', bio: '소개', contact_number: '연락처', status: '상태', is_private: '비공개 설정',
  email_visibility: '이메일 공개', emailVisibility: '이메일 공개', profile_picture: '프로필 사진',
  title: '제목', content: '내용', category: '카테고리', tags: '태그', name: '이름',
  room: '채팅방', message: '메시지', parent_chat: '답장할 메시지', keyword: '검색어',
  page: '페이지', page_size: '페이지 크기', refresh: '로그인 정보',
  emoji: '반응', q: '검색어', mentions: '멘션', user: '회원', ids: '알림',
  reason: '사유', minutes: '기간', slow_mode_seconds: '슬로우 모드', action: '처리',
};

const CODES = {
  validation_required: '필수 항목입니다.',
  validation_invalid_email: '올바른 이메일 주소가 아닙니다.',
  validation_not_unique: '이미 사용 중입니다.',
  validation_invalid_format: '형식이 올바르지 않습니다.',
  validation_values_mismatch: '값이 서로 일치하지 않습니다.',
  validation_missing_rel_records: '존재하지 않는 항목입니다.',
  validation_invalid_mime_type: '지원하지 않는 파일 형식입니다.',
  validation_file_size_limit: '파일이 너무 큽니다.',
  validation_not_in_values: '선택할 수 없는 값입니다.',
  validation_invalid_value: '올바른 값이 아닙니다.',
};

const MESSAGES = [
  [/^(Failed to authenticate|Unable to log in with provided credentials)\.?$/i, '이메일 또는 비밀번호가 올바르지 않습니다.'],
  [/Too many failed logins\D*(\d+)/i, (n) => `로그인에 여러 번 실패했습니다. ${n}초 후에 다시 시도하세요.`],
  [/Too many failed password checks\D*(\d+)/i, (n) => `비밀번호 확인에 여러 번 실패했습니다. ${n}초 후에 다시 시도하세요.`],
  [/Too many logins\D*(\d+)/i, (n) => `로그인이 너무 잦습니다. ${n}초 후에 다시 시도하세요.`],
  [/creating posts too fast\D*(\d+)/i, (n) => `글을 너무 빨리 쓰고 있습니다. ${n}초 후에 다시 시도하세요.`],
  [/creating rooms too fast\D*(\d+)/i, (n) => `채팅방을 너무 빨리 만들고 있습니다. ${n}초 후에 다시 시도하세요.`],
  [/sending messages too fast/i, '메시지를 너무 빨리 보내고 있습니다. 잠시 후 다시 보내 주세요.'],
  [/throttled\D*(\d+)/i, (n) => `요청이 너무 많습니다. ${n}초 후에 다시 시도하세요.`],
  [/throttled|too many requests/i, '요청이 너무 많습니다. 잠시 후 다시 시도하세요.'],
  [/^Invalid value format\.?$/i, '형식이 올바르지 않습니다.'],
  [/no more than (\d+) character/i, (n) => `${n}자 이하로 입력하세요.`],
  [/at least (\d+) character/i, (n) => `${n}자 이상 입력하세요.`],
  [/^(Cannot be blank|This field may not be blank|This field is required|Missing required value|This field may not be null)\.?$/i, '필수 항목입니다.'],
  [/already registered with this e-?mail/i, '이미 가입된 이메일입니다.'],
  [/^Value must be unique\.?$|already exists/i, '이미 사용 중입니다.'],
  [/valid e-?mail/i, '올바른 이메일 주소가 아닙니다.'],
  [/password fields didn't match|Values don't match/i, '비밀번호가 서로 일치하지 않습니다.'],
  [/is not a valid choice/i, '선택할 수 없는 값입니다.'],
  [/valid boolean/i, '예/아니오 값이어야 합니다.'],
  [/valid positive integer|valid integer|valid number/i, '올바른 숫자가 아닙니다.'],
  [/Invalid pk|object does not exist|Failed to find all relation records/i, '존재하지 않는 항목입니다.'],
  [/User with this email does not exist/i, '해당 이메일로 가입한 회원이 없습니다.'],
  [/Enter exactly one emoji/i, '이모지 하나만 고르세요.'],
  [/at most (\d+) different reactions/i, (n) => `한 메시지에는 반응을 ${n}종류까지 남길 수 있습니다.`],
  [/muted in this room for (\d+) more minute/i, (n) => `채팅이 제한되어 있습니다. ${n}분 뒤에 다시 보낼 수 있습니다.`],
  [/muted in this room/i, '채팅이 제한되어 있어 보낼 수 없습니다.'],
  [/Slow mode is on\D*(\d+)/i, (n) => `슬로우 모드: ${n}초 후에 보낼 수 있습니다.`],
  [/already reported this message/i, '이미 신고한 메시지입니다.'],
  [/cannot report your own/i, '내 메시지는 신고할 수 없습니다.'],
  [/do not moderate this room/i, '이 채팅방의 관리자가 아닙니다.'],
  [/cannot moderate this member/i, '이 회원에게는 관리 기능을 쓸 수 없습니다.'],
  [/Only the room's owner appoints/i, '관리자 지정은 방장만 할 수 있습니다.'],
  [/cannot block yourself/i, '자기 자신은 차단할 수 없습니다.'],
  [/cannot unblock yourself/i, '자기 자신은 차단 해제할 수 없습니다.'],
  [/greater than or equal to (\d+)/i, (n) => `${n} 이상이어야 합니다.`],
  [/less than or equal to (\d+)/i, (n) => `${n} 이하여야 합니다.`],
  [/only change your own messages/i, '내 메시지만 수정하거나 삭제할 수 있습니다.'],
  [/cannot message yourself/i, '자기 자신에게는 메시지를 보낼 수 없습니다.'],
  [/only message your friends/i, '친구에게만 메시지를 보낼 수 있습니다.'],
  [/cannot add yourself/i, '자기 자신은 친구로 추가할 수 없습니다.'],
  [/This account is private/i, '비공개 계정입니다.'],
  [/Authentication credentials were not provided|requires valid record authorization token|requires valid authorization/i, '로그인이 필요합니다.'],
  [/token not valid|token_not_valid|invalid or expired (auth )?token|The token has expired/i, '로그인이 만료되었습니다. 다시 로그인해 주세요.'],
  [/do not have permission|Only superusers|not allowed to perform|forbidden/i, '이 작업을 할 권한이 없습니다.'],
  [/^Not found\.?$|wasn't found|was not found|does not exist/i, '찾을 수 없습니다. 삭제되었거나 주소가 잘못되었을 수 있습니다.'],
  [/body is too large|too large/i, '보낸 내용이 너무 큽니다.'],
  [/Unsupported media type/i, '지원하지 않는 형식입니다.'],
  [/JSON parse error|Form parse error|Invalid message format/i, '요청 형식이 올바르지 않습니다.'],
  [/server error|internal error/i, '서버에 문제가 생겼습니다. 잠시 후 다시 시도하세요.'],
  [/Something went wrong while processing your request|Failed to fetch|NetworkError|Load failed/i, '서버에 연결할 수 없습니다. 네트워크를 확인해 주세요.'],
];

const BY_STATUS = {
  0: '서버에 연결할 수 없습니다. 네트워크를 확인해 주세요.',
  400: '입력한 내용을 확인해 주세요.',
  401: '로그인이 필요합니다.',
  403: '이 작업을 할 권한이 없습니다.',
  404: '찾을 수 없습니다. 삭제되었거나 주소가 잘못되었을 수 있습니다.',
  413: '보낸 내용이 너무 큽니다.',
  429: '요청이 너무 많습니다. 잠시 후 다시 시도하세요.',
};
const GENERIC = '요청을 처리하지 못했습니다. 잠시 후 다시 시도하세요.';
const HANGUL = /[\u3131-\u318e\uac00-\ud7a3]/;

/** One server message (and its validation code, if any) in Korean, or null. */
export function koreanMessage(message, code) {
  if (typeof message !== 'string' || !message.trim()) return code && CODES[code] ? CODES[code] : null;
  if (HANGUL.test(message)) return message;
  for (const [pattern, text] of MESSAGES) {
    const m = pattern.exec(message);
    if (m) return typeof text === 'function' ? text(...m.slice(1)) : text;
  }
  return code && CODES[code] ? CODES[code] : null;
}

function statusText(status) {
  if (status >= 500) return '서버에 문제가 생겼습니다. 잠시 후 다시 시도하세요.';
  return BY_STATUS[status] || GENERIC;
}

// errorText turns a DRF / PocketBase error into one readable Korean line.
export function errorText(err) {
  if (err?.isAbort) return '요청이 취소되었습니다.';
  const status = typeof err?.status === 'number' ? err.status : undefined;
  const data = err?.response ?? err?.data ?? {};
  const fallback = status === undefined ? GENERIC : statusText(status);
  if (typeof data !== 'object' || data === null) return fallback;
  if (typeof data.detail === 'string') return koreanMessage(data.detail) || fallback;

  // field errors: DRF {"field": ["msg"]} or PocketBase {"data": {"field": {"code", "message"}}}
  const fields = data.data && typeof data.data === 'object' && Object.keys(data.data).length ? data.data
    : data.data || typeof data.message === 'string' ? {} : data;
  const parts = [];
  for (const [field, v] of Object.entries(fields)) {
    const items = Array.isArray(v) ? v.map((m) => [m, null])
      : v && typeof v === 'object' ? [[v.message, v.code]] : [];
    for (const [message, code] of items) {
      const text = koreanMessage(message, code) || (status === undefined ? '올바른 값이 아닙니다.' : statusText(status));
      const label = FIELD_LABELS[field];
      parts.push(label ? `${label}: ${text}` : text);
    }
  }
  if (parts.length) return [...new Set(parts)].join(' · ');
  if (typeof data.message === 'string') return koreanMessage(data.message) || fallback;
  return koreanMessage(err?.message) || fallback;
}
