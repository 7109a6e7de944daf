;; table.grow against the instance's cap on table elements.
(module
  (table (export "t") 10 funcref)
  (func (export "grow") (param i32) (result i32) (table.grow 0 (ref.null func) (local.get 0)))
  (func (export "size") (result i32) (table.size 0))
  (func (export "ok") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1))))
