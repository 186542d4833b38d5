// Start workerd (through miniflare, offline) with worker.mjs and one real D1 binding, on 127.0.0.1.
// Prints {"url", "persist"} as one JSON line once ready, and stops when stdin closes, so the test
// session that spawned it never leaves it behind.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";

const here = dirname(fileURLToPath(import.meta.url));
const persist = process.argv[2];
if (!persist) {
  console.error("usage: node serve.mjs PERSIST_DIR");
  process.exit(2);
}

const mf = new Miniflare({
  modules: true,
  script: readFileSync(join(here, "worker.mjs"), "utf8"),
  compatibilityDate: "2026-04-25",
  d1Databases: { DB: "porchlight-test" },
  d1Persist: persist,
  host: "127.0.0.1",
  port: 0,
});
const url = await mf.ready;
process.stdout.write(JSON.stringify({ url: url.href, persist }) + "\n");
process.stdin.resume();
process.stdin.on("end", async () => {
  await mf.dispose();
  process.exit(0);
});
