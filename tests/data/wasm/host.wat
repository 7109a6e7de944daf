;; A host function that traps (plw_host_trap): env.fail is func 0.
(module
  (import "env" "fail" (func $fail (param i32)))
  (func (export "ok") (param i32 i32) (result i32)                      ;; func 1
    (i32.add (local.get 0) (local.get 1)))
  (func (export "call_fail") (call $fail (i32.const 42))))              ;; func 2
