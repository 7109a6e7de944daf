;; Imports of every kind: the run fuzzer's empty linker refuses them.
(module
  (import "env" "f" (func $f (param i32) (result i32)))
  (import "env" "mem" (memory 1))
  (import "env" "tab" (table 1 funcref))
  (import "env" "g" (global (mut i64)))
  (func (export "callf") (param i32) (result i32) (call $f (local.get 0))))
