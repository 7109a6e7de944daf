;; A start function that never returns: instantiation must stop it.
(module
  (func $spin (loop $l (br $l)))
  (start $spin)
  (func (export "ok") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1))))
