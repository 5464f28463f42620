;; A trusted component travels as a value: a runner component imports a
;; component and instantiates it with the filesystem function it was given.
(component
  (import "wasi:filesystem/preopens@0.2.0" (instance $fs (export "get-directories" (func (result u32)))))
  (alias export $fs "get-directories" (func $gd))
  (component $worker
    (import "gd" (func $gd (result u32)))
    (core module $w (import "host" "gd" (func $g (result i32))) (func (export "run") (result i32) call $g))
    (core func $gd_low (canon lower (func $gd)))
    (core instance $host (export "gd" (func $gd_low)))
    (core instance $i (instantiate $w (with "host" (instance $host))))
    (func (export "run") (result u32) (canon lift (core func $i "run"))))
  (component $runner
    (import "w" (component $w (import "gd" (func (result u32))) (export "run" (func (result u32)))))
    (import "gd" (func $gd (result u32)))
    (instance (instantiate $w (with "gd" (func $gd)))))
  (instance (instantiate $runner (with "w" (component $worker)) (with "gd" (func $gd)))))
