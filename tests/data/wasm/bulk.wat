;; An infinite loop of 4 MiB memory.fill: few instructions, much work each.
(module
  (memory 64)
  (func (export "fill_forever")
    (loop $l
      (memory.fill (i32.const 0) (i32.const 0) (i32.const 4194304))
      (br $l))))
