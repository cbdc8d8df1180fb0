// Starts the real Cobra Space binary for end-to-end tests.
//
//   const server = await startServer();   // {url, dir, superuser, stop()}
//   const {status, json} = await api(server.url, 'GET', '/user/profile/', {token});
//   await server.stop();
//
// The binary is $COBRASPACE_BIN (`make e2e` sets it), else ../../bin/cobraspace.
// Every server gets a fresh temporary data directory and a free port on
// 127.0.0.1; stop() kills the process and removes the directory.

import { spawn, execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));

const START_DEADLINE_MS = 20_000;
const STOP_DEADLINE_MS = 5_000;

/** The binary under test: $COBRASPACE_BIN, else the Makefile's bin/cobraspace. */
// the web client, served at / as `make run` does
export const PUBLIC_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../pb_public');

export function binaryPath() {
  const bin = process.env.COBRASPACE_BIN || path.resolve(here, '../../bin/cobraspace');
  if (!existsSync(bin)) {
    throw new Error(`Cobra Space binary not found at ${bin}: run \`make build\` or set COBRASPACE_BIN`);
  }
  return bin;
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Starts `cobraspace serve` on a fresh data directory and waits until
 * GET /api/health answers 200; args are more flags of serve (e.g. a
 * cluster's --nats-cluster).
 *
 * A superuser is created first (so `serve` does not try to open the
 * installer in a browser); its credentials are returned for tests that need
 * the dashboard's powers.
 */
export async function startServer({ args = [] } = {}) {
  const bin = binaryPath();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cobraspace-e2e-'));
  const superuser = { email: 'e2e-admin@example.com', password: 'e2e-admin-password-123' };
  try {
    await run(bin, ['superuser', 'upsert', superuser.email, superuser.password, '--dir', dir], {
      timeout: START_DEADLINE_MS,
    });

    const port = await freePort();
    const node = await startProcess(['serve', '--dir', dir, '--http', `127.0.0.1:${port}`, '--publicDir', PUBLIC_DIR, ...args],
      `http://127.0.0.1:${port}`);
    let stopped = null;
    return {
      ...node,
      dir,
      superuser,
      stop() {
        stopped ??= (async () => {
          await node.stop();
          await rm(dir, { recursive: true, force: true });
        })();
        return stopped;
      },
    };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/**
 * Runs the binary with args (serve, edge...) and waits until url answers
 * GET /api/health with 200. Returns {url, pid, output(), exitStatus(),
 * diagnostics(), kill(signal) (resolves once it exited), stop() (SIGTERM,
 * SIGKILL after a while)}.
 */
export async function startProcess(args, url) {
  const bin = binaryPath();
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const capture = (chunk) => {
    output += chunk;
    if (output.length > 64_000) output = output.slice(-64_000);
  };
  child.stdout.on('data', capture);
  child.stderr.on('data', capture);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let exitInfo = null;
  exited.then((info) => { exitInfo = info; });

  // A test runner that dies must not leave servers behind.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  exited.then(() => process.removeListener('exit', killOnExit));

  try {
    const deadline = Date.now() + START_DEADLINE_MS;
    for (;;) {
      if (exitInfo) {
        throw new Error(`cobraspace ${args[0]} exited early (${JSON.stringify(exitInfo)}); output:\n${output}`);
      }
      try {
        const res = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(1_000) });
        await res.arrayBuffer();
        if (res.status === 200) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        throw new Error(`cobraspace ${args[0]} did not answer GET /api/health with 200 within ${START_DEADLINE_MS} ms; output:\n${output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } catch (err) {
    if (!exitInfo) child.kill('SIGKILL');
    await exited;
    throw err;
  }

  const kill = async (signal) => {
    if (!exitInfo) child.kill(signal);
    await exited;
  };
  return {
    url,
    pid: child.pid,
    /** Everything the server printed so far (last 64 KB). */
    output: () => output,
    /** null while running, else {code, signal} of its exit. */
    exitStatus: () => exitInfo,
    /** A short report for failure messages: exit status and output. */
    diagnostics: () => `server ${exitInfo ? `exited ${JSON.stringify(exitInfo)}` : 'still running'}; output:\n${output}`,
    kill,
    async stop() {
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_DEADLINE_MS);
      await kill('SIGTERM');
      clearTimeout(timer);
    },
  };
}

/**
 * One HTTP call. body: a plain object (sent as JSON), a FormData (multipart)
 * or a string (sent as is). token goes into "Authorization: Bearer <token>"
 * (pass raw: true to send it without the "Bearer " prefix).
 * Returns {status, json, text, headers}; json is null when the answer is not JSON.
 */
export async function api(url, method, urlPath, { body, token, raw = false, headers = {} } = {}) {
  const init = { method, headers: { ...headers } };
  if (token) init.headers.Authorization = raw ? token : `Bearer ${token}`;
  if (body instanceof FormData || typeof body === 'string') {
    init.body = body;
  } else if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers['Content-Type'] = 'application/json';
  }
  const res = await fetch(url + urlPath, init);
  const text = await res.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, json, text, headers: res.headers };
}

/**
 * Fails when value (a decoded JSON answer) carries anything secret: a
 * password or its hash, a tokenKey, or a bcrypt hash under any name.
 */
export function assertNoSecrets(value, where = 'response') {
  const walk = (v, at) => {
    if (typeof v === 'string') {
      if (/^\$2[aby]\$\d\d\$/.test(v)) throw new Error(`${where}: bcrypt hash at ${at}`);
      return;
    }
    if (v === null || typeof v !== 'object') return;
    for (const [k, child] of Object.entries(v)) {
      if (/^(password|passwordHash|password_hash|tokenKey|token_key)$/i.test(k)) {
        throw new Error(`${where}: secret field "${k}" at ${at}`);
      }
      walk(child, `${at}.${k}`);
    }
  };
  walk(value, '$');
}

/** A valid 1×1 PNG (opaque red), for picture uploads. */
export const TINY_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC',
  'base64',
);
