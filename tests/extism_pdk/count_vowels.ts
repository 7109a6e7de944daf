// count_vowels, Extism's classic demo plugin, written with the official
// AssemblyScript PDK (@extism/as-pdk): it counts the vowels of its input,
// keeps a running total over calls in the var "total" (decimal text), and
// takes the set of vowels from the config key "vowels" when the host gives
// one. The output is Extism's classic JSON:
//   {"count":3,"total":3,"vowels":"aeiouAEIOU"}
import { Config, Host, Memory, Var } from "@extism/as-pdk";
import { error_set } from "@extism/as-pdk/lib/env";

// The AS runtime's abort (a failed assert, a throw, an out-of-range index)
// reports its message through error_set before the trap, as Extism plugins
// written in AssemblyScript do; `asc --use abort=count_vowels/pluginAbort`.
function pluginAbort(message: string | null, fileName: string | null, line: u32, column: u32): void {
  const text = "abort: " + (message === null ? "" : message) + " at " +
    (fileName === null ? "?" : fileName) + ":" + line.toString() + ":" + column.toString();
  error_set(Memory.allocateString(text).offset);
  unreachable();
}

export function count_vowels(): i32 {
  const text = Host.inputString();
  let vowels = Config.get("vowels");
  if (vowels === null) vowels = "aeiouAEIOU";
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    if (vowels.includes(text.charAt(i))) count++;
  }
  const before = Var.getString("total");
  const total = (before === null ? 0 : I32.parseInt(before)) + count;
  Var.set("total", Uint8Array.wrap(String.UTF8.encode(total.toString())));
  Host.outputString('{"count":' + count.toString() + ',"total":' + total.toString() +
    ',"vowels":"' + vowels + '"}');
  return 0;
}
