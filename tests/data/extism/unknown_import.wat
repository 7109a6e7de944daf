;; unknown_import.wat — imports a function the Extism kernel does not have.
(module
  (import "extism:host/env" "alloc" (func (param i64) (result i64)))
  (import "extism:host/env" "frobnicate" (func (param i64)))
  (func (export "f") (result i32) (i32.const 0)))
