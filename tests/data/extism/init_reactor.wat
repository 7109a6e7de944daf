;; init_reactor.wat — which runtime initialisation functions run, in which
;; order: each appends a digit to $order (1 _initialize, 2
;; __wasm_call_ctors, 3 hs_init); "order" outputs it as 8 bytes.
(module
  (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
  (import "extism:host/env" "store_u64" (func $store_u64 (param i64 i64)))
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  (memory (export "memory") 1)
  (global $order (mut i64) (i64.const 0))
  (func $mark (param i64)
    (global.set $order (i64.add (i64.mul (global.get $order) (i64.const 10)) (local.get 0))))
  (func (export "_initialize") (call $mark (i64.const 1)))
  (func (export "order") (result i32) (local $h i64)
    (local.set $h (call $alloc (i64.const 8)))
    (call $store_u64 (local.get $h) (global.get $order))
    (call $output_set (local.get $h) (i64.const 8))
    (i32.const 0)))
