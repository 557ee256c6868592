// graphile-worker with its defaults on the given PostgreSQL: queue N no-op jobs, then time one
// worker until every job has run. Prints one JSON line: {"jobs":N,"seconds":S,"jobs_per_second":R}.
//   node noop.mjs DATABASE_URL [N]
import { makeWorkerUtils, run } from "graphile-worker";

const connectionString = process.argv[2];
const jobs = Number(process.argv[3] ?? 30000);
const task = `bench_noop_${process.pid}`;

const utils = await makeWorkerUtils({ connectionString });
await utils.migrate();
for (let i = 0; i < jobs; i += 1000) {
  const batch = [];
  for (let j = i; j < Math.min(i + 1000, jobs); j++) batch.push({ identifier: task, payload: { n: j } });
  await utils.addJobs(batch);
}

let done = 0;
let finish;
const finished = new Promise((resolve) => (finish = resolve));
const started = process.hrtime.bigint();
const runner = await run({
  connectionString,
  noHandleSignals: true,
  // CONCURRENCY: unset keeps graphile-worker's default (1).
  ...(process.env.CONCURRENCY ? { concurrency: Number(process.env.CONCURRENCY) } : {}),
  logger: undefined,
  taskList: {
    [task]: async () => {
      done += 1;
      if (done === jobs) finish();
    },
  },
});
await finished;
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
await runner.stop();
await utils.release();
console.log(JSON.stringify({ jobs, seconds, jobs_per_second: jobs / seconds }));
