;; One export per trap kind, and "ok" for the successful call on a fresh
;; instance. Function indices (no imports) are fixed: the tests check the
;; index and the opcode at the offset each trap reports.
(module
  (type $v_i (func (result i32)))
  (type $i_i (func (param i32) (result i32)))
  (memory 1)
  (table 3 funcref)
  ;; slot 0: () -> i32, slot 1: (i32) -> i32 (the wrong type), slot 2: null
  (elem (i32.const 0) $ret7 $ret_arg)
  (func $ret7 (type $v_i) (i32.const 7))                                ;; func 0
  (func $ret_arg (type $i_i) (local.get 0))                             ;; func 1
  (func (export "ok") (param i32 i32) (result i32)                      ;; func 2
    (i32.add (local.get 0) (local.get 1)))
  (func (export "unreachable") unreachable)                             ;; func 3
  (func (export "div_zero") (param i32) (result i32)                    ;; func 4
    (i32.div_s (i32.const 1) (local.get 0)))
  (func (export "div_overflow") (param i32 i32) (result i32)            ;; func 5
    (i32.div_s (local.get 0) (local.get 1)))
  (func (export "trunc_overflow") (param f64) (result i32)              ;; func 6
    (i32.trunc_f64_s (local.get 0)))
  (func (export "trunc_nan") (param f32) (result i32)                   ;; func 7
    (i32.trunc_f32_s (local.get 0)))
  (func (export "load") (param i32) (result i32)                        ;; func 8
    (i32.load (local.get 0)))
  (func (export "call_slot") (param i32) (result i32)                   ;; func 9
    (call_indirect (type $v_i) (local.get 0)))
  (func (export "table_get") (param i32) (result i32)                   ;; func 10
    (ref.is_null (table.get 0 (local.get 0))))
  (func $recurse (export "recurse") (param i32) (result i32)            ;; func 11
    (i32.add (i32.const 1) (call $recurse (local.get 0))))
  (func (export "spin") (loop $l (br $l)))                              ;; func 12
)
