;; 2000 table elements at instantiation: above a cap of 1000.
(module
  (table 2000 funcref)
  (func (export "ok") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1))))
