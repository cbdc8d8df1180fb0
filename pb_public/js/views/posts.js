import { pb, api, me } from '../api.js';
import { h, mount, markdown, markdownText, timeAgo, avatar, toast, errorText } from '../dom.js';
import { chatPanel } from '../chat.js';

const PAGE_SIZE = 20;

function postCard(p) {
  const text = markdownText(p.content);
  const excerpt = text.length > 160 ? `${text.slice(0, 160).trimEnd()}…` : text;
  return h('article.card.post-card', {},
    h('div.meta', {},
      h('span.chip.category', {}, p.category || ''),
      p.tags.map((t) => h('a.tag', { href: `#/?tag=${encodeURIComponent(t.name)}` }, `#${t.name}`))),
    h('h2', {}, h('a', { href: `#/post/${p.id}` }, p.title)),
    h('p.excerpt', {}, excerpt),
    h('div.byline', {},
      avatar(p.writer_profile_picture, p.writer_nickname),
      h('span', {}, p.writer_nickname),
      h('span.muted', {}, `· ${timeAgo(p.created_at)} · 조회 ${p.hit}`)));
}

function readQuery() {
  const params = new URLSearchParams(window.location.hash.split('?')[1] || '');
  return { search: params.get('search') || '', category: params.get('category') || '', tag: params.get('tag') || '' };
}

function writeQuery(q) {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v) params.set(k, v);
  const qs = params.toString();
  window.location.hash = qs ? `#/?${qs}` : '#/';
}

export async function postsView(view, ctx) {
  const q = readQuery();
  const categories = await api('/api/post/categories/');
  if (!ctx.current()) return;
  const list = h('div.post-list');
  const more = h('button.secondary.more', { hidden: true }, '더 보기');
  let page = 1;

  const searchInput = h('input', { type: 'search', name: 'search', value: q.search, placeholder: '제목, 내용, 카테고리, 태그 검색 (예: 채팅)', 'aria-label': '검색' });
  const searchForm = h('form.search', { onsubmit: (ev) => { ev.preventDefault(); writeQuery({ ...q, search: searchInput.value.trim() }); } },
    searchInput, h('button.primary', { type: 'submit' }, '검색'));
  const chips = h('div.chips', {},
    h('button.chip', { class: q.category ? '' : 'active', onclick: () => writeQuery({ ...q, category: '' }) }, '전체'),
    categories.map((c) => h('button.chip', { class: q.category === c.name ? 'active' : '', onclick: () => writeQuery({ ...q, category: c.name }) }, c.name)));
  const filters = h('div.filters', {},
    q.tag ? h('span.chip.active', {}, `#${q.tag} `, h('button.link', { onclick: () => writeQuery({ ...q, tag: '' }), 'aria-label': '태그 해제' }, '✕')) : null,
    q.search ? h('span.muted', {}, `“${q.search}” 검색 결과`) : null);

  // Each page is fetched one step ahead, so "더 보기" shows only when
  // there is a next page to show (a list of exactly 20 has none).
  const fetchPage = (n) => api('/api/post/', { query: { ...q, page: n, page_size: PAGE_SIZE } });
  let next = null; // the posts of page+1, once known

  async function lookAhead() {
    next = null;
    more.hidden = true;
    const ahead = await fetchPage(page + 1);
    if (!ctx.current()) return;
    next = ahead;
    more.hidden = next.length === 0;
  }

  function show(posts) {
    posts.forEach((p) => list.append(postCard(p)));
  }

  more.addEventListener('click', async () => {
    if (!next?.length) return;
    page += 1;
    show(next);
    more.disabled = true;
    try {
      if (next.length < PAGE_SIZE) { next = []; more.hidden = true; } else await lookAhead();
    } catch (err) {
      toast(errorText(err), 'error');
    } finally {
      more.disabled = false;
    }
  });

  mount(view,
    h('section.toolbar', {}, searchForm, me() ? h('a.button.primary', { href: '#/write' }, '✏️ 글쓰기') : null),
    chips, filters, list, more);
  const first = await fetchPage(1);
  if (!ctx.current()) return;
  if (first.length === 0) list.append(h('p.empty.card', {}, q.search || q.tag || q.category ? '조건에 맞는 게시글이 없습니다.' : '게시글이 없습니다. 첫 글을 써 보세요!'));
  show(first);
  if (first.length === PAGE_SIZE) lookAhead().catch(() => { more.hidden = true; });
}

