;; Conversions: trapping and saturating truncation, extension, sign-ext, reinterpret.
(module
  (func (export "trunc") (param f64) (result i32) (i32.trunc_f64_s (local.get 0)))
  (func (export "trunc_u") (param f32) (result i64) (i64.trunc_f32_u (local.get 0)))
  (func (export "sat") (param f64) (result i32) (i32.trunc_sat_f64_u (local.get 0)))
  (func (export "sat64") (param f32) (result i64) (i64.trunc_sat_f32_s (local.get 0)))
  (func (export "ext") (param i32) (result i64)
    (i64.add (i64.extend_i32_s (i32.extend8_s (local.get 0)))
             (i64.extend32_s (i64.extend_i32_u (i32.extend16_s (local.get 0))))))
  (func (export "reinterp") (param f64) (result f32)
    (f32.demote_f64 (f64.reinterpret_i64 (i64.rotr (i64.reinterpret_f64 (local.get 0))
                                                   (i64.const 13)))))
  (func (export "wrap") (param i64) (result f64)
    (f64.convert_i32_u (i32.wrap_i64 (local.get 0)))))
