// Runs the README's code snippets, verbatim and in order, against a fresh
// server: what a newcomer copies from the README has to work.
//
// The rule, so that no snippet is skipped silently:
//   - every fenced block of the README is ```sh or ```js (any other
//     language fails this test: run it here or mark it);
//   - a block right after the HTML comment
//       <!-- not run by the README test: <why> -->
//     is not run but checked: every `make <target>` in it names a target
//     the Makefile has (`make -n`), every `./bin/cobraspace ...` command
//     parses with its flags (run with `--help` appended); for long-running
//     servers, `make test`, benchmarks, anything writing to the pb_data/ of
//     `make run`;
//   - every other ```sh block runs with `sh -e` in a scratch directory that
//     holds bin/cobraspace (a link to the binary under test), so
//     `./bin/cobraspace ...` works and writes only there; B is set to the
//     test server's URL (the README's snippets read `B=${B:-...}` and
//     `process.env.B`);
//   - consecutive ```js blocks are one Node script (a block continues the
//     one before it, as the README says), run as an ES module from this
//     directory, so `pocketbase` and `eventsource` come from its
//     node_modules;
//   - each block must exit 0, and the blocks this file knows also have
//     their output checked (see `expectations`).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { binaryPath, startServer } from './server.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const readmePath = path.resolve(here, '../../README.md');
const repoRoot = path.resolve(here, '../..');
const SKIP_MARKER = /^<!--\s*not run by the README test:\s*(.+?)\s*-->$/;
const RUN_DEADLINE_MS = 60_000;

/**
 * The README's fenced blocks: {lang, code, line (1-based, of the opening
 * fence), skip (the marker's reason, or null)}.
 */
export function readmeBlocks(markdown) {
  const lines = markdown.split('\n');
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*$/.exec(lines[i]);
    if (!open) continue;
    const start = i;
    const body = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]); i++) body.push(lines[i]);
    if (i >= lines.length) throw new Error(`README.md:${start + 1}: fenced block never closed`);
    let prev = start - 1;
    while (prev >= 0 && lines[prev].trim() === '') prev--;
    const marker = prev >= 0 ? SKIP_MARKER.exec(lines[prev].trim()) : null;
    blocks.push({ lang: open[1], code: body.join('\n') + '\n', line: start + 1, skip: marker ? marker[1] : null });
  }
  return blocks;
}

/**
 * What to run, in README order: skipped blocks, sh blocks, and js scripts
 * (consecutive js blocks merged).
 */
function plan(blocks) {
  const steps = [];
  for (const b of blocks) {
    if (b.skip) {
      steps.push({ kind: 'skip', lines: [b.line], lang: b.lang, code: b.code, reason: b.skip });
      continue;
    }
    if (b.lang !== 'sh' && b.lang !== 'js') {
      throw new Error(`README.md:${b.line}: a \`\`\`${b.lang || '(no language)'} block: ` +
        'make it ```sh or ```js, or put "<!-- not run by the README test: <why> -->" before it');
    }
    const last = steps.at(-1);
    if (b.lang === 'js' && last?.kind === 'js') {
      last.code += b.code;
      last.lines.push(b.line);
    } else {
      steps.push({ kind: b.lang, lines: [b.line], code: b.code });
    }
  }
  return steps;
}

function firstLine(code) {
  return code.split('\n').find((l) => l.trim() !== '') ?? '';
}

/** The JSON values among output's lines (one curl answer a line). */
function jsonLines(output) {
  return output.split('\n').flatMap((line) => {
    try {
      return [JSON.parse(line)];
    } catch {
      return [];
    }
  });
}

/** Output checks of the blocks this test knows, found by their content. */
const expectations = [
  {
    name: 'the curl walkthrough',
    matches: (step) => step.kind === 'sh' && step.code.includes('/user/registration/'),
    check(output) {
      assert.equal((output.match(/"message":"회원가입이 완료되었습니다\."/g) ?? []).length, 2, 'both registrations succeed');
      assert.doesNotMatch(output, /Authentication credentials were not provided|token_not_valid/, 'ACCESS holds a working token');
      const answers = jsonLines(output);
      assert.ok(answers.some((a) => a.email === 'me@example.com' && a.nickname === 'me' && !a.message), 'the profile is shown');
      assert.ok(answers.some((a) => Array.isArray(a) && a.some((f) => f.email === 'friend@example.com')), 'the friends list holds the friend');
      assert.match(output, /"message":"로그아웃이 완료되었습니다\."/, 'logout succeeds');
    },
  },
  {
    name: 'superuser upsert',
    matches: (step) => step.kind === 'sh' && step.code.includes('superuser upsert'),
    check(output) {
      assert.match(output, /admin@example\.com/);
    },
  },
  {
    name: 'the JS SDK script',
    matches: (step) => step.kind === 'js' && step.code.includes('authWithPassword'),
    check(output) {
      assert.match(output, /^signed in as me; \d+ posts$/m, 'signed in with the SDK');
      assert.match(output, /^chat\.user\.join me$/m, 'the presence frame names the member (username)');
      assert.match(output, /^me: 안녕하세요$/m, 'the message arrives on the room topic');
    },
  },
];