export async function postView(view, ctx, id) {
  const post = await api(`/api/post/detail/${id}/`);
  if (!ctx.current()) return null;
  const user = me();
  const isWriter = post.writer && user && post.writer.id === user.id;
  const article = h('article.card.post', {},
    h('div.meta', {},
      h('a.chip.category', { href: `#/?category=${encodeURIComponent(post.category || '')}` }, post.category || ''),
      post.tags.map((t) => h('a.tag', { href: `#/?tag=${encodeURIComponent(t.name)}` }, `#${t.name}`))),
    h('h1', {}, post.title),
    h('div.byline', {},
      avatar(post.writer?.profile_picture, post.writer?.nickname),
      h('span', {}, post.writer?.nickname || ''),
      h('span.muted', {}, `· ${timeAgo(post.created_at)} · 조회 ${post.hit}`),
      isWriter ? h('span.actions', {},
        h('a.button.small.secondary', { href: `#/post/${id}/edit` }, '수정'),
        h('button.small.danger', {
          onclick: async () => {
            if (!confirm('이 글과 채팅방을 삭제할까요?')) return;
            try { await api(`/api/post/detail/${id}/delete/`, { method: 'DELETE' }); toast('삭제했습니다.'); window.location.hash = '#/'; } catch (err) { toast(errorText(err), 'error'); }
          },
        }, '삭제')) : null),
    markdown(post.content));

  const layout = h('div.post-layout', {}, article);
  mount(view, layout);
  if (!post.room_data) return null;
  let panel;
  try {
    panel = await chatPanel(post.room_data, user);
  } catch (err) { // the post stays readable when its chat cannot open (e.g. too many connections)
    layout.append(h('aside.card.chat', {}, h('header', {}, h('h2', {}, '💬 실시간 채팅')),
      h('p.form-error', { role: 'alert' }, `채팅방에 연결하지 못했습니다. ${errorText(err)}`)));
    return null;
  }
  if (ctx.current()) layout.append(panel.element);
  return panel.close; // closed at once by the router when this render is stale
}

export async function editorView(view, ctx, id) {
  const categories = await api('/api/post/categories/');
  const post = id ? await api(`/api/post/detail/${id}/edit/`) : { title: '', content: '', category: categories[0]?.name, tags: [] };
  if (!ctx.current()) return;
  const error = h('p.form-error', { role: 'alert' });
  const preview = h('div.card.preview');
  const content = h('textarea', { name: 'content', rows: 14, placeholder: 'Markdown으로 작성하세요', value: post.content,
    oninput: () => mount(preview, markdown(content.value)) });
  mount(preview, markdown(post.content));
  const form = h('form.card.editor', {
    onsubmit: async (ev) => {
      ev.preventDefault();
      error.textContent = '';
      const data = Object.fromEntries(new FormData(form));
      const body = { title: data.title, content: data.content, category: data.category, tags: data.tags };
      try {
        const saved = id
          ? await api(`/api/post/detail/${id}/edit/`, { method: 'PATCH', body })
          : await api('/api/post/write/', { method: 'POST', body });
        toast(id ? '수정했습니다.' : '게시했습니다.');
        window.location.hash = `#/post/${saved.id}`;
      } catch (err) {
        error.textContent = errorText(err);
      }
    },
  },
  h('h1', {}, id ? '글 수정' : '새 글'),
  h('label', {}, '제목', h('input', { name: 'title', required: true, maxlength: 200, value: post.title })),
  h('div.row', {},
    h('label', {}, '카테고리', h('select', { name: 'category' }, categories.map((c) => h('option', { value: c.name, selected: c.name === post.category }, c.name)))),
    h('label.grow', {}, '태그 (쉼표로 구분)', h('input', { name: 'tags', value: post.tags.map((t) => t.name).join(', '), placeholder: 'go, 채팅, websocket' }))),
  h('label', {}, '내용', content),
  error,
  h('div.row.end', {}, h('a.button.secondary', { href: id ? `#/post/${id}` : '#/' }, '취소'), h('button.primary', { type: 'submit' }, id ? '저장' : '게시')));
  mount(view, h('div.editor-layout', {}, form, h('section', {}, h('h3.muted', {}, '미리보기'), preview)));
}

export { pb };
