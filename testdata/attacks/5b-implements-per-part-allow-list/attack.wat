;; The root imports wasi:sockets/tcp under the label `net`, with an
;; `implements` name, and passes it to a trusted client: the host gives it
;; TCP, while a pattern matched against the label alone sees only `net`.
(component
  (import "net" (implements "wasi:sockets/tcp@0.2.0") (instance $net (export "connect" (func (param "port" u32) (result u32)))))
  (component $client
    (import "tcp" (instance $t (export "connect" (func (param "port" u32) (result u32)))))
    (alias export $t "connect" (func $connect))
    (core func $c (canon lower (func $connect)))
    (core instance $host (export "connect" (func $c)))
    (core module $m (import "host" "connect" (func $connect (param i32) (result i32))) (func (export "run") (result i32) i32.const 80 call $connect))
    (core instance $i (instantiate $m (with "host" (instance $host))))
    (func (export "run") (result u32) (canon lift (core func $i "run"))))
  (instance $cl (instantiate $client (with "tcp" (instance $net))))
  (export "run" (func $cl "run")))
