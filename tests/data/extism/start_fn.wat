;; start_fn.wat — a start function that calls an Extism import while the
;; module is still being instantiated.
(module
  (import "extism:host/env" "input_length" (func $input_length (result i64)))
  (func $start (drop (call $input_length)))
  (start $start)
  (func (export "f") (result i32) (i32.const 0)))
