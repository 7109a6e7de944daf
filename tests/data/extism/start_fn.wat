;; start_fn.wat — a start function that calls Extism imports while the
;; module is still being instantiated: the plugin's memory is there
;; already, so they work. "f" outputs (as 8 bytes) what the start function
;; saw: the length of a block it allocated plus the input length (0).
(module
  (import "extism:host/env" "input_length" (func $input_length (result i64)))
  (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
  (import "extism:host/env" "length" (func $length (param i64) (result i64)))
  (import "extism:host/env" "store_u64" (func $store_u64 (param i64 i64)))
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  (global $seen (mut i64) (i64.const 0))
  (func $start
    (global.set $seen
      (i64.add (call $length (call $alloc (i64.const 24))) (call $input_length))))
  (start $start)
  (func (export "f") (result i32)
    (local $out i64)
    (local.set $out (call $alloc (i64.const 8)))
    (call $store_u64 (local.get $out) (global.get $seen))
    (call $output_set (local.get $out) (i64.const 8))
    (i32.const 0)))
