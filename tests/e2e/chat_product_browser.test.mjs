// The chat product in the web client, in a real headless Chromium
// (Debian's, driven by playwright-core) against the real binary: two
// members in one room see each other's edits, reactions, typing and
// mentions live; a deleted message's text leaves the other page; unread
// badges rise while a member is elsewhere and clear when they open the
// room; the bell counts mentions; a DM opened from the friends list
// reaches the friend; chat search finds a message and leads to its room;
// the chat pages fit a phone. Every wait has a deadline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { browserSuite, WAIT } from './browser_suite.mjs';

const suite = browserSuite();
const { newPage, shot, signUp, roomOfPost } = suite;

const writePost = (page, title) => suite.chatPost(page, title, '채팅 제품 테스트용 글입니다.');

async function say(page, text) {
  await page.fill('.send textarea', text);
  await page.press('.send textarea', 'Enter');
  await bubble(page, text).waitFor({ timeout: WAIT });
}

/** The <li> of the message whose text holds text. */
const bubble = (page, text) => page.locator('.messages .message', { has: page.locator('.text', { hasText: text }) });

/** Fails unless text is nowhere in the page: not shown, not in hidden nodes, not in a form field. */
async function waitGone(page, text) {
  await page.waitForFunction((t) => {
    const fields = [...document.querySelectorAll('input, textarea')].map((f) => f.value).join('\n');
    return !document.documentElement.textContent.includes(t) && !fields.includes(t);
  }, text, { timeout: WAIT });
}

