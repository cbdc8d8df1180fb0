// Tiny DOM helpers. Every user-provided string goes in as text (never as
// HTML); the only HTML we insert is Markdown run through DOMPurify.
import { marked } from 'marked';
import DOMPurify from 'dompurify';

// h('div.card#id', {onclick, class, ...attrs}, ...children)
export function h(spec, attrs = {}, ...children) {
  const [tagAndClasses, id] = spec.split('#');
  const [tag, ...classes] = tagAndClasses.split('.');
  const el = document.createElement(tag || 'div');
  if (id) el.id = id;
  if (classes.length) el.className = classes.join(' ');
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.classList.add(...String(v).split(' ').filter(Boolean));
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k in el && typeof v !== 'string') el[k] = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  append(el, children);
  return el;
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

// Markdown to sanitized DOM: scripts, event handlers and javascript: URLs are removed.
export function markdown(text) {
  const html = DOMPurify.sanitize(marked.parse(text || '', { async: false }), {
    USE_PROFILES: { html: true },
    FORBID_TAGS: ['style', 'form', 'input', 'button', 'iframe'],
  });
  const div = h('div.markdown');
  div.innerHTML = html;
  for (const a of div.querySelectorAll('a')) {
    a.target = '_blank';
    a.rel = 'noopener noreferrer';
  }
  return div;
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

// errorText turns a DRF / PocketBase error into one readable line.
export function errorText(err) {
  const data = err?.response ?? err?.data ?? {};
  if (typeof data.detail === 'string') return data.detail;
  if (typeof data.message === 'string' && !data.data) return data.message;
  const fields = data.data && Object.keys(data.data).length ? data.data : data;
  const parts = [];
  for (const [field, v] of Object.entries(fields)) {
    if (Array.isArray(v)) parts.push(`${field}: ${v.join(' ')}`);
    else if (v && typeof v === 'object' && v.message) parts.push(`${field}: ${v.message}`);
  }
  return parts.join(' · ') || data.message || err?.message || '요청을 처리하지 못했습니다.';
}
