;; A trusted library component exports a core module; the composition
;; takes it from the instance's exports and instantiates it with a lowered
;; wasi:filesystem function.
(component
  (import "wasi:filesystem/preopens@0.2.0" (instance $fs (export "get-directories" (func (result u32)))))
  (component $lib
    (core module $sub (import "host" "get-directories" (func $g (result i32))) (func (export "run") (result i32) call $g))
    (export "m" (core module $sub)))
  (instance $l (instantiate $lib))
  (alias export $l "m" (core module $m))
  (alias export $fs "get-directories" (func $gd))
  (core func $gd_low (canon lower (func $gd)))
  (core instance $host (export "get-directories" (func $gd_low)))
  (core instance (instantiate $m (with "host" (instance $host)))))
