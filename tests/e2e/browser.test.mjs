// The web client and the admin dashboard in a real headless Chromium
// (Debian's, driven by playwright-core): two members sign up, one writes a
// post, both chat live in its room and see each other's presence; hostile
// post content and messages render inert; a superuser manages posts in
// the dashboard. Then the client's own guarantees: editing keeps the fields
// not touched, "더 보기" only while there is more, excerpts are rendered
// text, a stale render never mounts, code blocks are highlighted and
// copyable, everything is in Korean and Korean words do not break on a
// phone, and a chat room whose access ends says so and drops its topic.
// Screenshots go to $SCREENSHOT_DIR (make screenshots sets
// docs/screenshots) or a temporary directory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api } from './server.mjs';
import { browserSuite, WAIT } from './browser_suite.mjs';

const suite = browserSuite();
const { newPage, shot, signUp, roomOfPost } = suite;

async function writePost(page, { title, content, tags }) {
  await page.goto(`${suite.server.url}/#/write`);
  await page.fill('input[name=title]', title);
  await page.fill('textarea[name=content]', content);
  await page.fill('input[name=tags]', tags);
  await page.click('form.editor button[type=submit]');
  await page.locator('article.post h1', { hasText: title }).waitFor({ timeout: WAIT });
  return page.url().split('#/post/')[1];
}

const message = (page, text) => page.locator('.messages .message .text', { hasText: text });

test('two members chat live in a post room and see each other come and go', async () => {
  const a = await newPage();
  const b = await newPage();
  await signUp(a, 'alice.browser@example.com', '앨리스');
  await signUp(b, 'bob.browser@example.com', '밥');
  await shot(a, 'posts');

  const postId = await writePost(a, {
    title: '실시간 채팅 서버를 Go로 만들기',
    content: '## 목표\n\nPocketBase 위에 **WebSocket** 채팅을 올립니다.\n\n```go\nfmt.Println("hello")\n```\n',
    tags: 'go, 채팅, websocket',
  });
  await a.locator('.chat .online li', { hasText: '앨리스' }).waitFor({ timeout: WAIT });

  // bob opens the post: alice sees him arrive, live
  await b.goto(`${suite.server.url}/#/post/${postId}`);
  await b.locator('.chat .online li', { hasText: '밥' }).waitFor({ timeout: WAIT });
  await a.locator('.chat .online li', { hasText: '밥' }).waitFor({ timeout: WAIT });
  await a.locator('.messages .notice', { hasText: '밥님이 들어왔습니다.' }).waitFor({ timeout: WAIT });

  await a.fill('.send textarea', '안녕하세요, 밥! 채팅 테스트입니다.');
  await a.click('.send button');
  await message(b, '안녕하세요, 밥! 채팅 테스트입니다.').waitFor({ timeout: WAIT });

  await b.fill('.send textarea', '반가워요 앨리스 👋');
  await b.click('.send button');
  await message(a, '반가워요 앨리스 👋').waitFor({ timeout: WAIT });

  // a reply quotes the message it answers
  await a.locator('.message', { hasText: '반가워요 앨리스' }).locator('button.reply').click();
  await a.fill('.send textarea', '답장도 됩니다');
  await a.click('.send button');
  await b.locator('.message', { hasText: '답장도 됩니다' }).locator('.quote', { hasText: '밥' }).waitFor({ timeout: WAIT });
  await shot(a, 'post-chat');

  // bob leaves: alice sees it live
  await b.goto(`${suite.server.url}/#/`);
  await a.locator('.messages .notice', { hasText: '밥님이 나갔습니다.' }).waitFor({ timeout: WAIT });
  await a.locator('.chat .online li', { hasText: '밥' }).waitFor({ state: 'detached', timeout: WAIT });

  // the post is found by a 2-syllable Korean search
  await b.fill('form.search input', '채팅');
  await b.click('form.search button');
  await b.locator('.post-card h2', { hasText: '실시간 채팅 서버를 Go로 만들기' }).waitFor({ timeout: WAIT });
  await shot(b, 'search');

  await a.goto(`${suite.server.url}/#/write`);
  await a.fill('input[name=title]', 'Markdown 미리보기');
  await a.fill('textarea[name=content]', '# 제목\n\n- 목록 하나\n- **굵게**\n\n> 인용문');
  await shot(a, 'write');

  await b.goto(`${suite.server.url}/#/friends`);
  await b.fill('form.search input', 'alice.browser');
  await b.click('form.search button');
  await b.locator('.people .person', { hasText: '앨리스' }).locator('button', { hasText: '친구 추가' }).click();
  await b.locator('.people .person', { hasText: 'alice.browser@example.com' }).first().waitFor({ timeout: WAIT });
  await shot(b, 'friends');

  await b.goto(`${suite.server.url}/#/profile`);
  await b.fill('textarea[name=bio]', 'Go와 SQLite를 좋아합니다.');
  await b.selectOption('select[name=status]', 'busy');
  await b.click('form.profile button[type=submit]');
  await b.locator('#toast', { hasText: '프로필을 저장했습니다.' }).waitFor({ timeout: WAIT });
  await shot(b, 'profile');

  await a.context().close();
  await b.context().close();
  assert.deepEqual(suite.pageErrors, []);
});

