// Moderation in the web client, in a real headless Chromium (Debian's,
// driven by playwright-core) against the real binary: a post's writer
// moderates its room. The member they mute sees the notice and cannot
// send (the page refuses, the server stores nothing); a message the
// moderator deletes becomes "관리자가 삭제한 메시지입니다" on the member's
// screen; slow mode shows for everyone and the member's send box shows the
// wait after a refusal; a member's report reaches the moderator's queue
// page and is resolved there; a kick and a ban end the member's chat with
// a notice; a member blocks and unblocks from the profile page; the
// moderator's screens fit a phone. Every wait has a deadline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api } from './server.mjs';
import { browserSuite, WAIT } from './browser_suite.mjs';
import { signUp as restSignUp } from './helpers.mjs';

const suite = browserSuite();
const { newPage, shot, signUp, roomOfPost } = suite;

const writePost = (page, title) => suite.chatPost(page, title, '관리 기능 테스트용 글입니다.');

/** The texts of the room's stored messages, as page's member reads them. */
async function storedTexts(page, roomId) {
  return page.evaluate(async (id) => {
    const { api } = await import('/js/api.js');
    return (await api(`/api/chat/room/${id}/`)).chat_messages.map((m) => m.message);
  }, roomId);
}

async function say(page, text) {
  await page.fill('.send textarea', text);
  await page.press('.send textarea', 'Enter');
  await bubble(page, text).waitFor({ timeout: WAIT });
}

/** The <li> of the message whose text holds text. */
const bubble = (page, text) => page.locator('.messages .message', { has: page.locator('.text', { hasText: text }) });

/** Opens the "⋯" menu of a message and picks an item by its data-action. */
async function messageMenu(page, text, action) {
  const li = bubble(page, text);
  await li.hover();
  await li.locator('button.more').click();
  await page.locator(`.popup-menu button[data-action="${action}"]`).click();
}

/** Opens the menu of the sender's name on a message and picks an item. */
async function memberMenu(page, text, action) {
  await bubble(page, text).locator('button.member-name').click();
  await page.locator(`.popup-menu button[data-action="${action}"]`).click();
}

/** Confirms the open modal, with reason typed into it when given. */
async function confirmModal(page, reason) {
  const dialog = page.locator('dialog.modal[open]');
  await dialog.waitFor({ timeout: WAIT });
  if (reason !== undefined) await dialog.locator('textarea').fill(reason);
  await dialog.locator('button[data-action="ok"]').click();
  await dialog.waitFor({ state: 'detached', timeout: WAIT });
}

/** Fails unless text is nowhere in the page: not shown, not in hidden nodes, not in a form field. */
async function waitGone(page, text) {
  await page.waitForFunction((t) => {
    const fields = [...document.querySelectorAll('input, textarea')].map((f) => f.value).join('\n');
    return !document.documentElement.textContent.includes(t) && !fields.includes(t);
  }, text, { timeout: WAIT });
}

/** A moderator (the post's writer) and a member, both in the post's room. */
async function roomOfTwo(tag, modName, memberName) {
  const moderator = await newPage();
  const member = await newPage();
  await signUp(moderator, `mod.${tag}@example.com`, modName);
  await signUp(member, `member.${tag}@example.com`, memberName);
  const postId = await writePost(moderator, `관리 테스트 ${tag}`);
  const roomId = await roomOfPost(moderator, postId);
  await member.goto(`${suite.server.url}/#/post/${postId}`);
  await member.locator('.chat .online li.me').waitFor({ timeout: WAIT });
  await moderator.locator('.chat .online li', { hasText: memberName }).waitFor({ timeout: WAIT });
  return { moderator, member, postId, roomId };
}

