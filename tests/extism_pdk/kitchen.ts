// kitchen: one export per part of the Extism ABI, written with the official
// AssemblyScript PDK (@extism/as-pdk 1.0.0) the way a plugin author would.
// Every export takes its argument from the input:
//
//   echo          the input bytes back, unchanged (Host.input/Host.output)
//   echo_string   the input through a string (Host.inputString/outputString)
//   config        the value of the config key named by the input, or "(absent)"
//   var_set       "KEY=VALUE": sets var KEY (an empty VALUE is a delete, below)
//   var_get       the value of var KEY, or "(unset)"
//   var_del       removes var KEY
//   counter       increments the var "n" (decimal text) and outputs it
//   fail          sets the error "failed: INPUT" and returns 1
//   fail_zero     sets the error "failed: INPUT" but returns 0
//   rc            returns the input as a number, outputting "rc INPUT"
//   throw_error   throws an Error, which reaches pluginAbort below
//   log           logs "LEVEL: INPUT" at debug, info, warn and error; outputs "logged"
//   http          first input line: the request JSON ({"url","method","headers"});
//                 the rest (after the line end): the body, none when empty.
//                 Outputs "STATUS\n" and the response body.
//
// The PDK 1.0.0 has no Http class and no error helper: it declares the
// http_request and error_set imports (lib/env.ts) without wrapping them, so
// those are called directly, and http_status_code, which it does not
// declare at all, is declared here.
import { Config, Host, LogLevel, Memory, Var } from "@extism/as-pdk";
import { error_set, http_request, length } from "@extism/as-pdk/lib/env";

@external("extism:host/env", "http_status_code")
declare function http_status_code(): i32;

// The AS runtime's abort (throw, a failed assert, an index out of range):
// the message goes to error_set, then the plugin traps, as the PDK's own
// README suggests with its custom abort (`asc --use abort=kitchen/pluginAbort`).
function pluginAbort(message: string | null, fileName: string | null, line: u32, column: u32): void {
  const text = "abort: " + (message === null ? "" : message) + " at " +
    (fileName === null ? "?" : fileName) + ":" + line.toString() + ":" + column.toString();
  error_set(Memory.allocateString(text).offset);
  unreachable();
}

function utf8(s: string): Uint8Array {
  return Uint8Array.wrap(String.UTF8.encode(s));
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

function fail_with(message: string): void {
  error_set(Memory.allocateString(message).offset);
}

export function echo(): i32 {
  Host.output(Host.input());
  return 0;
}

export function echo_string(): i32 {
  Host.outputString(Host.inputString());
  return 0;
}

export function config(): i32 {
  const value = Config.get(Host.inputString());
  Host.outputString(value === null ? "(absent)" : value);
  return 0;
}

export function var_set(): i32 {
  const input = Host.input();
  const eq = input.indexOf(0x3d); // '='
  if (eq < 0) {
    fail_with("var_set: expected KEY=VALUE");
    return 2;
  }
  const key = String.UTF8.decode(input.slice(0, eq).buffer);
  Var.set(key, input.slice(eq + 1));
  return 0;
}

export function var_get(): i32 {
  const value = Var.get(Host.inputString());
  if (value === null) Host.outputString("(unset)");
  else Host.output(value);
  return 0;
}

export function var_del(): i32 {
  Var.remove(Host.inputString());
  return 0;
}

export function counter(): i32 {
  const before = Var.getString("n");
  const n = (before === null ? 0 : I32.parseInt(before)) + 1;
  Var.set("n", utf8(n.toString()));
  Host.outputString(n.toString());
  return 0;
}

export function fail(): i32 {
  fail_with("failed: " + Host.inputString());
  return 1;
}

export function fail_zero(): i32 {
  fail_with("failed: " + Host.inputString());
  return 0;
}

export function rc(): i32 {
  const text = Host.inputString();
  Host.outputString("rc " + text);
  return I32.parseInt(text);
}

export function throw_error(): i32 {
  const text = Host.inputString();
  if (text.length > 0) throw new Error("thrown: " + text);
  return 0;
}

export function log(): i32 {
  const text = Host.inputString();
  Host.log(LogLevel.Debug, "debug: " + text);
  Host.log(LogLevel.Info, "info: " + text);
  Host.log(LogLevel.Warn, "warn: " + text);
  Host.log(LogLevel.Error, "error: " + text);
  Host.outputString("logged");
  return 0;
}

export function http(): i32 {
  const input = Host.input();
  let nl = input.indexOf(0x0a);
  if (nl < 0) nl = input.length;
  const request = Memory.allocateBytes(input.slice(0, nl));
  const body = nl + 1 < input.length ? Memory.allocateBytes(input.slice(nl + 1)).offset : 0;
  const response = http_request(request.offset, body);
  const status = http_status_code();
  let bytes = new Uint8Array(0);
  if (response != 0) bytes = new Memory(response, length(response)).toUint8Array();
  Host.output(concat(utf8(status.toString() + "\n"), bytes));
  return 0;
}
