;; kernel_memory.wat — imports the kernel's memory, which Extism refuses.
(module
  (import "extism:host/env" "memory" (memory 1))
  (func (export "f") (result i32) (i32.const 0)))
