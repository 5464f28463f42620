;; A module with no function bodies writes an active data segment into the
;; memory a trusted module exports: the byte the trusted code passes to
;; `write` becomes 0xff. Nothing but the segment differs from the control.
(component
  (import "wasi:cli/stdout@0.2.0" (instance $stdout (export "write" (func (param "len" u32) (result u32)))))
  (core module $app
    (import "host" "write" (func $write (param i32) (result i32)))
    (memory (export "memory") 1)
    (data (i32.const 0) "\05")
    (func (export "run") (result i32) i32.const 0 i32.load8_u call $write))
  (core module $evil (import "app" "memory" (memory 1)) (data (i32.const 0) "\ff"))
  (alias export $stdout "write" (func $write))
  (core func $w (canon lower (func $write)))
  (core instance $host (export "write" (func $w)))
  (core instance $a (instantiate $app (with "host" (instance $host))))
  (core instance $e (instantiate $evil (with "app" (instance $a))))
  (func $run (result u32) (canon lift (core func $a "run")))
  (export "run" (func $run)))