function run(command, args, { cwd, env, input }) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => { output += chunk; });
    child.stderr.on('data', (chunk) => { output += chunk; });
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_DEADLINE_MS);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, output });
    });
    child.stdin?.on('error', () => {}); // a child that exits without reading
    child.stdin?.end(input);
  });
}

/** The command lines of a shell block, without comments and blank lines. */
function commandLines(code) {
  return code.split('\n').map((l) => l.replace(/\s+#.*$/, '').trim()).filter((l) => l && !l.startsWith('#'));
}

const blocks = readmeBlocks(await readFile(readmePath, 'utf8'));
const steps = plan(blocks);

let server;
let scratch;

before(async () => {
  server = await startServer();
  scratch = await mkdtemp(path.join(os.tmpdir(), 'cobraspace-readme-'));
  await mkdir(path.join(scratch, 'bin'));
  await symlink(binaryPath(), path.join(scratch, 'bin', 'cobraspace'));
});

after(async () => {
  const died = server?.exitStatus();
  const report = died && server.diagnostics();
  await server?.stop();
  if (scratch) await rm(scratch, { recursive: true, force: true });
  if (died) throw new Error(`the server exited during the tests: ${report}`);
});

test('the README has runnable snippets, and the ones it does not run say why', () => {
  assert.ok(steps.some((s) => s.kind === 'sh'), 'no sh snippet to run');
  assert.ok(steps.some((s) => s.kind === 'js'), 'no js snippet to run');
  for (const e of expectations) {
    assert.ok(steps.some((s) => e.matches(s)), `the README no longer has ${e.name}: update readme.test.mjs`);
  }
});

for (const step of steps) {
  const where = `README.md:${step.lines.join(',')}`;
  if (step.kind === 'skip') {
    test(`${where} (${step.lang}, checked, not run: ${step.reason}): ${firstLine(step.code)}`, async () => {
      const commands = commandLines(step.code);
      assert.ok(commands.length > 0, 'a marked block with no command in it');
      for (const line of commands) {
        const make = line.match(/^make\s+([\w-]+)/);
        const cli = line.match(/^\.\/bin\/cobraspace\s+(.*)$/);
        let result;
        if (make) {
          result = await run('make', ['-n', '-C', repoRoot, make[1]], { cwd: scratch, env: process.env });
        } else if (cli) {
          result = await run('sh', ['-c', `./bin/cobraspace ${cli[1]} --help`], { cwd: scratch, env: process.env });
        } else {
          continue; // export GOTOOLCHAIN=... and the like
        }
        assert.equal(result.code, 0, `${line}: ${result.output}`);
      }
    });
    continue;
  }
  test(`${where} (${step.kind}): ${firstLine(step.code)}`, { timeout: RUN_DEADLINE_MS + 10_000 }, async () => {
    const env = { ...process.env, B: server.url };
    const result = step.kind === 'sh'
      ? await run('sh', ['-e', '-c', step.code], { cwd: scratch, env })
      : await run(process.execPath, ['--input-type=module'], { cwd: here, env, input: step.code });
    const context = `\n--- snippet ---\n${step.code}--- output ---\n${result.output}\n${server.diagnostics()}`;
    assert.equal(result.code, 0, `exited with ${result.code ?? result.signal}${context}`);
    for (const e of expectations.filter((x) => x.matches(step))) {
      try {
        e.check(result.output);
      } catch (err) {
        err.message += context;
        throw err;
      }
    }
  });
}

// The README's benchmark commands are not run (they take minutes), but they
// must be the ones docs/BENCHMARKS.md measured: same subcommand, same flags
// (the scratch --dir aside).
test("the README's bench commands are docs/BENCHMARKS.md's, with the same flags", async () => {
  const benchmarks = await readFile(path.resolve(here, '../../docs/BENCHMARKS.md'), 'utf8');
  const commands = (text) => [...text.matchAll(/^\.\/bin\/cobraspace (.*\bbench \w+.*?)\s*(?:#.*)?$/gm)]
    .map(([, args]) => args.replace(/--dir\s+\S+\s*/, '').trim());
  const documented = commands(benchmarks);
  const readme = commands(blocks.map((b) => b.code).join(''));
  assert.ok(readme.length > 0, 'the README shows no bench command');
  for (const command of readme) {
    assert.ok(documented.includes(command), `README's "${command}" is not among docs/BENCHMARKS.md's: ${JSON.stringify(documented)}`);
  }
});