test('hostile post content, titles and messages render inert', async () => {
  const page = await newPage();
  await signUp(page, 'mallory.browser@example.com', '<svg onload=q()>');
  const postId = await writePost(page, {
    title: '<script>window.__xss=4</script>제목',
    content: 'hello\n\n<script>window.__xss = 1</script>\n\n<img src="x" onerror="window.__xss = 2">\n\n[link](javascript:window.__xss=5)\n\n<a href="#" onclick="window.__xss=6">click</a>',
    tags: 'xss',
  });
  await page.fill('.send textarea', '<img src=x onerror="window.__xss=7"><script>window.__xss=8</script>');
  await page.click('.send button');
  await message(page, '<img src=x onerror="window.__xss=7">').waitFor({ timeout: WAIT });
  await page.locator('.markdown a', { hasText: 'click' }).click();
  await page.locator('.markdown a', { hasText: 'link' }).click({ modifiers: [] }).catch(() => {});

  const state = await page.evaluate(() => ({
    xss: window.__xss,
    scripts: document.querySelectorAll('main script').length,
    handlers: [...document.querySelectorAll('main *')].filter((el) => [...el.attributes].some((a) => a.name.startsWith('on'))).length,
    jsLinks: [...document.querySelectorAll('main a')].filter((a) => (a.getAttribute('href') || '').startsWith('javascript:')).length,
    title: document.querySelector('article.post h1').textContent,
  }));
  assert.equal(state.xss, undefined);
  assert.equal(state.scripts, 0);
  assert.equal(state.handlers, 0);
  assert.equal(state.jsLinks, 0);
  assert.equal(state.title, '<script>window.__xss=4</script>제목');
  assert.ok(postId);
  await page.context().close();
});

test('a superuser manages posts in the dashboard', async () => {
  const page = await newPage();
  await page.goto(`${suite.server.url}/_/`);
  await page.fill('input[name=identity]', suite.server.superuser.email);
  await page.fill('input[name=password]', suite.server.superuser.password);
  await page.click('button.btn.next');
  for (const name of ['users', 'categories', 'tags', 'rooms', 'messages', 'friends', 'posts']) {
    await page.getByText(name, { exact: true }).first().waitFor({ timeout: WAIT });
  }
  await page.getByText('posts', { exact: true }).first().click();
  await page.waitForURL(/collection=/, { timeout: WAIT });
  await page.getByText('실시간 채팅 서버를 Go로 만들기').first().waitFor({ timeout: WAIT });
  await shot(page, 'dashboard');

  // and edits one: the record panel opens with the post's fields
  await page.getByText('실시간 채팅 서버를 Go로 만들기').first().click();
  await page.locator('input[name=title], textarea[name=title]').first().waitFor({ timeout: WAIT });
  await page.context().close();
});

// ---- helpers for the client tests below -------------------------------

/** The signed-in member of a page: {token, id} from the SDK's auth store. */
async function authOf(page) {
  return page.evaluate(() => {
    const auth = JSON.parse(localStorage.getItem('pocketbase_auth') || '{}');
    return { token: auth.token, id: auth.record?.id };
  });
}

let superToken;
async function superuserToken() {
  if (superToken) return superToken;
  const res = await api(suite.server.url, 'POST', '/api/collections/_superusers/auth-with-password', {
    body: { identity: suite.server.superuser.email, password: suite.server.superuser.password },
  });
  assert.equal(res.status, 200, res.text);
  superToken = res.json.token;
  return superToken;
}

