;; 17 pages (1,114,112 bytes) of initial memory: above a 1 MiB cap.
(module
  (memory 17)
  (func (export "ok") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1))))
