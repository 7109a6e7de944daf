// jshost.mjs — run Extism plugin calls through the official JS SDK
// (@extism/extism 1.0.3), the reference host plinth's tests compare with
// (tests/integration/test_extism_pdk.c).
//
//   node jshost.mjs --plugin FILE.wasm [OPTION]... CALL... [--plugin ...]...
//
// Each --plugin starts a new plugin instance (createPlugin, no WASI); the
// options after it configure that instance, and the calls after it are made
// on it, in order (so its vars persist from one to the next):
//   --config KEY=VALUE   one config entry (split at the first '=')
//   --allow-host HOST    one allowedHosts entry (none: HTTP is denied)
//   --worker             run it in a worker thread (runInWorker): the SDK
//                        1.0.3 serves http_request only there
//   FUNC=TEXT            call FUNC with TEXT as input
//   FUNC#HEX             call FUNC with these bytes (hex digits) as input
//   FUNC@FILE            call FUNC with FILE's bytes as input
//   FUNC                 call FUNC with an empty input
//
// stdout gets one record per event, "KIND LEN\n", LEN bytes, "\n", so the
// test can compare bytes exactly:
//   OUT  a call succeeded: its output bytes (none when it set no output)
//   ERR  a call threw: the error's message
//   LOG  a log message of the plugin: "LEVEL TEXT" (debug, info, warn, error)
// Exits 0 unless this script itself fails (status 2, message on stderr).
import { readFileSync } from "node:fs";
import createPlugin from "@extism/extism";

function parse(argv) {
  const plugins = [];
  let cur = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--plugin") {
      cur = { wasm: argv[++i], config: {}, allowedHosts: [], runInWorker: false, calls: [] };
      plugins.push(cur);
      continue;
    }
    if (!cur) throw new Error(`${a}: give --plugin FILE first`);
    if (a === "--config") {
      const kv = argv[++i];
      const eq = kv.indexOf("=");
      if (eq < 0) throw new Error(`--config ${kv}: expected KEY=VALUE`);
      cur.config[kv.slice(0, eq)] = kv.slice(eq + 1);
    } else if (a === "--allow-host") {
      cur.allowedHosts.push(argv[++i]);
    } else if (a === "--worker") {
      cur.runInWorker = true;
    } else {
      const m = /^([A-Za-z0-9_]+)(?:([=#@])([\s\S]*))?$/.exec(a);
      if (!m) throw new Error(`bad call: ${a}`);
      let input = "";
      if (m[2] === "=") input = m[3];
      else if (m[2] === "#") input = new Uint8Array(Buffer.from(m[3], "hex"));
      else if (m[2] === "@") input = new Uint8Array(readFileSync(m[3]));
      cur.calls.push([m[1], input]);
    }
  }
  return plugins;
}

const chunks = [];
function record(kind, bytes) {
  chunks.push(Buffer.from(`${kind} ${bytes.length}\n`), Buffer.from(bytes), Buffer.from("\n"));
}

const logger = { log: (text) => record("LOG", Buffer.from(`info ${text}`)) };
for (const level of ["trace", "debug", "info", "warn", "error"])
  logger[level] = (text) => record("LOG", Buffer.from(`${level} ${text}`));

async function run(p) {
  const plugin = await createPlugin(
    { wasm: [{ data: readFileSync(p.wasm) }] },
    { useWasi: false, config: p.config, allowedHosts: p.allowedHosts, runInWorker: p.runInWorker, logger },
  );
  for (const [func, input] of p.calls) {
    try {
      const out = await plugin.call(func, input);
      record("OUT", out === null ? new Uint8Array(0) : out.bytes());
    } catch (e) {
      record("ERR", Buffer.from(String(e && e.message !== undefined ? e.message : e)));
    }
  }
  await plugin.close();
}

try {
  for (const p of parse(process.argv.slice(2))) await run(p);
} catch (e) {
  process.stderr.write(`jshost.mjs: ${e && e.stack ? e.stack : e}\n`);
  process.exit(2);
}
// A worker-run plugin keeps its thread alive: leave once all is written
// (on a pipe the write completes later).
process.stdout.write(Buffer.concat(chunks), () => process.exit(0));
