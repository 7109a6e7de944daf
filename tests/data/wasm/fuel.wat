;; A loop of known instruction count. count(n) executes 11n + 9
;; instructions, every `end` that is reached included:
;;   block, loop                                                 2
;;   per iteration: local.get local.get i32.ge_u br_if
;;     local.get i32.const i32.add local.set local.get global.set br  11
;;   the last test: local.get local.get i32.ge_u br_if           4
;;   end (block), local.get, end (function)                      3
;; $iters counts the iterations begun, so the work done before a trap can be
;; read back.
(module
  (global $iters (export "iters") (mut i32) (i32.const 0))
  (func (export "count") (param $n i32) (result i32)
    (local $i i32)
    (block $done
      (loop $top
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (global.set $iters (local.get $i))
        (br $top)))
    (local.get $i)))