/** A new category (superuser route); returns its id. */
async function newCategory(name) {
  const res = await api(suite.server.url, 'POST', '/api/post/categories/', { body: { name }, token: await superuserToken() });
  assert.equal(res.status, 201, res.text);
  return res.json.id;
}

/** n posts in one category, written as `writer` through the record API (superusers have no creation limit). */
async function seedPosts(n, { category, writer, title = (i) => `시드 글 ${i}` }) {
  const token = await superuserToken();
  for (let i = 1; i <= n; i++) {
    const res = await api(suite.server.url, 'POST', '/api/collections/posts/records', {
      body: { title: title(i), content: `본문 ${i}`, category, writer }, token,
    });
    assert.equal(res.status, 200, res.text);
  }
}

function collectErrors(page) {
  const errors = [];
  page.on('pageerror', (err) => errors.push(err.message));
  return errors;
}

/** The words (runs of non-space) of el's text that the layout split over more than one line. */
function brokenWords(page, selector) {
  return page.evaluate((sel) => {
    const broken = [];
    for (const el of document.querySelectorAll(sel)) {
      const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        for (const m of node.data.matchAll(/\S+/g)) {
          const range = document.createRange();
          range.setStart(node, m.index);
          range.setEnd(node, m.index + m[0].length);
          const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
          if (tops.size > 1) broken.push(m[0]);
        }
      }
    }
    return broken;
  }, selector);
}

// ---- 1. editing keeps the fields that were not touched ---------------

test('editing only a post title keeps its body, category and tags', async () => {
  const page = await newPage();
  const errors = collectErrors(page);
  await signUp(page, 'editor.keep@example.com', '편집자');
  await page.goto(`${suite.server.url}/#/write`);
  await page.fill('input[name=title]', '원래 제목');
  await page.fill('textarea[name=content]', '## 본문\n\n지워지면 안 되는 내용입니다.');
  await page.selectOption('select[name=category]', 'Programming');
  await page.fill('input[name=tags]', 'go, 보존');
  await page.click('form.editor button[type=submit]');
  await page.locator('article.post h1', { hasText: '원래 제목' }).waitFor({ timeout: WAIT });
  const postId = page.url().split('#/post/')[1];

  await page.goto(`${suite.server.url}/#/post/${postId}/edit`);
  await page.locator('form.editor input[name=title]').waitFor({ timeout: WAIT });
  assert.equal(await page.inputValue('textarea[name=content]'), '## 본문\n\n지워지면 안 되는 내용입니다.');
  assert.equal(await page.inputValue('select[name=category]'), 'Programming');
  await page.fill('input[name=title]', '바뀐 제목');
  await page.click('form.editor button[type=submit]');
  await page.locator('article.post h1', { hasText: '바뀐 제목' }).waitFor({ timeout: WAIT });

  const { token } = await authOf(page);
  const stored = await api(suite.server.url, 'GET', `/api/post/detail/${postId}/edit/`, { token });
  assert.equal(stored.status, 200, stored.text);
  assert.equal(stored.json.title, '바뀐 제목');
  assert.equal(stored.json.content, '## 본문\n\n지워지면 안 되는 내용입니다.');
  assert.equal(stored.json.category, 'Programming');
  assert.deepEqual(stored.json.tags.map((t) => t.name).sort(), ['go', '보존']);
  assert.deepEqual(errors, []);
  await page.context().close();
});

test('saving the profile with only a new nickname keeps the bio and the other fields', async () => {
  const page = await newPage();
  const errors = collectErrors(page);
  await signUp(page, 'profile.keep@example.com', '프로필');
  const { token } = await authOf(page);
  const set = await api(suite.server.url, 'PATCH', '/user/profile/', {
    token, body: { bio: '여러 줄\n소개글입니다.', contact_number: '01012345678', status: 'busy', is_private: true },
  });
  assert.equal(set.status, 200, set.text);

  await page.goto(`${suite.server.url}/#/profile`);
  await page.locator('form.profile input[name=nickname]').waitFor({ timeout: WAIT });
  assert.equal(await page.inputValue('textarea[name=bio]'), '여러 줄\n소개글입니다.');
  assert.equal(await page.inputValue('select[name=status]'), 'busy');
  await page.fill('input[name=nickname]', '새닉네임');
  await page.click('form.profile button[type=submit]');
  await page.locator('#toast', { hasText: '프로필을 저장했습니다.' }).waitFor({ timeout: WAIT });

  const stored = await api(suite.server.url, 'GET', '/user/profile/', { token });
  assert.equal(stored.json.nickname, '새닉네임');
  assert.equal(stored.json.bio, '여러 줄\n소개글입니다.');
  assert.equal(stored.json.contact_number, '01012345678');
  assert.equal(stored.json.status, 'busy');
  assert.equal(stored.json.is_private, true);
  assert.deepEqual(errors, []);
  await page.context().close();
});