test('a moderator deletes, mutes and sets slow mode; the member sees each live and cannot send while muted', async () => {
  const { moderator, member, postId, roomId } = await roomOfTwo('live', '방장', '참여자');

  // only the moderator gets the moderator's bar
  await moderator.locator('.chat .mod-bar .slow-mode-select').waitFor({ timeout: WAIT });
  assert.equal(await member.locator('.chat .mod-bar').count(), 0);

  await say(member, '고치기 전 문장');
  await say(member, '남을 메시지');
  // the member edits the first one; the moderator reads its history
  const first = bubble(member, '고치기 전 문장');
  await first.hover();
  await first.locator('button.edit').click();
  await member.fill('.edit-form textarea', '지워질 메시지');
  await member.press('.edit-form textarea', 'Enter');
  await bubble(moderator, '지워질 메시지').locator('.edited').waitFor({ timeout: WAIT });
  await messageMenu(moderator, '지워질 메시지', 'history');
  const history = moderator.locator('dialog.history-modal[open]');
  await history.locator('.version', { hasText: '고치기 전 문장' }).waitFor({ timeout: WAIT });
  await history.locator('.version.current', { hasText: '지워질 메시지' }).waitFor({ timeout: WAIT });
  await moderator.keyboard.press('Escape');
  await history.waitFor({ state: 'detached', timeout: WAIT });

  // a moderator's delete: the member's screen shows the placeholder, the text is gone
  await messageMenu(moderator, '지워질 메시지', 'mod-delete');
  await confirmModal(moderator);
  await member.locator('.messages .message.deleted .deleted-text', { hasText: '관리자가 삭제한 메시지입니다' }).waitFor({ timeout: WAIT });
  await waitGone(member, '지워질 메시지');
  await moderator.locator('.messages .message.deleted .deleted-text', { hasText: '관리자가 삭제한 메시지입니다' }).waitFor({ timeout: WAIT });

  // mute for 10 minutes, from the member's name on their message
  await memberMenu(moderator, '남을 메시지', 'mute-10');
  await confirmModal(moderator, '도배 금지');
  const notice = member.locator('.chat .mute-notice', { hasText: '10분 동안 채팅이 제한되었습니다' });
  await notice.waitFor({ timeout: WAIT });
  assert.match(await notice.textContent(), /도배 금지/);
  assert.equal(await member.locator('.send textarea').isDisabled(), true);
  assert.equal(await member.locator('.send button[type=submit]').isDisabled(), true);
  await shot(member, 'moderation-muted');

  // the send box refuses even when forced, and the server refuses too: nothing is stored
  await member.evaluate(() => {
    const area = document.querySelector('.send textarea');
    area.disabled = false;
    area.value = '뮤트 중에 보낸 메시지';
    document.querySelector('form.send').requestSubmit();
  });
  await member.locator('#toast', { hasText: '채팅이 제한되어' }).waitFor({ timeout: WAIT });
  const refused = await member.evaluate(async (room) => {
    const { api } = await import('/js/api.js');
    try {
      await api('/api/chat/message/', { method: 'POST', body: { room, message: '뮤트 중 REST 메시지' } });
      return 'stored';
    } catch (err) { return err.status; }
  }, roomId);
  assert.equal(refused, 403);
  const afterMute = await storedTexts(moderator, roomId);
  assert.ok(!afterMute.some((t) => t.includes('뮤트 중')), `nothing sent while muted is stored: ${afterMute}`);
  assert.equal(await bubble(moderator, '뮤트 중').count(), 0);

  // lifting the mute gives the send box back
  await memberMenu(moderator, '남을 메시지', 'unmute');
  await notice.waitFor({ state: 'hidden', timeout: WAIT });
  await member.waitForFunction(() => !document.querySelector('.send textarea').disabled, null, { timeout: WAIT });

  // slow mode: the moderator picks 30초, the member's screen shows it live
  await moderator.selectOption('.chat .slow-mode-select', '30');
  await member.locator('.chat .slow-indicator', { hasText: '슬로우 모드: 30초' }).waitFor({ timeout: WAIT });
  await moderator.locator('.chat .slow-indicator', { hasText: '슬로우 모드: 30초' }).waitFor({ timeout: WAIT });
  // the member wrote less than 30 s ago: the server refuses, the send box shows the wait
  await member.fill('.send textarea', '슬로우 모드 메시지');
  await member.press('.send textarea', 'Enter');
  const wait = member.locator('.chat .slow-wait', { hasText: /슬로우 모드: \d+초 후에 보낼 수 있습니다/ });
  await wait.waitFor({ timeout: WAIT });
  assert.equal(await member.locator('.send textarea').inputValue(), '슬로우 모드 메시지', 'the refused text stays in the box');
  assert.match(await member.locator('.send button[type=submit]').textContent(), /^\d+초$/);
  assert.equal(await member.locator('.send button[type=submit]').isDisabled(), true);
  assert.ok(!(await storedTexts(moderator, roomId)).includes('슬로우 모드 메시지'));

  // after a reload the room answer shows slow mode again, and a refusal the wait
  await member.reload();
  await member.locator('.chat .online li.me').waitFor({ timeout: WAIT });
  await member.locator('.chat .slow-indicator', { hasText: '슬로우 모드: 30초' }).waitFor({ timeout: WAIT });
  await member.fill('.send textarea', '슬로우 모드 두 번째 메시지');
  await member.press('.send textarea', 'Enter');
  await wait.waitFor({ timeout: WAIT });
  assert.ok(!(await storedTexts(moderator, roomId)).includes('슬로우 모드 두 번째 메시지'));
  await shot(member, 'moderation-slow-mode');

  // the room's log names what was done
  await moderator.goto(`${suite.server.url}/#/moderation?room=${roomId}`);
  for (const action of ['delete_message', 'mute', 'unmute', 'slow_mode']) {
    await moderator.locator(`.mod-log .log-entry[data-action="${action}"]`).first().waitFor({ timeout: WAIT });
  }
  await shot(moderator, 'moderation-log');
  // the member's queue is empty: they moderate nothing
  await member.goto(`${suite.server.url}/#/moderation`);
  await member.locator('.reports li.empty').waitFor({ timeout: WAIT });
  assert.equal(await member.locator('.reports .report').count(), 0);
  assert.ok(postId);

  assert.deepEqual(moderator.errors, []);
  assert.deepEqual(member.errors, []);
  await moderator.context().close();
  await member.context().close();
});

