;; Control flow: blocks with multi-value, loops, br_table, if/else, recursion,
;; a loop that never ends (fuel), unbounded recursion (call stack).
(module
  (type $pair (func (result i32 i32)))
  (func $fib (export "fib") (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
      (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                     (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
  (func (export "switch") (param i32) (result i32)
    (block $d (block $c (block $b (block $a
      (br_table $a $b $c $d (local.get 0)))
      (return (i32.const 10)))
      (return (i32.const 20)))
      (return (i32.const 30)))
    (i32.const 40))
  (func (export "sum") (param i32) (result i64) (local i64)
    (block $out
      (loop $top
        (br_if $out (i32.eqz (local.get 0)))
        (local.set 1 (i64.add (local.get 1) (i64.extend_i32_u (local.get 0))))
        (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
        (br $top)))
    (local.get 1))
  (func $two (export "two") (result i32 i32) (i32.const 1) (i32.const 2))
  (func (export "mv") (param i32) (result i32)
    (block $b (type $pair) (call $two) (br_if $b (local.get 0)))
    (i32.sub))
  (func (export "spin") (loop $l (br $l)))
  (func $deep (export "deep") (param i32) (result i32)
    (i32.add (call $deep (i32.add (local.get 0) (i32.const 1))) (i32.const 1))))
