;; 4097 pages of initial memory: one page above plinth's default cap (256 MiB).
(module
  (memory 4097)
  (func (export "ok") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1))))
