// BullMQ end to end against TDB+: 10,000 jobs, a Worker with concurrency 50, ~5% of the jobs fail on their
// first attempt and succeed on the retry (attempts 3, fixed backoff 10 ms). Starts its own TDB+ server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import fs from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Queue, Worker, QueueEvents } from 'bullmq';

const here = path.dirname(fileURLToPath(import.meta.url));
const dll = process.env.TDBPLUS_SERVER_DLL ??
  path.resolve(here, '../../src/Server/bin/Release/net10.0/tdbplus.dll');
const JOBS = 10_000;
let server;
let port;
let dataDir;

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
    s.on('error', reject);
  });
}

async function waitForPing(p, ms) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const ok = await new Promise(resolve => {
      const c = net.connect(p, '127.0.0.1');
      c.on('data', d => { c.destroy(); resolve(d.toString().startsWith('+PONG')); });
      c.on('error', () => resolve(false));
      c.on('connect', () => c.write('PING\r\n'));
    });
    if (ok) return;
    await new Promise(r => setTimeout(r, 100));
  }
  throw new Error(`TDB+ did not answer PING on port ${p}`);
}

before(async () => {
  assert.ok(fs.existsSync(dll), `${dll} not found: build src/Server in Release first`);
  port = await freePort();
  // Its own data directory: nothing is written into (or loaded from) the working tree.
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tdbplus-bullmq-'));
  server = spawn('dotnet', [dll, '--port', String(port), '--bind', '127.0.0.1', '--dir', dataDir], { stdio: ['ignore', 'ignore', 'inherit'] });
  await waitForPing(port, 20_000);
});

after(() => {
  if (server) server.kill('SIGKILL');
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

test('10,000 jobs, concurrency 50, ~5% retried once', { timeout: 110_000 }, async () => {
  const connection = { host: '127.0.0.1', port, maxRetriesPerRequest: null };
  const name = 'tdbplus-bullmq';
  const queue = new Queue(name, { connection });
  const events = new QueueEvents(name, { connection });
  await events.waitUntilReady();
  // Jobs whose index is a multiple of 20 (5%) fail on their first attempt.
  const flaky = i => i % 20 === 0;
  const t0 = Date.now();
  const batch = 1000;
  for (let i = 0; i < JOBS; i += batch) {
    await queue.addBulk(Array.from({ length: Math.min(batch, JOBS - i) }, (_, k) => ({
      name: 'job',
      data: { i: i + k },
      opts: { attempts: 3, backoff: { type: 'fixed', delay: 10 }, removeOnComplete: false, removeOnFail: false },
    })));
  }
  let completed = 0;
  let failedAttempts = 0;
  let resolveDone;
  const done = new Promise(r => { resolveDone = r; });
  const worker = new Worker(name, async job => {
    if (flaky(job.data.i) && job.attemptsMade === 0) throw new Error('first attempt fails');
    return job.data.i * 2;
  }, { connection, concurrency: 50 });
  worker.on('failed', () => { failedAttempts++; });
  worker.on('completed', () => { if (++completed === JOBS) resolveDone(); });
  worker.on('error', err => console.error('worker error', err));
  await done;
  const seconds = (Date.now() - t0) / 1000;
  console.log(`bullmq: ${JOBS} jobs in ${seconds.toFixed(2)} s (${Math.round(JOBS / seconds)} jobs/s, ` +
    `add + process), ${failedAttempts} failed first attempts retried`);

  const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed', 'paused', 'prioritized');
  assert.equal(counts.completed, JOBS);
  for (const k of ['waiting', 'active', 'delayed', 'failed', 'paused', 'prioritized']) assert.equal(counts[k], 0, `${k}: ${counts[k]}`);
  const expectedRetries = Array.from({ length: JOBS }, (_, i) => i).filter(flaky).length;
  assert.equal(failedAttempts, expectedRetries);
  const jobs = await queue.getJobs(['completed'], 0, -1);
  assert.equal(jobs.length, JOBS);
  let retried = 0;
  for (const job of jobs) {
    if (flaky(job.data.i)) {
      retried++;
      assert.equal(job.attemptsMade, 2, `job ${job.data.i} attemptsMade ${job.attemptsMade}`);
    } else {
      assert.equal(job.attemptsMade, 1, `job ${job.data.i} attemptsMade ${job.attemptsMade}`);
    }
    assert.equal(job.returnvalue, job.data.i * 2);
  }
  assert.equal(retried, expectedRetries);
  await worker.close();
  await events.close();
  await queue.close();
});