// ---- 2. "더 보기" only while there is more ----------------------------

test('"더 보기" shows only while there is more: empty search, one result, a list that ends', async () => {
  const page = await newPage();
  const errors = collectErrors(page);
  await signUp(page, 'pager@example.com', '페이저');
  const { id } = await authOf(page);
  const more = page.locator('button.more');
  const cards = page.locator('.post-card');

  // an empty search
  await page.goto(`${suite.server.url}/#/?search=${encodeURIComponent('아무것도없는검색어')}`);
  await page.locator('.post-list .empty').waitFor({ timeout: WAIT });
  assert.equal(await more.isVisible(), false, 'no "더 보기" for an empty search');

  // a one-result search
  const only = await newCategory('페이지하나');
  await seedPosts(1, { category: only, writer: id, title: () => '유일무이한검색대상' });
  await page.goto(`${suite.server.url}/#/?search=${encodeURIComponent('유일무이한검색대상')}`);
  await cards.first().waitFor({ timeout: WAIT });
  assert.equal(await cards.count(), 1);
  assert.equal(await more.isVisible(), false, 'no "더 보기" for one result');

  // exactly one page (20): nothing more to load
  const twenty = await newCategory('스무개');
  await seedPosts(20, { category: twenty, writer: id });
  await page.goto(`${suite.server.url}/#/?category=${encodeURIComponent('스무개')}`);
  await cards.nth(19).waitFor({ timeout: WAIT });
  assert.equal(await cards.count(), 20);
  assert.equal(await more.isVisible(), false, 'no "더 보기" when the first page is all there is');

  // 21: one click loads the last one, then the button goes
  const list = await newCategory('스물하나');
  await seedPosts(21, { category: list, writer: id });
  await page.goto(`${suite.server.url}/#/?category=${encodeURIComponent('스물하나')}`);
  await cards.nth(19).waitFor({ timeout: WAIT });
  await more.waitFor({ state: 'visible', timeout: WAIT });
  await more.click();
  await cards.nth(20).waitFor({ timeout: WAIT });
  await more.waitFor({ state: 'hidden', timeout: WAIT });
  assert.equal(await cards.count(), 21);
  assert.deepEqual(errors, []);
  await page.context().close();
});

// ---- 3. excerpts are the rendered text --------------------------------

test('post-card excerpts are the text of the rendered, sanitized Markdown', async () => {
  const page = await newPage();
  const errors = collectErrors(page);
  await signUp(page, 'excerpt@example.com', '요약');
  await writePost(page, {
    title: '요약문 확인용 글',
    content: '# 채널 예제\n\n```go\nch := make(chan int)\n```\n\n인라인 `<script>alert(1)</script>` 은 글자일 뿐, **굵게** [링크](https://example.com)\n\n<img src="/x.png" onerror="window.__excerpt=1"><b>태그</b>',
    tags: '요약',
  });
  await page.goto(`${suite.server.url}/#/?tag=${encodeURIComponent('요약')}`);
  const excerpt = page.locator('.post-card', { hasText: '요약문 확인용 글' }).locator('.excerpt');
  await excerpt.waitFor({ timeout: WAIT });
  const text = await excerpt.textContent();
  assert.match(text, /^채널 예제 ch := make\(chan int\) 인라인 <script>alert\(1\)<\/script> 은 글자일 뿐, 굵게 링크 태그$/);
  assert.equal(await page.locator('.post-card img, .post-card script, .post-card b').count(), 0);
  assert.equal(await page.evaluate(() => window.__excerpt), undefined);
  assert.deepEqual(errors, []);
  await page.context().close();
});

// ---- 4. a stale render never mounts ----------------------------------

