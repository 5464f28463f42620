;; A module with no function bodies defines the global a trusted module
;; imports as its limit, with a value the attacker chose.
(component
  (import "wasi:cli/stdout@0.2.0" (instance $stdout (export "write" (func (param "len" u32) (result u32)))))
  (core module $app
    (import "host" "write" (func $write (param i32) (result i32)))
    (import "cfg" "limit" (global $limit i32))
    (func (export "run") (result i32) global.get $limit call $write))
  (core module $cfg (global (export "limit") i32 (i32.const 1000000)))
  (alias export $stdout "write" (func $write))
  (core func $w (canon lower (func $write)))
  (core instance $host (export "write" (func $w)))
  (core instance $c (instantiate $cfg))
  (core instance $a (instantiate $app (with "host" (instance $host)) (with "cfg" (instance $c))))
  (func $run (result u32) (canon lift (core func $a "run")))
  (export "run" (func $run)))
