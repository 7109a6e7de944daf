;; rec(n) recurses n levels below itself (n + 1 activations) and returns n.
(module
  (func $rec (export "rec") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 0))
      (else (i32.add (i32.const 1)
                     (call $rec (i32.sub (local.get 0) (i32.const 1))))))))
