;; Globals (mutable and not, exported) and a start function.
(module
  (global $g (export "g") (mut i32) (i32.const 7))
  (global $k i64 (i64.const 42))
  (global $f (mut f64) (f64.const 0.5))
  (memory 1)
  (func $start
    (global.set $g (i32.add (global.get $g) (i32.const 1)))
    (i32.store (i32.const 0) (global.get $g)))
  (start $start)
  (func (export "bump") (param i32) (result i32)
    (global.set $g (i32.add (global.get $g) (local.get 0)))
    (global.set $f (f64.mul (global.get $f) (f64.const 3)))
    (i32.add (global.get $g) (i32.wrap_i64 (global.get $k)))))
