;; env_old.wat — a plugin of the pre-1.0 ABI: every Extism function
;; imported from module "env" with an "extism_" prefix, user host functions
;; in "env" too. "echo" copies the input byte by byte; "conf" outputs the
;; config value of the input key; "logit" logs the input at info.
(module
  (import "env" "extism_input_length" (func $input_length (result i64)))
  (import "env" "extism_input_load_u8" (func $input_load_u8 (param i64) (result i32)))
  (import "env" "extism_alloc" (func $alloc (param i64) (result i64)))
  (import "env" "extism_length" (func $length (param i64) (result i64)))
  (import "env" "extism_store_u8" (func $store_u8 (param i64 i32)))
  (import "env" "extism_output_set" (func $output_set (param i64 i64)))
  (import "env" "extism_config_get" (func $config_get (param i64) (result i64)))
  (import "env" "extism_log_info" (func $log_info (param i64)))
  (import "env" "twice" (func $twice (param i64) (result i64)))
  (memory (export "memory") 1)
  (func $input (result i64) (local $n i64) (local $h i64) (local $i i64)
    (local.set $n (call $input_length))
    (local.set $h (call $alloc (local.get $n)))
    (block $done
      (loop $next
        (br_if $done (i64.ge_u (local.get $i) (local.get $n)))
        (call $store_u8 (i64.add (local.get $h) (local.get $i))
                        (call $input_load_u8 (local.get $i)))
        (local.set $i (i64.add (local.get $i) (i64.const 1)))
        (br $next)))
    (local.get $h))
  (func (export "echo") (result i32) (local $h i64)
    (local.set $h (call $input))
    (call $output_set (local.get $h) (call $input_length))
    (i32.const 0))
  (func (export "conf") (result i32) (local $v i64)
    (local.set $v (call $config_get (call $input)))
    (call $output_set (local.get $v) (call $length (local.get $v)))
    (i32.const 0))
  (func (export "logit") (result i32)
    (call $log_info (call $input))
    (i32.const 0))
  (func (export "twice") (result i32)
    (i32.wrap_i64 (call $twice (i64.const 21)))))
