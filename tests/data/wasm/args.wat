;; Identity functions for reading arguments and printing results.
(module
  (func (export "id_i32") (param i32) (result i32) (local.get 0))
  (func (export "id_i64") (param i64) (result i64) (local.get 0))
  (func (export "id_f32") (param f32) (result f32) (local.get 0))
  (func (export "id_f64") (param f64) (result f64) (local.get 0))
  (func (export "swap") (param f64 i64) (result i64 f64) (local.get 1) (local.get 0))
  (func (export "nothing"))
  (func (export "refs") (param funcref externref) (result i32)
    (i32.add (ref.is_null (local.get 0)) (ref.is_null (local.get 1))))
  (func (export "null_func") (result funcref) (ref.null func))
  (global (export "g") i32 (i32.const 1))
  (memory (export "mem") 0))
