// One chat message on screen: the bubble, its actions (reply, react, and
// for the sender edit and delete), the reaction chips, the "(수정됨)"
// marker and the "삭제된 메시지입니다" placeholder. Each part can be
// updated in place when a live frame changes the message.
import { api } from './api.js';
import { h, mount, avatar, timeAgo, toast, errorText, messageText } from './dom.js';
import { MOD_DELETED_TEXT, HIDDEN_TEXT, mod, modal, askReason, popupMenu, memberItems, showHistory } from './moderation.js';

export const EMOJI = ['👍', '❤️', '😂', '🎉', '😮', '😢', '🙏', '🔥'];
export const DELETED_TEXT = '삭제된 메시지입니다';

// stored messages carry the sender's id in "sender"; live frames in "sender_id"
export function normalize(m) {
  const out = { ...m };
  if (!out.sender_id && !m.type) out.sender_id = m.sender;
  // a frame names the sender's e-mail in "sender" (null when hidden)
  if (m.type && out.sender_email === undefined && typeof m.sender === 'string' && m.sender.includes('@')) out.sender_email = m.sender;
  delete out.type;
  if (!Array.isArray(out.reactions)) out.reactions = [];
  if (!Array.isArray(out.mentions)) out.mentions = [];
  if (out.deleted) { out.message = ''; out.reactions = []; }
  if (out.hidden && !out.message) out.reactions = [];
  return out;
}

/** The placeholder of a deleted message (by its sender, or a moderator). */
export function deletedText(m) {
  return m?.deleted_by === 'moderator' ? MOD_DELETED_TEXT : DELETED_TEXT;
}

/** A message hidden by reports whose text this reader does not get. */
export function veiled(m) {
  return Boolean(m && m.hidden && !m.deleted && !m.message);
}

export function excerpt(m, length = 60) {
  if (!m) return '';
  if (m.deleted) return deletedText(m);
  if (veiled(m)) return HIDDEN_TEXT;
  const text = (m.message || '').replace(/\s+/g, ' ').trim();
  return text.length > length ? `${text.slice(0, length)}…` : text;
}

/**
 * The <li> of message m. env: {user, known (id → message), decorate(),
 * onReply(m), onChanged(m), room (id), moderator() (whether the reader
 * moderates the room), canModerate(userId) (whether they may act on that
 * member: not themselves, not the owner, another moderator only as owner)}. Returns {el, update(m)}, update re-rendering
 * whatever changed.
 */
