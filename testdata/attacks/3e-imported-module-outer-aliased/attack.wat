;; A component imports a core module; a component nested inside it takes
;; that module by an outer alias and instantiates it with the filesystem.
;; The module is only known when the outer component is instantiated.
(component
  (import "wasi:filesystem/preopens@0.2.0" (instance $fs (export "get-directories" (func (result u32)))))
  (alias export $fs "get-directories" (func $gd))
  (core module $app (import "host" "get-directories" (func $g (result i32))) (func (export "run") (result i32) call $g))
  (component $outer
    (import "m" (core module $m (import "host" "get-directories" (func (result i32))) (export "run" (func (result i32)))))
    (import "gd" (func $gd (result u32)))
    (component $inner
      (import "gd" (func $gd (result u32)))
      (alias outer $outer $m (core module $m))
      (core func $gd_low (canon lower (func $gd)))
      (core instance $host (export "get-directories" (func $gd_low)))
      (core instance (instantiate $m (with "host" (instance $host)))))
    (instance (instantiate $inner (with "gd" (func $gd)))))
  (instance (instantiate $outer (with "m" (core module $app)) (with "gd" (func $gd)))))
