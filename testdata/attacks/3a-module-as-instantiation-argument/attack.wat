;; A code module travels as a value: the composition passes it to a
;; component that imports a core module and instantiates it with a
;; lowered wasi:filesystem function (the pattern of wasmtime's
;; nested.wast). The module is instantiated inside the component, not
;; where it is defined.
(component
  (import "wasi:filesystem/preopens@0.2.0" (instance $fs (export "get-directories" (func (result u32)))))
  (alias export $fs "get-directories" (func $gd))
  (component $c
    (import "m" (core module $m (import "host" "get-directories" (func (result i32))) (export "run" (func (result i32)))))
    (import "gd" (func $gd (result u32)))
    (core func $gd_low (canon lower (func $gd)))
    (core instance $host (export "get-directories" (func $gd_low)))
    (core instance $i (instantiate $m (with "host" (instance $host)))))
  (core module $app (import "host" "get-directories" (func $g (result i32))) (func (export "run") (result i32) call $g))
  (instance (instantiate $c (with "m" (core module $app)) (with "gd" (func $gd)))))
