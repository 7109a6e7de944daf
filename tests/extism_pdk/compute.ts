// compute: plain computation in AssemblyScript, for comparing plinth's Wasm
// engine with V8 (through the JS SDK) on the same module: AssemblyScript's
// own Math (sin, exp, pow, ... written in Wasm), float formatting (dtoa) and
// parsing, 64-bit integer operations, strings with Unicode case tables,
// arrays sorted through a comparator (call_indirect), Map and Set, and the
// garbage collector under a lot of short-lived garbage. Each export reads
// its input as text, one value per line where it takes values, and outputs
// text; any difference between the two hosts is a bug in one of them.
import { Host, Memory } from "@extism/as-pdk";
import { error_set } from "@extism/as-pdk/lib/env";

function pluginAbort(message: string | null, fileName: string | null, line: u32, column: u32): void {
  const text = "abort: " + (message === null ? "" : message) + " at " +
    (fileName === null ? "?" : fileName) + ":" + line.toString() + ":" + column.toString();
  error_set(Memory.allocateString(text).offset);
  unreachable();
}

function lines(): string[] {
  const text = Host.inputString();
  return text.length == 0 ? [] : text.split("\n");
}

function output(parts: string[]): void {
  // Host.outputString takes the UTF-16 length; everything here is ASCII.
  Host.outputString(parts.join("\n"));
}

// Math on f64 and f32, and the conversions, for every number of the input.
export function math(): i32 {
  const out = new Array<string>();
  const xs = lines();
  for (let i = 0; i < xs.length; i++) {
    const x = parseFloat(xs[i]);
    const f = <f32>x;
    out.push(xs[i] + ": " + [
      Math.sin(x), Math.cos(x), Math.tan(x), Math.exp(x), Math.expm1(x), Math.log(x),
      Math.log1p(x), Math.log2(x), Math.log10(x), Math.pow(x, 1.5), Math.pow(2, x),
      Math.sqrt(x), Math.cbrt(x), Math.atan(x), Math.atan2(x, 3), Math.asin(x / 8),
      Math.acos(x / 8), Math.sinh(x), Math.cosh(x), Math.tanh(x), Math.asinh(x),
      Math.hypot(x, 4), Math.round(x), Math.floor(x), Math.ceil(x), Math.trunc(x),
      Math.sign(x), Math.abs(x), Math.min(x, -x), Math.max(x, -x), x % 3.25, x * 1e300,
      x / 7, <f64>Mathf.sin(f), <f64>Mathf.exp(f), <f64>Mathf.sqrt(f), <f64>(f * 1.1),
      <f64>Mathf.pow(f, 0.75), <f64><i32>x, <f64><u32>x, <f64><i64>x, <f64><u64>x,
    ].map<string>((v: f64): string => v.toString()).join(" "));
  }
  output(out);
  return 0;
}

// 64-bit integers: arithmetic that wraps, division, shifts and bit counts.
export function ints(): i32 {
  const out = new Array<string>();
  const xs = lines();
  let acc: u64 = 0xcbf29ce484222325;
  for (let i = 0; i < xs.length; i++) {
    const a = I64.parseInt(xs[i]);
    const b: i64 = a * 6364136223846793005 + 1442695040888963407;
    const u = <u64>b;
    acc = (acc ^ u) * 0x100000001b3;
    out.push([
      b.toString(), u.toString(), (a != 0 ? b / a : 0).toString(), (a != 0 ? b % a : 0).toString(),
      (u >> 7).toString(), (b >> 7).toString(), (u << <u64>(a & 63)).toString(),
      rotl<u64>(u, 13).toString(), rotr<u64>(u, 29).toString(), clz<u64>(u).toString(),
      ctz<u64>(u).toString(), popcnt<u64>(u).toString(), (<i32>b).toString(),
      (<u32>(u >> 32)).toString(16), (<i16>b).toString(), (<i8>b).toString(),
      (<u64>a * 0xffffffff / 3).toString(), acc.toString(16),
    ].join(" "));
  }
  output(out);
  return 0;
}

// Strings: case mapping (Unicode tables), search, replace, split, slices.
export function text(): i32 {
  const s = Host.inputString();
  const words = s.split(" ");
  const out = new Array<string>();
  out.push(s.toUpperCase());
  out.push(s.toLowerCase());
  out.push(words.length.toString() + " " + s.indexOf("a").toString() + " " +
    s.lastIndexOf("e").toString() + " " + s.includes("ß").toString());
  out.push(s.replaceAll("e", "3").replace("a", "4"));
  out.push(words.reverse().join("|"));
  out.push(s.padStart(s.length + 3, "*") + s.trim().repeat(2).substring(1, 9));
  let codes = "";
  for (let i = 0; i < s.length && i < 40; i++) codes += s.charCodeAt(i).toString(16) + ",";
  out.push(codes);
  // Host.outputString would cut non-ASCII text short: output the UTF-8 bytes
  const joined = out.join("\n");
  Host.output(Uint8Array.wrap(String.UTF8.encode(joined)));
  return 0;
}

// Arrays sorted with comparators, Map and Set, and garbage for the GC.
export function collections(): i32 {
  const xs = lines();
  const nums = new Array<f64>();
  const words = new Array<string>();
  const counts = new Map<string, i32>();
  const seen = new Set<i64>();
  for (let i = 0; i < xs.length; i++) {
    const w = xs[i];
    words.push(w);
    nums.push(parseFloat(w));
    counts.set(w, counts.has(w) ? counts.get(w) + 1 : 1);
    seen.add(I64.parseInt(w) % 97);
  }
  words.sort((a: string, b: string): i32 => a < b ? -1 : a > b ? 1 : 0);
  nums.sort((a: f64, b: f64): i32 => i32(a > b) - i32(a < b));
  let garbage = 0;
  for (let round = 0; round < 200; round++) {
    const tmp = new Array<string>();
    for (let i = 0; i < 50; i++) tmp.push("g" + (round * i).toString());
    garbage += tmp.join("").length;
  }
  const keys = counts.keys();
  keys.sort();
  let pairs = "";
  for (let i = 0; i < keys.length; i++) pairs += keys[i] + "=" + counts.get(keys[i]).toString() + ";";
  output([words.join(","), nums.map<string>((v: f64): string => v.toString()).join(","), pairs,
    seen.size.toString(), garbage.toString()]);
  return 0;
}
