;; The honest composition: the module gets a wasi:cli function.
(component
  (import "wasi:cli/environment@0.2.0" (instance $fs (export "get-directories" (func (result u32)))))
  (component $lib
    (core module $sub (import "host" "get-directories" (func $g (result i32))) (func (export "run") (result i32) call $g))
    (export "m" (core module $sub)))
  (instance $l (instantiate $lib))
  (alias export $l "m" (core module $m))
  (alias export $fs "get-directories" (func $gd))
  (core func $gd_low (canon lower (func $gd)))
  (core instance $host (export "get-directories" (func $gd_low)))
  (core instance (instantiate $m (with "host" (instance $host)))))
