;; bad_sig.wat — imports alloc with the wrong type.
(module
  (import "extism:host/env" "alloc" (func (param i32) (result i32)))
  (func (export "f") (result i32) (i32.const 0)))
