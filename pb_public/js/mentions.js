// @mentions in chat: completing "@" + letters in the message box with the
// nicknames of people around (the room's senders and online members, the
// member's friends), the explicit ids sent with the message, and the
// highlighted "@nickname" in rendered text.
import { h, mount } from './dom.js';

const WORD = /[\p{L}\p{N}_]/u;
const MAX_SHOWN = 6;

/**
 * A completion menu for textarea. candidates() → [{id, nickname}] (not the
 * member themself). Returns {menu, keydown(ev) → true when it took the key,
 * mentionIds(text) → the ids of the people the text mentions, reset()}.
 */
export function mentionCompleter(textarea, candidates) {
  const menu = h('ul.mention-menu', { role: 'listbox', 'aria-label': '멘션할 사람', hidden: true });
  let matches = [];
  let active = 0;
  let span = null; // {start, end} of "@query" in the textarea
  const picked = new Map(); // lower-case nickname → id, chosen from the menu

  function query() {
    const caret = textarea.selectionStart;
    if (caret !== textarea.selectionEnd) return null;
    const before = textarea.value.slice(0, caret);
    const m = /(^|[^\p{L}\p{N}_@])@([^\s@]{0,20})$/u.exec(before);
    if (!m) return null;
    return { text: m[2], start: caret - m[2].length - 1, end: caret };
  }

  function unique(list) {
    const seen = new Set();
    return list.filter((c) => c.id && c.nickname && !seen.has(c.id) && seen.add(c.id));
  }

  function update() {
    const q = query();
    if (!q) return close();
    const needle = q.text.toLowerCase();
    const all = unique(candidates());
    const starts = all.filter((c) => c.nickname.toLowerCase().startsWith(needle));
    const contains = all.filter((c) => !c.nickname.toLowerCase().startsWith(needle) && c.nickname.toLowerCase().includes(needle));
    matches = [...starts, ...contains].slice(0, MAX_SHOWN);
    if (!matches.length) return close();
    span = q;
    active = Math.min(active, matches.length - 1);
    render();
    menu.hidden = false;
    return undefined;
  }

  function render() {
    mount(menu, matches.map((c, i) => h('li', {
      role: 'option', class: i === active ? 'active' : '', 'aria-selected': String(i === active), dataset: { id: c.id },
      onmousedown: (ev) => { ev.preventDefault(); pick(c); }, // keeps the focus in the textarea
    }, h('span.at', {}, '@'), c.nickname, c.hint ? h('span.muted', {}, c.hint) : null)));
  }

  function close() {
    menu.hidden = true;
    matches = [];
    active = 0;
    span = null;
  }

  function pick(c) {
    if (!span) return;
    const value = textarea.value;
    const insert = `@${c.nickname} `;
    textarea.value = value.slice(0, span.start) + insert + value.slice(span.end);
    const caret = span.start + insert.length;
    textarea.setSelectionRange(caret, caret);
    picked.set(c.nickname.toLowerCase(), c.id);
    close();
    textarea.focus();
    textarea.dispatchEvent(new Event('input', { bubbles: true }));
  }

  textarea.addEventListener('input', update);
  textarea.addEventListener('click', update);
  textarea.addEventListener('blur', () => setTimeout(close, 100));

  function keydown(ev) {
    if (menu.hidden || !matches.length) return false;
    if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
      active = (active + (ev.key === 'ArrowDown' ? 1 : matches.length - 1)) % matches.length;
      render();
    } else if ((ev.key === 'Enter' || ev.key === 'Tab') && !ev.isComposing && ev.keyCode !== 229) {
      pick(matches[active]);
    } else if (ev.key === 'Escape') {
      close();
    } else {
      return false;
    }
    ev.preventDefault();
    return true;
  }

  // the ids of everyone whose "@nickname" is in text: picked from the menu,
  // or typed out in full and known around the room
  function mentionIds(text) {
    const known = new Map(unique(candidates()).map((c) => [c.nickname.toLowerCase(), c.id]));
    for (const [nick, id] of picked) known.set(nick, id);
    const ids = new Set();
    for (const [nick, id] of known) {
      if (mentionsName(text, nick)) ids.add(id);
    }
    return [...ids].slice(0, 20);
  }

  return { menu, keydown, mentionIds, reset: () => { picked.clear(); close(); } };
}

/** Whether text holds "@name" as a whole word (case-insensitive). */
export function mentionsName(text, name) {
  const lower = text.toLowerCase();
  const needle = `@${name.toLowerCase()}`;
  for (let at = lower.indexOf(needle); at !== -1; at = lower.indexOf(needle, at + 1)) {
    const before = at === 0 ? '' : lower.charAt(at - 1);
    const after = lower.charAt(at + needle.length);
    if ((!before || !WORD.test(before)) && before !== '@' && (!after || !WORD.test(after))) return true;
  }
  return false;
}

/**
 * decorate() for messageText: "@name" runs as <span class="mention">
 * (".me" for the reader's own nickname). names: the nicknames known
 * around the room, longest first, so "@코브라 1" beats "@코브라"; any
 * other "@word" is marked too when others is true.
 */
export function mentionDecorator(names, myNickname, { others = true } = {}) {
  const sorted = [...new Set(names.filter(Boolean))].sort((a, b) => b.length - a.length);
  const mine = (myNickname || '').toLowerCase();
  return (text) => {
    const out = [];
    let plain = '';
    let i = 0;
    while (i < text.length) {
      const ch = text.charAt(i);
      const prev = i === 0 ? '' : text.charAt(i - 1);
      if (ch === '@' && (!prev || (!WORD.test(prev) && prev !== '@'))) {
        const rest = text.slice(i + 1);
        const lower = rest.toLowerCase();
        let name = sorted.find((n) => lower.startsWith(n.toLowerCase()) && !WORD.test(rest.charAt(n.length)));
        if (name) name = rest.slice(0, name.length);
        else if (others) name = /^[^\s@.,!?;:()[\]{}"'`~]+/u.exec(rest)?.[0];
        if (name) {
          if (plain) { out.push(plain); plain = ''; }
          out.push(h('span.mention', { class: name.toLowerCase() === mine ? 'me' : '' }, `@${name}`));
          i += name.length + 1;
          continue;
        }
      }
      plain += ch;
      i += 1;
    }
    if (plain) out.push(plain);
    return out;
  };
}