test('a report reaches the moderator\'s queue page; three reports hide the message until it is dismissed', async () => {
  const { moderator, member, roomId } = await roomOfTwo('report', '신고방장', '신고자');
  await say(moderator, '신고될 메시지');
  await bubble(member, '신고될 메시지').waitFor({ timeout: WAIT });

  // the member reports it from the message's menu, with a reason
  await messageMenu(member, '신고될 메시지', 'report');
  await confirmModal(member, '광고성 메시지');
  await member.locator('#toast', { hasText: '신고했습니다' }).waitFor({ timeout: WAIT });

  // it reaches the moderator's queue
  await moderator.goto(`${suite.server.url}/#/moderation`);
  const report = moderator.locator('.reports .report', { hasText: '신고될 메시지' });
  await report.locator('.report-reason', { hasText: '광고성 메시지' }).waitFor({ timeout: WAIT });
  assert.match(await report.locator('.report-reason').first().textContent(), /신고자님의 신고 사유/);

  // two more members report it: the member's screen hides it
  const messageId = await report.getAttribute('data-message');
  for (const n of [1, 2]) {
    const other = await restSignUp(suite.server.url, `other${n}.report@example.com`, 'browser-pass-123', { nickname: `신고${n}` });
    const res = await api(suite.server.url, 'POST', `/api/chat/message/${messageId}/report/`, { token: other.access, body: { reason: `스팸 ${n}` } });
    assert.equal(res.status, 201, res.text);
  }
  await member.locator('.messages .message.veiled .hidden-text', { hasText: '신고로 가려진 메시지입니다' }).waitFor({ timeout: WAIT });
  await waitGone(member, '신고될 메시지');
  await moderator.reload();
  await moderator.locator('.reports .report', { hasText: '신고될 메시지' }).first().waitFor({ timeout: WAIT });
  await shot(moderator, 'moderation-queue');

  // dismissed from the queue: every open report of it goes, and the member sees it again
  await moderator.locator('.reports .report', { hasText: '신고될 메시지' }).first().locator('button[data-resolve="dismiss"]').click();
  await confirmModal(moderator, '문제 없음');
  await moderator.waitForFunction(() => ![...document.querySelectorAll('.reports .report')].some((r) => r.textContent.includes('신고될 메시지')), null, { timeout: WAIT });
  await moderator.locator('.reports li.empty').waitFor({ timeout: WAIT });
  await bubble(member, '신고될 메시지').waitFor({ timeout: WAIT });

  // the log of the room has the resolution
  await moderator.goto(`${suite.server.url}/#/moderation?room=${roomId}`);
  await moderator.locator('.mod-log .log-entry[data-action="resolve_report"]').first().waitFor({ timeout: WAIT });

  assert.deepEqual(moderator.errors, []);
  assert.deepEqual(member.errors, []);
  await moderator.context().close();
  await member.context().close();
});

