;; One export per trap kind that code can cause by itself.
(module
  (memory 1)
  (table 1 funcref)
  (func (export "unreachable") unreachable)
  (func (export "divzero") (param i32) (result i32) (i32.div_s (i32.const 1) (local.get 0)))
  (func (export "overflow") (result i32) (i32.div_s (i32.const 0x80000000) (i32.const -1)))
  (func (export "remzero") (param i64) (result i64) (i64.rem_u (i64.const 5) (local.get 0)))
  (func (export "conv") (param f32) (result i32) (i32.trunc_f32_u (local.get 0)))
  (func (export "oob") (param i32) (result i32) (i32.load offset=65536 (local.get 0)))
  (func (export "uninit") (call_indirect (i32.const 0)))
  (func (export "oobtable") (call_indirect (i32.const 5))))
