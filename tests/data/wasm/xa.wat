;; Recursion across two instances: xa.a calls through its table into xb.b,
;; which calls xa.a back (xb puts b into xa's table). a(n) returns n.
(module
  (type $t (func (param i32) (result i32)))
  (table (export "table") 1 funcref)
  (func $a (export "a") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 0))
      (else (i32.add (i32.const 1)
                     (call_indirect (type $t) (i32.sub (local.get 0) (i32.const 1))
                                    (i32.const 0)))))))