test('a kick and a ban end the member\'s chat with a notice', async () => {
  const { moderator, member, postId } = await roomOfTwo('kick', '강퇴방장', '손님');
  await say(member, '안녕하세요 손님입니다');
  await bubble(moderator, '안녕하세요 손님입니다').waitFor({ timeout: WAIT });

  // kick: the notice, and the member may come back at once
  await memberMenu(moderator, '안녕하세요 손님입니다', 'kick');
  await confirmModal(moderator, '잠시 나가 주세요');
  const kicked = member.locator('.messages .notice.revoked[data-code="4008"]', { hasText: '내보냈습니다' });
  await kicked.waitFor({ timeout: WAIT });
  assert.equal(await member.locator('.send textarea').isDisabled(), true);
  await kicked.locator('button.rejoin').click();
  await member.locator('.chat .online li.me').waitFor({ timeout: WAIT });
  await moderator.locator('.chat .online li', { hasText: '손님' }).waitFor({ timeout: WAIT });

  // ban for a day, from the online list's name
  await moderator.locator('.chat .online li button.member-name', { hasText: '손님' }).click();
  await moderator.locator('.popup-menu button[data-action="ban-1440"]').click();
  await confirmModal(moderator);
  await member.locator('.messages .notice.revoked[data-code="4009"]', { hasText: '입장이 금지되었습니다' }).waitFor({ timeout: WAIT });
  assert.equal(await member.locator('.send textarea').isDisabled(), true);
  await shot(member, 'moderation-banned');

  // the post stays readable; its chat does not open
  await member.goto(`${suite.server.url}/#/post/${postId}`);
  await member.locator('article.post h1').waitFor({ timeout: WAIT });
  assert.equal(await member.locator('.chat .online li.me').count(), 0);

  assert.deepEqual(moderator.errors, []);
  assert.deepEqual(member.errors, []);
  await moderator.context().close();
  await member.context().close();
});

test('a member blocks someone from their name and unblocks them from the profile page', async () => {
  const { moderator: writer, member, roomId } = await roomOfTwo('block', '글쓴이', '차단자');
  await say(writer, '차단될 사람의 메시지');
  await bubble(member, '차단될 사람의 메시지').waitFor({ timeout: WAIT });

  await memberMenu(member, '차단될 사람의 메시지', 'block');
  await confirmModal(member);
  await member.locator('#toast', { hasText: '차단했습니다' }).waitFor({ timeout: WAIT });
  assert.ok(!(await storedTexts(member, roomId)).includes('차단될 사람의 메시지'), 'a blocked member\'s messages leave the history');

  await member.goto(`${suite.server.url}/#/profile`);
  const entry = member.locator('.blocked-list .person', { hasText: '글쓴이' });
  await entry.waitFor({ timeout: WAIT });
  await shot(member, 'moderation-blocked');
  await entry.locator('button.unblock').click();
  await member.locator('.blocked-list li.empty', { hasText: '차단한 사용자가 없습니다' }).waitFor({ timeout: WAIT });
  assert.ok((await storedTexts(member, roomId)).includes('차단될 사람의 메시지'), 'unblocked: the history shows them again');

  assert.deepEqual(writer.errors, []);
  assert.deepEqual(member.errors, []);
  await writer.context().close();
  await member.context().close();
});

test('the moderator\'s menus and the queue fit a phone', async () => {
  const moderator = await newPage({ viewport: { width: 390, height: 800 }, isMobile: true, hasTouch: true });
  const member = await newPage();
  await signUp(moderator, 'mod.phone@example.com', '폰방장');
  await signUp(member, 'member.phone@example.com', '폰손님');
  const postId = await writePost(moderator, '폰에서 관리하기');
  await member.goto(`${suite.server.url}/#/post/${postId}`);
  await say(member, '폰에서 보이는 메시지');
  await bubble(moderator, '폰에서 보이는 메시지').waitFor({ timeout: WAIT });
  await moderator.locator('.chat .mod-bar').scrollIntoViewIfNeeded();

  const overflow = () => moderator.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(await overflow() <= 0, 'the chat with its moderator bar fits');
  await bubble(moderator, '폰에서 보이는 메시지').locator('button.more').click();
  const menu = moderator.locator('.popup-menu');
  await menu.waitFor({ timeout: WAIT });
  const box = await menu.boundingBox();
  assert.ok(box.x >= 0 && box.x + box.width <= 390, `the menu stays on screen: ${JSON.stringify(box)}`);
  await shot(moderator, 'moderation-mobile-menu');
  await moderator.keyboard.press('Escape');
  await menu.waitFor({ state: 'detached', timeout: WAIT });

  await moderator.goto(`${suite.server.url}/#/moderation`);
  await moderator.locator('.reports-card h1').waitFor({ timeout: WAIT });
  assert.ok(await overflow() <= 0, 'the moderation page fits');

  assert.deepEqual(moderator.errors, []);
  assert.deepEqual(member.errors, []);
  await moderator.context().close();
  await member.context().close();
});