test('a navigation during a slow view render leaves the newer view in place', async () => {
  const writer = await newPage();
  await signUp(writer, 'slow.writer@example.com', '느린글쓴이');
  const postId = await writePost(writer, { title: '느리게 열리는 글', content: '내용', tags: '느림' });
  const roomId = await writer.evaluate(async (id) => {
    const { api } = await import('/js/api.js');
    return (await api(`/api/post/detail/${id}/`)).room_data.id;
  }, postId);

  const page = await newPage();
  const errors = collectErrors(page);
  await signUp(page, 'slow.reader@example.com', '느린독자');
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  await page.route(`**/api/post/detail/${postId}/`, async (route) => { await held; await route.continue(); });
  await page.goto(`${suite.server.url}/#/post/${postId}`);
  await page.goto(`${suite.server.url}/#/friends`);
  await page.locator('.friends-layout h1', { hasText: '내 친구' }).waitFor({ timeout: WAIT });
  release();
  await page.waitForTimeout(1500); // the slow answer arrives and its view would mount now

  assert.equal(await page.locator('.friends-layout h1', { hasText: '내 친구' }).isVisible(), true);
  assert.equal(await page.locator('article.post').count(), 0, 'the stale post view must not mount');
  const room = await api(suite.server.url, 'GET', `/api/chat/room/${roomId}/`, { token: (await authOf(writer)).token });
  assert.equal(room.status, 200, room.text);
  assert.ok(!room.json.online_users.some((u) => u.nickname === '느린독자'), 'the stale view must not join the chat');
  assert.deepEqual(errors, []);
  await page.context().close();
  await writer.context().close();
});

// ---- 5. code blocks: highlighted, copyable ---------------------------

test('code blocks in posts and chat are highlighted and copyable', async () => {
  const page = await newPage({ permissions: ['clipboard-read', 'clipboard-write'] });
  const errors = collectErrors(page);
  await signUp(page, 'coder@example.com', '코더');
  const code = 'package main\n\nimport "fmt"\n\nfunc main() {\n\tfmt.Println("안녕")\n}';
  await writePost(page, { title: '코드 블록 강조', content: `예제:\n\n\`\`\`go\n${code}\n\`\`\`\n`, tags: 'go' });

  const block = page.locator('article.post .code-block').first();
  await block.waitFor({ timeout: WAIT });
  assert.ok(await block.locator('code.hljs .hljs-keyword').count() >= 3, 'go keywords are highlighted');
  assert.ok(await block.locator('code.hljs .hljs-string').count() >= 1);
  assert.equal(await block.locator('code').textContent(), code);

  const copy = block.locator('button.copy');
  await copy.click();
  await block.locator('button.copy', { hasText: '복사됨' }).waitFor({ timeout: WAIT });
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), code);

  // a fenced block in a chat message
  await page.fill('.send textarea', '```js\nconst answer = 42;\n```');
  await page.press('.send textarea', 'Enter'); // Enter sends
  const chatBlock = page.locator('.messages .message .code-block').first();
  await chatBlock.waitFor({ timeout: WAIT });
  assert.ok(await chatBlock.locator('code.hljs .hljs-keyword').count() >= 1);
  assert.equal(await chatBlock.locator('code').textContent(), 'const answer = 42;');
  await chatBlock.locator('button.copy').click();
  await chatBlock.locator('button.copy', { hasText: '복사됨' }).waitFor({ timeout: WAIT });
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), 'const answer = 42;');
  await shot(page, 'post-code');
  assert.deepEqual(errors, []);
  await page.context().close();
});

// ---- 6. Korean everywhere --------------------------------------------