export function messageView(m, env) {
  const { user } = env;
  let current = m;
  const mine = () => Boolean(user && current.sender_id === user.id);
  const text = h('div.text');
  const edited = h('span.edited.muted', { hidden: true }, '(수정됨)');
  const reactions = h('div.reactions');
  const actions = h('span.msg-actions');
  const quote = m.parent_chat ? h('div.quote', { hidden: true, dataset: { quoteOf: m.parent_chat } }) : null;
  const name = h('span.sender');
  const hiddenMark = h('span.hidden-mark', { hidden: true, title: '신고가 쌓여 다른 사람에게는 가려진 메시지입니다' }, '신고로 가려짐');
  const bubble = h('div.bubble', {},
    h('div.who', {}, name,
      h('time.muted', { datetime: m.created_at, title: new Date(m.created_at).toLocaleString('ko-KR') }, timeAgo(m.created_at)),
      edited, hiddenMark, actions),
    quote, text, reactions);
  const el = h('li.message', { class: mine() ? 'mine' : '', dataset: { id: m.id, seq: m.seq ?? '' } },
    avatar(m.profile_picture_url, m.nickname), bubble);
  let editing = null; // the open edit form

  function renderText() {
    if (editing) return;
    if (current.deleted) mount(text, h('em.deleted-text', { class: current.deleted_by === 'moderator' ? 'by-moderator' : '' }, deletedText(current)));
    else if (veiled(current)) mount(text, h('em.deleted-text.hidden-text', {}, HIDDEN_TEXT));
    else mount(text, messageText(current.message || '', env.decorate(current)));
  }

  function renderQuote() {
    if (!quote) return;
    const parent = env.known.get(current.parent_chat);
    quote.hidden = !parent || current.deleted;
    quote.textContent = parent ? `↪ ${parent.nickname}: ${excerpt(parent)}` : '';
  }

  const moderator = () => Boolean(env.moderator?.());
  const overSender = () => Boolean(env.canModerate ? env.canModerate(current.sender_id) : moderator());
  const sender = () => ({ id: current.sender_id, nickname: current.nickname, email: current.sender_email || null });

  // the sender's name opens the menu about them (moderation, block)
  function renderName() {
    const items = env.room ? memberItems(env.room, sender(), { moderator: overSender() }) : [];
    if (!items.length) return mount(name, h('strong', {}, current.nickname || '알 수 없음'));
    return mount(name, h('button.link.member-name', {
      type: 'button', 'aria-haspopup': 'menu', title: `${current.nickname}님 메뉴`,
      onclick: (ev) => popupMenu(ev.currentTarget, `${current.nickname}님`, memberItems(env.room, sender(), { moderator: overSender() })),
    }, current.nickname || '알 수 없음'));
  }

  // "⋯": report for everyone, a moderator's delete and the history
  function moreItems() {
    const items = [];
    if (!mine() && !current.deleted && !veiled(current)) items.push({ label: '🚩 신고', action: 'report', run: () => report() });
    if (moderator()) {
      if (!mine() && !current.deleted && overSender()) items.push({ label: '🗑 삭제 (관리자)', action: 'mod-delete', danger: true, run: () => moderatorDelete() });
      items.push({ label: '🕘 수정 기록', action: 'history', run: () => showHistory(current) });
      if (!mine() && overSender()) items.push(...memberItems(env.room, sender(), { moderator: true }));
    }
    return items;
  }

  function renderActions() {
    if (current.deleted || veiled(current)) {
      return mount(actions, moderator() ? h('button.link.more', { type: 'button', 'aria-label': '더 보기', 'aria-haspopup': 'menu', onclick: (ev) => popupMenu(ev.currentTarget, '메시지', moreItems()) }, '⋯') : null);
    }
    const more = moreItems();
    return mount(actions,
      h('button.link.reply', { type: 'button', onclick: () => env.onReply(current), 'aria-label': '답장' }, '답장'),
      h('button.link.react-open', { type: 'button', title: '반응 남기기', 'aria-label': '반응 남기기', 'aria-haspopup': 'true', onclick: (ev) => { ev.stopPropagation(); openPicker(); } }, '😊+'),
      mine() ? h('button.link.edit', { type: 'button', onclick: () => startEdit() }, '수정') : null,
      mine() ? h('button.link.delete', { type: 'button', onclick: () => remove() }, '삭제') : null,
      more.length ? h('button.link.more', { type: 'button', title: '더 보기', 'aria-label': '더 보기', 'aria-haspopup': 'menu', onclick: (ev) => popupMenu(ev.currentTarget, '메시지', moreItems()) }, '⋯') : null);
  }

  async function report() {
    const reason = await askReason({ title: '메시지 신고', what: `${current.nickname}님의 메시지: “${excerpt(current, 60)}”`, confirm: '신고', required: true, placeholder: '신고 사유 (예: 스팸, 욕설)' });
    if (reason) await mod.report(current.id, reason);
  }

  async function moderatorDelete() {
    const ok = await modal({
      title: '이 메시지를 삭제할까요?',
      body: [h('p.muted', {}, `${current.nickname}님의 메시지: “${excerpt(current, 80)}”`), h('p.muted', {}, '모두에게 “관리자가 삭제한 메시지입니다”로 보입니다.')],
      actions: [{ label: '취소', value: null }, { label: '삭제', value: 'ok', kind: 'danger' }],
    });
    if (ok !== 'ok') return;
    if (await mod.deleteMessage(current.id)) update({ ...current, deleted: true, deleted_by: 'moderator', message: '', reactions: [] });
  }

  function renderReactions() {
    const list = current.deleted ? [] : current.reactions.filter((r) => r.count > 0);
    reactions.hidden = !list.length;
    mount(reactions, list.map((r) => h('button.reaction', {
      type: 'button', class: r.me ? 'me' : '', 'aria-pressed': String(Boolean(r.me)), dataset: { emoji: r.emoji },
      title: r.me ? '내 반응 취소' : '같은 반응 남기기', 'aria-label': `${r.emoji} ${r.count}명${r.me ? ' (내 반응)' : ''}`,
      onclick: () => react(r.emoji),
    }, h('span.emoji', {}, r.emoji), h('span.count', {}, String(r.count)))));
  }

  function render() {
    el.classList.toggle('mine', mine());
    el.classList.toggle('deleted', Boolean(current.deleted));
    el.classList.toggle('veiled', veiled(current));
    hiddenMark.hidden = !current.hidden || current.deleted || veiled(current);
    el.classList.toggle('mentions-me', Boolean(user && !current.deleted && current.mentions.includes(user.id)));
    el.dataset.seq = current.seq ?? '';
    edited.hidden = !current.edited_at || current.deleted;
    if (current.edited_at) edited.title = `수정됨: ${new Date(current.edited_at).toLocaleString('ko-KR')}`;
    renderName();
    renderText();
    renderQuote();
    renderActions();
    renderReactions();
  }

  // ---- reactions ----
  let picker = null;
  function closePicker() {
    picker?.remove();
    picker = null;
    document.removeEventListener('click', outside, true);
    document.removeEventListener('keydown', escape);
  }
  function outside(ev) { if (picker && !picker.contains(ev.target)) closePicker(); }
  function escape(ev) { if (ev.key === 'Escape') closePicker(); }
  function openPicker() {
    if (picker) return closePicker();
    picker = h('div.emoji-picker', { role: 'menu', 'aria-label': '반응 고르기' },
      EMOJI.map((e) => h('button', { type: 'button', role: 'menuitem', title: e, onclick: () => { closePicker(); react(e); } }, e)));
    bubble.append(picker);
    setTimeout(() => document.addEventListener('click', outside, true));
    document.addEventListener('keydown', escape);
    picker.querySelector('button').focus();
    return undefined;
  }

  async function react(emoji) {
    try {
      const r = await api(`/api/chat/message/${current.id}/reactions/`, { method: 'POST', body: { emoji } });
      if (r && Array.isArray(r.reactions)) update({ ...current, reactions: r.reactions });
    } catch (err) {
      toast(err?.status === 404 && !err?.response?.detail ? '반응 기능을 아직 사용할 수 없습니다.' : errorText(err), 'error');
    }
  }

  // ---- edit and delete ----
  function startEdit() {
    if (editing || current.deleted) return;
    const area = h('textarea', { rows: 2, maxlength: 2000, value: current.message, 'aria-label': '메시지 수정' });
    const save = h('button.primary.small', { type: 'submit' }, '저장');
    editing = h('form.edit-form', {
      onsubmit: async (ev) => {
        ev.preventDefault();
        const value = area.value.trim();
        if (!value) return;
        if (value === current.message) { stopEdit(); return; }
        save.disabled = true;
        try {
          const saved = await api(`/api/chat/message/${current.id}/`, { method: 'PATCH', body: { message: value } });
          stopEdit();
          update({ ...current, ...normalize(saved), reactions: current.reactions });
        } catch (err) {
          save.disabled = false;
          toast(err?.status === 404 && !err?.response?.detail ? '수정 기능을 아직 사용할 수 없습니다.' : errorText(err), 'error');
        }
      },
    }, area, h('div.edit-actions', {}, h('button.secondary.small', { type: 'button', onclick: () => stopEdit() }, '취소'), save));
    area.addEventListener('keydown', (ev) => {
      if (ev.key === 'Escape') { ev.preventDefault(); stopEdit(); }
      else if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing && ev.keyCode !== 229) { ev.preventDefault(); editing.requestSubmit(); }
    });
    mount(text, editing);
    area.focus();
    area.setSelectionRange(area.value.length, area.value.length);
  }

  function stopEdit() {
    editing = null;
    renderText();
  }

  async function remove() {
    if (!window.confirm('이 메시지를 삭제할까요?')) return;
    try {
      await api(`/api/chat/message/${current.id}/`, { method: 'DELETE' });
      update({ ...current, deleted: true, deleted_by: 'sender', message: '', reactions: [] });
    } catch (err) {
      toast(err?.status === 404 && !err?.response?.detail ? '삭제 기능을 아직 사용할 수 없습니다.' : errorText(err), 'error');
    }
  }

  function update(next) {
    current = normalize({ ...next, sender_id: next.sender_id || current.sender_id });
    if (current.deleted) { editing = null; closePicker(); }
    env.known.set(current.id, current);
    render();
    env.onChanged?.(current);
  }

  env.known.set(current.id, current);
  render();
  return {
    el,
    get message() { return current; },
    update,
    refreshQuote: renderQuote,
    refreshText: renderText,
    refresh: render, // e.g. when the reader becomes a moderator
  };
}

/**
 * The reactions after a chat.reaction frame: the frame's summary (no "me"),
 * with the reader's own reactions carried over and the frame's toggle
 * applied when it is theirs.
 */
export function applyReactionFrame(reactions, frame, userId) {
  const mine = new Set(reactions.filter((r) => r.me).map((r) => r.emoji));
  if (frame.user_id === userId) {
    if (frame.added) mine.add(frame.emoji);
    else mine.delete(frame.emoji);
  }
  return (frame.reactions || []).map((r) => ({ emoji: r.emoji, count: r.count, me: mine.has(r.emoji) }));
}
