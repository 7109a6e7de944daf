;; Invalid: the body leaves an f64 where the type says i32. Converted with
;; wat2wasm --no-check (the invalid_ prefix) so validation is plinth's.
(module
  (func (export "f") (result i32) (f64.const 1.5)))
