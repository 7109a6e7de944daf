;; old_unknown.wat — a pre-1.0 import name that never existed.
(module
  (import "env" "extism_frobnicate" (func (param i64)))
  (func (export "f") (result i32) (i32.const 0)))