test('two members in one room see edits, reactions, typing and mentions live; a deleted message leaves no trace', async () => {
  const a = await newPage();
  const b = await newPage();
  await signUp(a, 'ann.product@example.com', '앤');
  await signUp(b, 'ben.product@example.com', '벤자민');
  const postId = await writePost(a, '채팅 제품 둘러보기');
  await b.goto(`${suite.server.url}/#/post/${postId}`);
  await a.locator('.chat .online li', { hasText: '벤자민' }).waitFor({ timeout: WAIT });

  // edit: A fixes a typo, B sees the new text and the "(수정됨)" marker
  await say(a, '오타가 있는 문장');
  await bubble(b, '오타가 있는 문장').waitFor({ timeout: WAIT });
  const mine = bubble(a, '오타가 있는 문장');
  await mine.hover();
  await mine.locator('button.edit').click();
  await a.fill('.edit-form textarea', '고쳐진 문장');
  await a.press('.edit-form textarea', 'Enter');
  await bubble(a, '고쳐진 문장').locator('.edited').waitFor({ timeout: WAIT });
  const edited = bubble(b, '고쳐진 문장');
  await edited.locator('.edited', { hasText: '(수정됨)' }).waitFor({ timeout: WAIT });
  await waitGone(b, '오타가 있는 문장');

  // react: A picks 👍, B sees the chip (not as theirs), joins it, A sees 2
  await bubble(a, '고쳐진 문장').hover();
  await bubble(a, '고쳐진 문장').locator('button.react-open').click();
  await a.locator('.emoji-picker button', { hasText: '👍' }).click();
  await bubble(a, '고쳐진 문장').locator('.reaction.me', { hasText: '👍' }).locator('.count', { hasText: '1' }).waitFor({ timeout: WAIT });
  const bChip = edited.locator('.reaction', { hasText: '👍' });
  await bChip.locator('.count', { hasText: '1' }).waitFor({ timeout: WAIT });
  assert.equal(await bChip.evaluate((el) => el.classList.contains('me')), false, "A's reaction is not B's");
  await bChip.click();
  await edited.locator('.reaction.me', { hasText: '👍' }).locator('.count', { hasText: '2' }).waitFor({ timeout: WAIT });
  await bubble(a, '고쳐진 문장').locator('.reaction', { hasText: '👍' }).locator('.count', { hasText: '2' }).waitFor({ timeout: WAIT });
  // and toggles it off again
  await edited.locator('.reaction', { hasText: '👍' }).click();
  await bubble(a, '고쳐진 문장').locator('.reaction', { hasText: '👍' }).locator('.count', { hasText: '1' }).waitFor({ timeout: WAIT });
  assert.equal(await edited.locator('.reaction.me').count(), 0);

  // typing: B sees "앤님이 입력 중…" while A keeps typing (the server passes
  // one notice per 3 s, and A's last send just used one), and it goes away
  const typingLine = b.locator('.typing', { hasText: '앤님이 입력 중…' });
  await a.locator('.send textarea').focus();
  const deadline = Date.now() + WAIT;
  for (;;) {
    await a.keyboard.type('가');
    try { await typingLine.waitFor({ timeout: 300 }); break; } catch { /* keep typing */ }
    assert.ok(Date.now() < deadline, 'B never saw A typing');
  }
  await a.fill('.send textarea', '');
  await b.locator('.typing', { hasText: '입력 중' }).waitFor({ state: 'detached', timeout: WAIT });

  // mention: "@벤" offers 벤자민; picking it sends B's id; B sees it highlighted
  await a.locator('.send textarea').focus();
  await a.keyboard.type('@벤');
  const option = a.locator('.mention-menu li', { hasText: '벤자민' });
  await option.waitFor({ timeout: WAIT });
  const sent = a.waitForRequest((r) => r.url().includes('/api/collections/messages/records') && r.method() === 'POST', { timeout: WAIT });
  await a.keyboard.press('Enter'); // picks the suggestion, does not send
  assert.equal(await a.inputValue('.send textarea'), '@벤자민 ');
  await a.keyboard.type('리뷰 부탁해요');
  await a.keyboard.press('Enter');
  const body = JSON.parse((await sent).postData());
  const bId = await b.evaluate(() => JSON.parse(localStorage.getItem('pocketbase_auth')).record.id);
  assert.deepEqual(body.mentions, [bId]);
  const mention = bubble(b, '리뷰 부탁해요');
  await mention.locator('.mention.me', { hasText: '@벤자민' }).waitFor({ timeout: WAIT });
  await b.locator('.messages .message.mentions-me', { hasText: '리뷰 부탁해요' }).waitFor({ timeout: WAIT });
  // B reads the room as the mention arrives, which reads its notification: the bell stays quiet
  await b.locator('.bell-count').waitFor({ state: 'hidden', timeout: WAIT });

  // while B is elsewhere, the bell counts a mention; its entry leads to the message
  await b.goto(`${suite.server.url}/#/friends`);
  await b.locator('.friends-layout').waitFor({ timeout: WAIT });
  await say(a, '@벤자민 이것도 봐 주세요');
  await b.locator('.bell-count', { hasText: '1' }).waitFor({ timeout: WAIT });
  await b.click('.bell-button');
  const entry = b.locator('.bell-panel .notification.unread', { hasText: '앤님이 회원님을 언급했습니다' });
  await entry.locator('.excerpt', { hasText: '이것도 봐 주세요' }).waitFor({ timeout: WAIT });
  await shot(b, 'chat-product-mention');
  await entry.locator('a').click();
  await b.waitForURL(/#\/chat\/[a-z0-9]+\?m=[a-z0-9]+$/, { timeout: WAIT });
  await b.locator('.messages .message.flash.mentions-me', { hasText: '이것도 봐 주세요' }).waitFor({ timeout: WAIT });
  await b.locator('.bell-count').waitFor({ state: 'hidden', timeout: WAIT });
  await b.locator('.chat .online li.me').waitFor({ timeout: WAIT });

  // delete: B quotes A's message in a reply; A deletes it; its text is nowhere in B's page
  const secret = '곧 지워질 비밀 문장 7301';
  await say(a, secret);
  await bubble(b, secret).hover();
  await bubble(b, secret).locator('button.reply').click();
  await say(b, '그 문장에 답장합니다');
  await a.locator('.messages .message', { hasText: '그 문장에 답장합니다' }).locator('.quote', { hasText: secret }).waitFor({ timeout: WAIT });
  await bubble(a, secret).hover();
  await bubble(a, secret).locator('button.delete').click();
  await a.locator('.messages .message.deleted .deleted-text', { hasText: '삭제된 메시지입니다' }).waitFor({ timeout: WAIT });
  await b.locator('.messages .message.deleted .deleted-text', { hasText: '삭제된 메시지입니다' }).waitFor({ timeout: WAIT });
  await waitGone(b, secret);
  await b.locator('.messages .message', { hasText: '그 문장에 답장합니다' }).locator('.quote', { hasText: '삭제된 메시지입니다' }).waitFor({ timeout: WAIT });
  // after a reload too (history)
  await b.reload();
  await b.locator('.messages .message.deleted').first().waitFor({ timeout: WAIT });
  await waitGone(b, secret);
  await shot(a, 'chat-product-room');

  assert.deepEqual(a.errors, []);
  assert.deepEqual(b.errors, []);
  await a.context().close();
  await b.context().close();
});

test('an unread badge rises while the member is elsewhere and clears when they open the room', async () => {
  const a = await newPage();
  const b = await newPage();
  await signUp(a, 'ann.unread@example.com', '읽음앤');
  await signUp(b, 'ben.unread@example.com', '읽음벤');
  const postId = await writePost(a, '안 읽은 메시지 세기');
  const roomId = await roomOfPost(a, postId);
  await b.goto(`${suite.server.url}/#/post/${postId}`);
  await say(b, '저도 이 방을 따라갑니다'); // sending follows the room

  await b.goto(`${suite.server.url}/#/chats`);
  const item = b.locator(`.room-item[data-room="${roomId}"]`);
  await item.waitFor({ timeout: WAIT });
  assert.equal(await item.locator('.badge.unread').count(), 0);

  await say(a, '첫 번째 새 소식');
  await say(a, '두 번째 새 소식');
  await item.locator('.badge.unread', { hasText: '2' }).waitFor({ timeout: WAIT });
  await b.locator('#nav .nav-chats .badge', { hasText: '2' }).waitFor({ timeout: WAIT });
  await shot(b, 'chat-product-unread');

  // opening the room: a "새 메시지" divider before the first unread message, and the badges clear
  await item.locator('a').click();
  await b.locator('.messages .divider', { hasText: '새 메시지' }).waitFor({ timeout: WAIT });
  const next = await b.evaluate(() => document.querySelector('.messages .divider').nextElementSibling.querySelector('.text').textContent);
  assert.equal(next, '첫 번째 새 소식');
  await b.locator('#nav .nav-chats .badge').waitFor({ state: 'hidden', timeout: WAIT });
  await b.goto(`${suite.server.url}/#/chats`);
  await item.waitFor({ timeout: WAIT });
  await b.waitForFunction((id) => {
    const el = document.querySelector(`.room-item[data-room="${id}"]`);
    return el && !el.querySelector('.badge.unread');
  }, roomId, { timeout: WAIT });

  // a message while B is in the room is read at once: no badge afterwards
  await item.locator('a').click();
  await b.locator('.chat .online li.me').waitFor({ timeout: WAIT });
  await say(a, '보고 있을 때 온 메시지');
  await bubble(b, '보고 있을 때 온 메시지').waitFor({ timeout: WAIT });
  await b.waitForFunction(async (id) => {
    const { api } = await import('/js/api.js');
    const u = await api('/api/chat/unread/');
    return u.rooms.find((r) => r.room.id === id)?.unread === 0;
  }, roomId, { timeout: WAIT, polling: 300 });
  assert.deepEqual(a.errors, []);
  assert.deepEqual(b.errors, []);
  await a.context().close();
  await b.context().close();
});

test('a DM opened from the friends list reaches the other member', async () => {
  const a = await newPage();
  const b = await newPage();
  await signUp(a, 'ann.dm@example.com', '디엠앤');
  await signUp(b, 'ben.dm@example.com', '디엠벤');

  // B adds A as a friend, then messages A from the friends list
  await b.goto(`${suite.server.url}/#/friends`);
  await b.fill('form.search input', 'ann.dm');
  await b.click('form.search button');
  await b.locator('.people .person', { hasText: '디엠앤' }).locator('button', { hasText: '친구 추가' }).click();
  const friend = b.locator('.people .person', { hasText: 'ann.dm@example.com' }).first();
  await friend.locator('button.dm').waitFor({ timeout: WAIT });
  await friend.locator('button.dm').click();
  await b.waitForURL(/#\/chat\/[a-z0-9]+$/, { timeout: WAIT });
  const dmId = b.url().split('#/chat/')[1];
  await b.locator('.room-head h1', { hasText: '디엠앤' }).waitFor({ timeout: WAIT });
  await b.locator('.chat .online li.me').waitFor({ timeout: WAIT });
  await say(b, '디엠으로 인사합니다');

  // A: the bell rings, the DM is listed under B's name with its unread count, and the message is there
  await a.goto(`${suite.server.url}/#/chats`);
  const dm = a.locator(`.dm-list .room-item[data-room="${dmId}"]`);
  await dm.locator('.room-title', { hasText: '디엠벤' }).waitFor({ timeout: WAIT });
  await dm.locator('.badge.unread', { hasText: '1' }).waitFor({ timeout: WAIT });
  await a.locator('.bell-count', { hasText: '2' }).waitFor({ timeout: WAIT }); // added as a friend, and the DM
  await a.click('.bell-button');
  await a.locator('.bell-panel .notification.unread', { hasText: '디엠벤님이 메시지를 보냈습니다' }).waitFor({ timeout: WAIT });
  await a.locator('.bell-panel .notification.unread', { hasText: '디엠벤님이 회원님을 친구로 추가했습니다' }).waitFor({ timeout: WAIT });
  await a.locator('.bell-panel button', { hasText: '모두 읽음' }).click();
  await a.locator('.bell-count').waitFor({ state: 'hidden', timeout: WAIT });
  assert.equal(await a.locator('.bell-panel .notification.unread').count(), 0);
  await a.keyboard.press('Escape');
  await dm.locator('a').click();
  await bubble(a, '디엠으로 인사합니다').waitFor({ timeout: WAIT });
  await a.locator('.room-head h1', { hasText: '디엠벤' }).waitFor({ timeout: WAIT });

  // and the answer arrives live
  await say(a, '디엠 답장이에요');
  await bubble(b, '디엠 답장이에요').waitFor({ timeout: WAIT });
  await shot(a, 'chat-product-dm');
  assert.deepEqual(a.errors, []);
  assert.deepEqual(b.errors, []);
  await a.context().close();
  await b.context().close();
});

test('chat search finds a message and leads to it in its room', async () => {
  const a = await newPage();
  await signUp(a, 'ann.search@example.com', '검색앤');
  const postId = await writePost(a, '검색되는 채팅방');
  const roomId = await roomOfPost(a, postId);
  await say(a, '배포 스크립트는 deploy_검색용.sh 에 있어요');
  await say(a, '다른 이야기');

  await a.goto(`${suite.server.url}/#/chats`);
  await a.fill('.chat-search-form input[name=q]', 'DEPLOY_검색');
  await a.click('.chat-search-form button');
  const result = a.locator('.search-result', { hasText: 'deploy_검색용.sh' });
  await result.waitFor({ timeout: WAIT });
  assert.equal(await result.locator('mark').textContent(), 'deploy_검색');
  assert.equal(await a.locator('.search-result', { hasText: '다른 이야기' }).count(), 0);
  await shot(a, 'chat-product-search');
  await result.locator('a').click();
  await a.waitForURL(new RegExp(`#/chat/${roomId}\\?m=`), { timeout: WAIT });
  await a.locator('.messages .message.flash', { hasText: 'deploy_검색용.sh' }).waitFor({ timeout: WAIT });

  // one room only: the select narrows the search
  await a.goto(`${suite.server.url}/#/chats`);
  await a.locator(`.chat-search select option[value="${roomId}"]`).waitFor({ state: 'attached', timeout: WAIT });
  await a.selectOption('.chat-search select', roomId);
  await a.fill('.chat-search-form input[name=q]', '이야기');
  await a.click('.chat-search-form button');
  await a.locator('.search-result', { hasText: '다른 이야기' }).waitFor({ timeout: WAIT });
  assert.deepEqual(a.errors, []);
  await a.context().close();
});

test('hostile nicknames and messages stay inert in mentions, the bell, the room list and search results', async () => {
  const evil = await newPage();
  const victim = await newPage();
  await signUp(evil, 'evil.product@example.com', '<svg onload=q()>');
  await signUp(victim, 'victim.product@example.com', '피해자');
  const postId = await writePost(evil, '위험한 이름');
  await victim.goto(`${suite.server.url}/#/post/${postId}`);
  await say(victim, '저도 있어요');
  await evil.locator('.chat .online li', { hasText: '피해자' }).waitFor({ timeout: WAIT });
  await evil.locator('.send textarea').focus();
  await evil.keyboard.type('@피해');
  await evil.locator('.mention-menu li', { hasText: '피해자' }).waitFor({ timeout: WAIT });
  await evil.keyboard.press('Enter');
  await evil.keyboard.type('<svg onload=window.__xss=2> 위험문자열');
  await evil.keyboard.press('Enter');
  await bubble(victim, '위험문자열').waitFor({ timeout: WAIT });

  await victim.goto(`${suite.server.url}/#/chats`);
  await victim.locator('.room-item', { hasText: '위험문자열' }).waitFor({ timeout: WAIT });
  await victim.click('.bell-button');
  await victim.locator('.bell-panel .notification', { hasText: '<svg onload=q()>님이 회원님을 언급했습니다' }).waitFor({ timeout: WAIT });
  await victim.keyboard.press('Escape');
  await victim.fill('.chat-search-form input[name=q]', '위험문자열');
  await victim.click('.chat-search-form button');
  await victim.locator('.search-result', { hasText: '<svg onload=window.__xss=2>' }).waitFor({ timeout: WAIT });

  for (const page of [evil, victim]) {
    const state = await page.evaluate(() => ({
      xss: window.__xss,
      injected: document.querySelectorAll('main img, main svg, #nav img:not(.avatar)').length,
      handlers: [...document.querySelectorAll('body *')].filter((el) => [...el.attributes].some((at) => at.name.startsWith('on'))).length,
    }));
    assert.deepEqual(state, { xss: undefined, injected: 0, handlers: 0 });
  }
  assert.deepEqual(evil.errors, []);
  assert.deepEqual(victim.errors, []);
  await evil.context().close();
  await victim.context().close();
});

test('the chat pages fit a phone', async () => {
  const page = await newPage({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
  await signUp(page, 'phone.product@example.com', '폰사용자');
  const postId = await writePost(page, '휴대폰 채팅');
  await say(page, '휴대폰에서도 잘 보이나요? @폰사용자');
  const roomId = await roomOfPost(page, postId);
  for (const hash of ['#/chats', `#/chat/${roomId}`]) {
    await page.goto(`${suite.server.url}/${hash}`);
    await page.locator(hash === '#/chats' ? '.chats-layout' : '.room-layout .chat').waitFor({ timeout: WAIT });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `${hash} is ${overflow}px wider than the phone`);
  }
  await page.click('.bell-button');
  await page.locator('.bell-panel').waitFor({ timeout: WAIT });
  const panel = await page.locator('.bell-panel').boundingBox();
  assert.ok(panel.x >= 0 && panel.x + panel.width <= 360, 'the bell dropdown fits the screen');
  await shot(page, 'chat-product-mobile');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
