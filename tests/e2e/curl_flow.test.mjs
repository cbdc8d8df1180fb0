// Runs the README's curl walkthrough (curl_flow.sh) against a real server.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { startServer } from './server.mjs';

const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'curl_flow.sh');

let server;

before(async () => {
  server = await startServer();
});

after(async () => {
  const died = server?.exitStatus();
  const report = died && server.diagnostics();
  await server?.stop();
  if (died) throw new Error(`the server exited during the tests: ${report}`);
});

function runScript(url) {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [script, url], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => { output += chunk; });
    child.stderr.on('data', (chunk) => { output += chunk; });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, output }));
  });
}

test('curl_flow.sh: register → login → profile → friends → privacy → search → logout', { timeout: 120_000 }, async () => {
  const { code, signal, output } = await runScript(server.url);
  assert.equal(code, 0, `curl_flow.sh exited with ${code ?? signal}:\n${output}\n${server.diagnostics()}`);
  assert.match(output, /curl flow: all steps passed/);
});

test('curl_flow.sh runs again on the same server (unique e-mails per run)', { timeout: 120_000 }, async () => {
  const { code, signal, output } = await runScript(`${server.url}/`);
  assert.equal(code, 0, `second run exited with ${code ?? signal}:\n${output}\n${server.diagnostics()}`);
});
