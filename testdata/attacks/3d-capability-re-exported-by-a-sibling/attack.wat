;; A sibling re-exports the filesystem instance it was given; the trusted
;; client takes it from the sibling's exports, not from the host.
(component
  (import "wasi:filesystem/preopens@0.2.0" (instance $fs (export "get-directories" (func (result u32)))))
  (component $relay
    (import "fs" (instance $fs (export "get-directories" (func (result u32)))))
    (export "fs" (instance $fs)))
  (component $client
    (import "store" (instance $s (export "get-directories" (func (result u32)))))
    (alias export $s "get-directories" (func $gd))
    (core func $gd_low (canon lower (func $gd)))
    (core instance $host (export "gd" (func $gd_low)))
    (core module $c (import "host" "gd" (func $g (result i32))) (func (export "run") (result i32) call $g))
    (core instance $i (instantiate $c (with "host" (instance $host))))
    (func (export "run") (result u32) (canon lift (core func $i "run"))))
  (instance $r (instantiate $relay (with "fs" (instance $fs))))
  (alias export $r "fs" (instance $relayed))
  (instance $cl (instantiate $client (with "store" (instance $relayed))))
  (export "run" (func $cl "run")))
