;; The other half of xa.wat: imported as "xa".
(module
  (type $t (func (param i32) (result i32)))
  (import "xa" "a" (func $a (type $t)))
  (import "xa" "table" (table 1 funcref))
  (elem (i32.const 0) $b)
  (func $b (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 0))
      (else (i32.add (i32.const 1) (call $a (i32.sub (local.get 0) (i32.const 1))))))))
