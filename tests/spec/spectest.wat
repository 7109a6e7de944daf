;; spectest.wat — the non-function part of the "spectest" module that the
;; WebAssembly spec scripts import from (the reference interpreter's
;; spectest.ml defines the same). The engine's linker offers only host
;; functions and other instances' exports, so the globals, the table and the
;; memory come from this module, instantiated once per script and registered
;; as "spectest"; the print functions are host functions of
;; test_wasm_suite.c under the same module name.
(module
  (global (export "global_i32") i32 (i32.const 666))
  (global (export "global_i64") i64 (i64.const 666))
  (global (export "global_f32") f32 (f32.const 666.6))
  (global (export "global_f64") f64 (f64.const 666.6))
  (table (export "table") 10 20 funcref)
  (memory (export "memory") 1 2))