test('errors, notices and placeholders are in Korean', async () => {
  const page = await newPage();
  const errors = collectErrors(page);

  // an anonymous visitor sent to the login page is told why
  await page.goto(`${suite.server.url}/#/friends`);
  await page.locator('form.auth').waitFor({ timeout: WAIT });
  await page.locator('.auth .notice', { hasText: '로그인이 필요합니다' }).waitFor({ timeout: WAIT });

  // a failed login, in Korean
  await signUp(page, 'korean.ui@example.com', '한글');
  await page.click('#logout');
  await page.locator('form.auth').waitFor({ timeout: WAIT });
  await page.fill('input[name=email]', 'korean.ui@example.com');
  await page.fill('input[name=password]', 'wrong-password-1');
  await page.click('form.auth button[type=submit]');
  const loginError = page.locator('form.auth .form-error');
  await loginError.filter({ hasText: /\S/ }).waitFor({ timeout: WAIT });
  assert.equal(await loginError.textContent(), '이메일 또는 비밀번호가 올바르지 않습니다.');

  await page.fill('input[name=password]', 'browser-pass-123');
  await page.click('form.auth button[type=submit]');
  await page.locator('#nav .me').waitFor({ timeout: WAIT });

  // a field error, in Korean
  await page.goto(`${suite.server.url}/#/profile`);
  await page.fill('input[name=contact_number]', 'abc-not-a-phone');
  await page.click('form.profile button[type=submit]');
  const profileError = page.locator('form.profile .form-error');
  await profileError.filter({ hasText: /\S/ }).waitFor({ timeout: WAIT });
  const profileText = await profileError.textContent();
  assert.match(profileText, /연락처/);
  assert.doesNotMatch(profileText, /[A-Za-z]/, `no English in "${profileText}"`);

  // an unknown post, in Korean
  await page.goto(`${suite.server.url}/#/post/zzzzzzzzzzzzzzz`);
  const notFound = page.locator('section.card.error');
  await notFound.waitFor({ timeout: WAIT });
  assert.doesNotMatch(await notFound.textContent(), /[A-Za-z]/);

  // an empty chat shows a placeholder, which goes with the first message
  await writePost(page, { title: '조용한 방', content: '아무도 말하지 않았습니다.', tags: '' });
  const placeholder = page.locator('.messages .empty-chat');
  await placeholder.waitFor({ timeout: WAIT });
  assert.match(await placeholder.textContent(), /아직 메시지가 없습니다/);
  await page.fill('.send textarea', '첫 메시지');
  await page.click('.send button');
  await message(page, '첫 메시지').waitFor({ timeout: WAIT });
  assert.equal(await placeholder.count(), 0);
  assert.deepEqual(errors, []);
  await page.context().close();
});

test('long Korean headings do not break inside words on a phone', async () => {
  const page = await newPage({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
  const errors = collectErrors(page);
  await signUp(page, 'phone@example.com', '모바일닉네임');
  await writePost(page, { title: '스마트폰에서도 단어가 중간에 끊기지 않는 채팅방 제목입니다', content: '본문', tags: '' });
  await page.locator('.chat header h2').waitFor({ timeout: WAIT });
  assert.deepEqual(await brokenWords(page, '.chat header'), []);
  assert.deepEqual(await brokenWords(page, '.topbar'), []);
  assert.deepEqual(await brokenWords(page, 'article.post h1'), []);
  await shot(page, 'mobile-post');
  assert.deepEqual(errors, []);
  await page.context().close();
});

// ---- access ends while the room is open -------------------------------

test('a member viewing a post whose room goes away is told so and its topic is dropped', async () => {
  const writer = await newPage();
  await signUp(writer, 'revoke.writer@example.com', '지우는사람');
  const postId = await writePost(writer, { title: '곧 사라질 글', content: '내용', tags: '' });
  const reader = await newPage();
  const errors = collectErrors(reader);
  await signUp(reader, 'revoke.reader@example.com', '보는사람');
  await reader.goto(`${suite.server.url}/#/post/${postId}`);
  await reader.locator('.chat .online li', { hasText: '보는사람' }).waitFor({ timeout: WAIT });
  const roomId = await reader.evaluate(async (id) => {
    const { api } = await import('/js/api.js');
    return (await api(`/api/post/detail/${id}/`)).room_data.id;
  }, postId);
  assert.match(roomId, /^[a-z0-9]{15}$/);

  const del = await api(suite.server.url, 'DELETE', `/api/post/detail/${postId}/delete/`, { token: (await authOf(writer)).token });
  assert.equal(del.status, 204, del.text);

  await reader.locator('.chat .notice.revoked', { hasText: '더 이상' }).waitFor({ timeout: WAIT });
  assert.equal(await reader.locator('.send textarea').isDisabled(), true);
  const listening = await reader.evaluate(async (room) => {
    const { pb } = await import('/js/api.js');
    return pb.realtime.hasSubscriptionListeners(`chat/${room}`);
  }, roomId);
  assert.equal(listening, false, 'the revoked topic is unsubscribed');

  // the reader goes on to another post: its chat opens normally
  const otherId = await writePost(writer, { title: '남아 있는 글', content: '내용', tags: '' });
  await reader.goto(`${suite.server.url}/#/post/${otherId}`);
  await reader.locator('.chat .online li', { hasText: '보는사람' }).waitFor({ timeout: WAIT });
  assert.deepEqual(errors, []);
  await reader.context().close();
  await writer.context().close();
});
