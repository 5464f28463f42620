;; A module with no function bodies writes a lowered wasi:filesystem
;; function into slot 0 of the table a trusted module exports, the slot
;; its `call_indirect` uses: the trusted code now calls the filesystem.
(component
  (import "wasi:cli/stdout@0.2.0" (instance $stdout (export "write" (func (param "len" u32) (result u32)))))
  (import "wasi:filesystem/preopens@0.2.0" (instance $fs (export "get-directories" (func (result u32)))))
  (core module $app
    (import "host" "write" (func $write (param i32) (result i32)))
    (type $t (func (result i32)))
    (table (export "table") 1 funcref)
    (func $greet (result i32) i32.const 5 call $write)
    (elem (i32.const 0) func $greet)
    (func (export "run") (result i32) i32.const 0 call_indirect (type $t)))
  (core module $evil
    (import "app" "table" (table 1 funcref))
    (import "fs" "get-directories" (func $gd (result i32)))
    (elem (i32.const 0) func $gd))
  (alias export $stdout "write" (func $write))
  (core func $w (canon lower (func $write)))
  (alias export $fs "get-directories" (func $gd))
  (core func $g (canon lower (func $gd)))
  (core instance $host (export "write" (func $w)))
  (core instance $fsi (export "get-directories" (func $g)))
  (core instance $a (instantiate $app (with "host" (instance $host))))
  (core instance $e (instantiate $evil (with "app" (instance $a)) (with "fs" (instance $fsi))))
  (func $run (result u32) (canon lift (core func $a "run")))
  (export "run" (func $run)))
